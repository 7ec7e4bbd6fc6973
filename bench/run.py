"""`make bench`: figures for the kernels and for whole runs on the embedded LocalStack.

Prints, in one run:

1. the reference and fast kernels on the same items (and the fast kernel with and
   without gmpy2), as times and ratios (``bench.kernels``);
2. end-to-end runs of utf8_count for sizes 1024, 10,000, 100,000 and 1,000,000, each
   cold (first run after the functions' execution environments were replaced) and warm
   (run again at once): wall time, the stage breakdown from the execution history,
   items/s, peak memory of LocalStack and its Lambda processes; every total verified
   exactly against the closed form (``bench.e2e``);
3. for the largest size, where the time goes: the run's partials read back from S3, the
   reducer's arithmetic and the heaviest chunk, repeated in this process (``bench.where``);
4. the framework's own cost per child: a ``noop`` run of many one-item children, as
   children per second (``bench.overhead``);
5. a sweep of five jobs: wall time, jobs/s, parallelism, exact totals (``bench.sweep``);
6. a data run: s3_digest over 10,000 S3 objects, in objects/s, its manifest checked
   exactly against a local computation (``bench.data``);

and writes them to ``bench-results/bench.json`` and ``bench-results/bench.png``.
Benchmarks report; they never assert times. Exactness is checked: a wrong total is an
error. The machine's load average is recorded with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT / "lambda_src"), str(REPO_ROOT)]

from bench.data import DEFAULT_OBJECTS, bench_data  # noqa: E402
from bench.e2e import DEFAULT_SIZES, bench_end_to_end  # noqa: E402
from bench.kernels import bench_kernels  # noqa: E402
from bench.overhead import DEFAULT_CHILDREN, bench_overhead  # noqa: E402
from bench.plot import plot  # noqa: E402
from bench.stack import Stack, deployed_stack  # noqa: E402
from bench.sweep import DEFAULT_JOB_SIZES, bench_sweep  # noqa: E402
from bench.where import breakdown  # noqa: E402

OUT_DIR = REPO_ROOT / "bench-results"


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average": list(os.getloadavg()),
    }


def end_to_end_parts(stack: Stack, args: argparse.Namespace, report: dict[str, Any]) -> None:
    """Every part that needs the deployed stack, in order; each fills its own key."""
    report["deploy_s"] = stack.deploy_s
    if args.sizes:
        report["end_to_end"] = bench_end_to_end(stack, args.sizes)
        largest = report["end_to_end"][-1]
        report["where"] = breakdown(stack, largest["warm"]["execution"], largest["size"])
    if args.noop_children:
        report["overhead"] = bench_overhead(stack, args.noop_children)
    if args.sweep_sizes:
        report["sweep"] = bench_sweep(stack.sfn, stack.s3, stack.outputs, args.sweep_sizes)
    if args.objects:
        report["data"] = bench_data(stack, args.objects)


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(s) for s in text.split(",") if s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=DEFAULT_SIZES,
        help="end-to-end sizes, comma-separated, ascending ('' for none; default %(default)s)",
    )
    parser.add_argument(
        "--noop-children",
        type=int,
        default=DEFAULT_CHILDREN,
        help="children of the noop run (0 for none; default %(default)s)",
    )
    parser.add_argument(
        "--sweep-sizes",
        type=_sizes,
        default=DEFAULT_JOB_SIZES,
        help="sizes of the sweep's jobs, comma-separated ('' for no sweep; default %(default)s)",
    )
    parser.add_argument(
        "--objects",
        type=int,
        default=DEFAULT_OBJECTS,
        help="S3 objects of the data run (0 for none; default %(default)s)",
    )
    parser.add_argument("--skip-e2e", action="store_true", help="kernels only")
    parser.add_argument("--keep", action="store_true", help="keep the stack and LocalStack up")
    args = parser.parse_args(argv)

    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "kernels": bench_kernels(280, 288, 99_000, 100_000),
    }
    if not args.skip_e2e and (args.sizes or args.noop_children or args.sweep_sizes or args.objects):
        print("\n== Deploying the stack on LocalStack ==", flush=True)
        with deployed_stack(keep=args.keep) as stack:
            end_to_end_parts(stack, args, report)
    report["machine"]["load_average_after"] = list(os.getloadavg())
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "bench.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    plot(report, OUT_DIR / "bench.png")
    load = ", ".join(f"{v:.2f}" for v in report["machine"]["load_average"])
    print(f"\nload average at the start: {load} ({report['machine']['cpus']} CPUs)")
    print(f"wrote {OUT_DIR / 'bench.json'} and {OUT_DIR / 'bench.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
