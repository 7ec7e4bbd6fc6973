"""`make bench`: figures for the kernels and for whole runs on the embedded LocalStack.

Prints, side by side in one run:

1. the reference and fast kernels on the same items (and the fast kernel with and
   without gmpy2), as times and ratios;
2. end-to-end runs for sizes 1024, 10,000 and 100,000 on LocalStack: execution wall
   time, the stage breakdown read from the execution history, items/s, peak memory of
   LocalStack and its Lambda processes; each total verified exactly against the
   closed form;
3. a sweep of five jobs (bench/sweep.py): wall time, jobs/s, parallelism, exact totals;

and writes them to ``bench-results/bench.json`` and ``bench-results/bench.png``.
Benchmarks report; they never assert times. Exactness is checked: a wrong total is an
error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT / "lambda_src"), str(REPO_ROOT)]

from bench.sweep import DEFAULT_JOB_SIZES, bench_sweep  # noqa: E402
from emulation import deploy, lsctl  # noqa: E402
from fanout import bigint  # noqa: E402
from fanout.workloads import utf8_count  # noqa: E402
from oracle.utf8_count import total  # noqa: E402

OUT_DIR = REPO_ROOT / "bench-results"
DEFAULT_SIZES = (1024, 10_000, 100_000)
BENCH_VARIABLES: dict[str, object] = {
    "name_prefix": "fanout-bench",
    "force_destroy_bucket": True,
    "max_size": 1_000_000,
    # This machine runs every Lambda environment as a local process: more children at
    # once than LocalStack starts in parallel (16) only adds memory, not speed.
    "map_max_concurrency": 16,
}


def _timed(fn: Any, *args: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - t0, value


def bench_kernels(start: int, stop: int, big_start: int, big_stop: int) -> dict[str, Any]:
    """Reference vs fast on the same items; fast with gmpy2 vs pure Python on a large chunk."""
    print(f"\n== Kernels: items [{start}, {stop}) ==", flush=True)
    t_ref, ref = _timed(lambda: sum(utf8_count.f_reference(i) for i in range(start, stop)))
    # A sub-millisecond call: the best of several runs, so one scheduling hiccup does not
    # decide the ratio.
    t_fast, fast = min(_timed(utf8_count.chunk_sum_fast, start, stop) for _ in range(25))
    if int(ref) != int(fast):
        raise SystemExit("kernel mismatch: reference and fast disagree")
    ratio = t_ref / t_fast if t_fast else float("inf")
    print(f"  reference kernel : {t_ref * 1000:10.1f} ms")
    print(f"  fast kernel      : {t_fast * 1000:10.3f} ms   (backend {bigint.backend()})")
    print(f"  ratio            : {ratio:10.0f}x faster, identical sums")

    print(f"\n== Fast kernel, gmpy2 vs pure Python: items [{big_start}, {big_stop}) ==", flush=True)
    backends: dict[str, float] = {}
    saved = bigint._gmpy2
    results = {}
    try:
        for name, module in (("gmpy2", saved), ("python", None)):
            if name == "gmpy2" and module is None:
                continue
            bigint._gmpy2 = module
            elapsed, value = _timed(utf8_count.chunk_sum_fast, big_start, big_stop)
            backends[name] = elapsed
            results[name] = int(value)
            print(f"  {name:7s}: {elapsed * 1000:10.1f} ms")
    finally:
        bigint._gmpy2 = saved
    if len(set(results.values())) != 1:
        raise SystemExit("backend mismatch: gmpy2 and pure Python disagree")
    if "gmpy2" in backends and backends["gmpy2"]:
        print(f"  ratio  : {backends['python'] / backends['gmpy2']:10.1f}x faster with gmpy2")
    return {
        "items": [start, stop],
        "reference_s": t_ref,
        "fast_s": t_fast,
        "reference_over_fast": ratio,
        "big_chunk": [big_start, big_stop],
        "fast_backend_s": backends,
    }


def _stage_breakdown(sfn: Any, execution_arn: str) -> dict[str, float]:
    """Seconds spent in each top-level state, from the execution history."""
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events += page["events"]
    entered: dict[str, datetime] = {}
    stages: dict[str, float] = {}
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            entered[details["name"]] = event["timestamp"]
        elif kind.endswith("StateExited"):
            details = event["stateExitedEventDetails"]
            if details["name"] in entered:
                delta = event["timestamp"] - entered[details["name"]]
                stages[details["name"]] = delta.total_seconds()
    return stages


def bench_end_to_end(
    sizes: tuple[int, ...], endpoint: str, sweep_sizes: tuple[int, ...], report: dict[str, Any]
) -> list[dict[str, Any]]:
    import boto3

    print("\n== End to end on LocalStack ==", flush=True)
    t0 = time.perf_counter()
    outputs = deploy.apply(endpoint, BENCH_VARIABLES, workspace="bench")
    print(f"  deploy (terraform apply): {time.perf_counter() - t0:.1f} s", flush=True)
    sfn = boto3.client("stepfunctions", endpoint_url=endpoint)
    arn = str(outputs["state_machine_arn"])
    pid = lsctl.localstack_pid()
    rows: list[dict[str, Any]] = []
    for size in sizes:
        print(f"  size {size}: running ...", flush=True)
        expected_t0 = time.perf_counter()
        expected = total(size)
        expected_text = bigint.to_decimal(expected)
        check_s = time.perf_counter() - expected_t0
        sampler = lsctl.PeakRss(pid) if pid else None
        if sampler:
            sampler.__enter__()
        started = time.perf_counter()
        name = f"bench-{size}-{uuid.uuid4().hex[:8]}"
        execution_arn = sfn.start_execution(
            stateMachineArn=arn, name=name, input=json.dumps({"size": size})
        )["executionArn"]
        while (desc := sfn.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
            time.sleep(0.25)
        wall = time.perf_counter() - started
        if sampler:
            sampler.__exit__(None, None, None)
        if desc["status"] != "SUCCEEDED":
            raise SystemExit(
                f"size {size}: {desc['status']}: {desc.get('error')} {desc.get('cause')}"
            )
        out = json.loads(desc["output"])
        exact = (
            out["digits"] == len(expected_text)
            and out["sha256"] == hashlib.sha256(expected_text.encode()).hexdigest()
        )
        if not exact:
            raise SystemExit(f"size {size}: the pipeline's total differs from the closed form")
        stages = _stage_breakdown(sfn, execution_arn)
        row = {
            "size": size,
            "chunks": out["chunk_count"],
            "wall_s": wall,
            "items_per_s": size / wall,
            "stages_s": stages,
            "digits": out["digits"],
            "exact": exact,
            "closed_form_s": check_s,
            "peak_rss_mib": (sampler.peak / 2**20) if sampler else None,
        }
        rows.append(row)
        stage_text = ", ".join(f"{k} {v:.1f}s" for k, v in stages.items())
        rss = f"{row['peak_rss_mib']:.0f} MiB" if sampler else "n/a (external endpoint)"
        print(
            f"  size {size:>7}: {wall:7.1f} s wall, {row['items_per_s']:9.0f} items/s, "
            f"{out['chunk_count']} chunks, {out['digits']} digits, exact; "
            f"stages: {stage_text}; peak RSS {rss}; closed form {check_s * 1000:.0f} ms",
            flush=True,
        )
    if sweep_sizes:
        s3 = boto3.client("s3", endpoint_url=endpoint)
        report["sweep"] = bench_sweep(sfn, s3, outputs, sweep_sizes)
    return rows


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = report["end_to_end"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    if rows:
        sizes = [str(r["size"]) for r in rows]
        bottoms = [0.0] * len(rows)
        for stage in ("Plan", "FanOut", "Reduce"):
            values = [r["stages_s"].get(stage, 0.0) for r in rows]
            axes[0].bar(sizes, values, bottom=bottoms, label=stage)
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        axes[0].plot(sizes, [r["wall_s"] for r in rows], "k.--", label="wall")
        axes[0].set_xlabel("size (items)")
        axes[0].set_ylabel("seconds")
        axes[0].set_title("End to end on LocalStack, by stage")
        axes[0].legend()
    k = report["kernels"]
    labels = ["reference", "fast", *[f"fast/{b}" for b in k["fast_backend_s"]]]
    values = [k["reference_s"], k["fast_s"], *k["fast_backend_s"].values()]
    axes[1].bar(labels, [v * 1000 for v in values], color=["C3", "C2", "C0", "C1"][: len(values)])
    axes[1].set_yscale("log")
    axes[1].set_ylabel("milliseconds (log)")
    axes[1].set_title(
        f"Kernels: items {k['items'][0]}-{k['items'][1]} (ref, fast); "
        f"{k['big_chunk'][0]}-{k['big_chunk'][1]} (backends)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)))
    parser.add_argument(
        "--sweep-sizes",
        default=",".join(map(str, DEFAULT_JOB_SIZES)),
        help="sizes of the sweep's jobs (empty: no sweep)",
    )
    parser.add_argument("--skip-e2e", action="store_true", help="kernels only")
    parser.add_argument("--keep", action="store_true", help="keep the stack and LocalStack up")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(",") if s)
    sweep_sizes = tuple(int(s) for s in args.sweep_sizes.split(",") if s)

    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "kernels": bench_kernels(280, 288, 99_000, 100_000),
        "end_to_end": [],
    }
    started_here = False
    if not args.skip_e2e:
        started_here = lsctl.localstack_pid() is None and not os.environ.get("LOCALSTACK_ENDPOINT")
        endpoint = lsctl.start()
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        try:
            report["end_to_end"] = bench_end_to_end(sizes, endpoint, sweep_sizes, report)
        finally:
            if not args.keep:
                deploy.destroy(endpoint, BENCH_VARIABLES, workspace="bench")
                if started_here:
                    lsctl.stop()
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "bench.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    plot(report, OUT_DIR / "bench.png")
    print(f"\nwrote {OUT_DIR / 'bench.json'} and {OUT_DIR / 'bench.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
