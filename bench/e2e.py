"""End-to-end runs of utf8_count on the deployed stack, cold and warm, each verified
exactly against the independent closed form (``oracle/``).

Cold: the first run after the functions' execution environments were replaced
(:func:`bench.stack.recycle_environments`, as after a deploy). Warm: the same input run
again at once, on the environments the cold run left.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from bench.stack import Execution, Stack, format_stages, recycle_environments, run_execution
from oracle.utf8_count import decimal, total

DEFAULT_SIZES = (1024, 10_000, 100_000, 1_000_000)
PHASES = ("cold", "warm")


def expected_answer(size: int) -> dict[str, Any]:
    """Digits and sha256 of T(size)'s decimal text, by the closed form, and its time."""
    t0 = time.perf_counter()
    text = decimal(total(size))
    return {
        "digits": len(text),
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "closed_form_s": time.perf_counter() - t0,
    }


def check_exact(size: int, execution: Execution, expected: dict[str, Any]) -> None:
    out = execution.output
    if (out.get("digits"), out.get("sha256")) != (expected["digits"], expected["sha256"]):
        raise SystemExit(
            f"size {size} ({execution.name}): the pipeline's total differs from the closed "
            f"form: {out.get('digits')} digits, sha256 {out.get('sha256')}; expected "
            f"{expected['digits']} digits, sha256 {expected['sha256']}"
        )


def phase_row(size: int, execution: Execution) -> dict[str, Any]:
    return {
        "execution": execution.name,
        "wall_s": execution.wall_s,
        "items_per_s": size / execution.wall_s,
        "stages_s": execution.stages_s,
        "peak_rss_mib": execution.peak_rss_mib,
    }


def bench_size(stack: Stack, size: int) -> dict[str, Any]:
    """One size: the closed form, then a cold run and a warm run, both checked."""
    expected = expected_answer(size)
    row: dict[str, Any] = {"size": size, **expected}
    for phase in PHASES:
        if phase == "cold":
            row["recycle_s"] = recycle_environments(stack)
        print(f"  size {size} {phase}: running ...", flush=True)
        execution = run_execution(stack, {"size": size}, f"{size} {phase}")
        check_exact(size, execution, expected)
        row["chunks"] = execution.output["chunk_count"]
        row[phase] = phase_row(size, execution)
        rss = execution.peak_rss_mib
        print(
            f"  size {size:>7} {phase}: {execution.wall_s:7.1f} s wall, "
            f"{size / execution.wall_s:9.0f} items/s, {row['chunks']} chunks, "
            f"{expected['digits']} digits, exact; stages: {format_stages(execution.stages_s)}; "
            f"peak RSS {'n/a' if rss is None else f'{rss:.0f} MiB'}",
            flush=True,
        )
    print(
        f"  size {size:>7}: closed form {expected['closed_form_s'] * 1000:.0f} ms; "
        f"cold - warm = {row['cold']['wall_s'] - row['warm']['wall_s']:.1f} s",
        flush=True,
    )
    return row


def bench_end_to_end(stack: Stack, sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    print("\n== End to end on LocalStack: utf8_count, cold then warm ==", flush=True)
    return [bench_size(stack, size) for size in sizes]
