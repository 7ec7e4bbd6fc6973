"""The reference and fast kernels side by side on the same items, and the fast kernel
with and without gmpy2 on a large chunk: times and ratios, identical sums checked."""

from __future__ import annotations

import time
from typing import Any

from fanout import bigint
from fanout.workloads import utf8_count


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
