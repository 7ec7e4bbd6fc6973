"""The framework's own cost per child: the ``noop`` workload (children that only count
their items) with one item per child, reported as children per second, so the fan-out's
cost shows apart from any kernel's."""

from __future__ import annotations

from typing import Any

from bench.stack import BENCH_VARIABLES, Stack, format_stages, run_execution

DEFAULT_CHILDREN = 500


def bench_overhead(stack: Stack, children: int) -> dict[str, Any]:
    print(f"\n== Framework overhead: noop, {children} children of one item ==", flush=True)
    execution = run_execution(
        stack, {"workload": "noop", "size": children, "chunk_size": 1}, f"noop {children}"
    )
    out = execution.output
    if (out.get("children"), out.get("items")) != (children, children):
        raise SystemExit(f"noop ({execution.name}): expected {children} children, got {out}")
    fan_out_s = execution.stages_s.get("FanOut", execution.wall_s)
    concurrency = int(str(BENCH_VARIABLES["map_max_concurrency"]))
    row = {
        "children": children,
        "max_concurrency": concurrency,
        "execution": execution.name,
        "wall_s": execution.wall_s,
        "stages_s": execution.stages_s,
        "fan_out_s": fan_out_s,
        "children_per_s": children / fan_out_s,
        # Each of the `concurrency` slots spends this long per child, start to finish.
        "child_latency_ms": 1000 * fan_out_s * concurrency / children,
        "peak_rss_mib": execution.peak_rss_mib,
    }
    print(
        f"  noop: {row['children_per_s']:.1f} children/s over the FanOut stage "
        f"({fan_out_s:.1f} s for {children}), {row['child_latency_ms']:.0f} ms per child and "
        f"slot at MaxConcurrency {concurrency}; {execution.wall_s:.1f} s wall; "
        f"stages: {format_stages(execution.stages_s)}",
        flush=True,
    )
    return row
