"""``fanout estimate``: children, invocations, GB-seconds, requests and cost of a run."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from fanout_cli import prices
from fanout_cli.chunking import DEFAULT_MAX_CHUNK_SIZE, DEFAULT_MAX_CHUNKS
from fanout_cli.estimate import (
    DEFAULT_MAX_CONCURRENCY,
    ONE_VCPU_MEMORY_MB,
    BatchOptions,
    estimate,
    format_estimate,
    items,
)
from fanout_cli.estimate.items import DEFAULT_PLAN_TIMEOUT_S
from fanout_cli.estimate.limits import DEFAULT_PLAN_MEMORY_MB
from fanout_cli.estimate.sweep import (
    DEFAULT_SWEEP_MAX_CONCURRENCY,
    SweepEstimateError,
    estimate_sweep,
    format_sweep_estimate,
)
from fanout_cli.exit_codes import EXIT_OK
from fanout_cli.jobs import load_jobs
from fanout_cli.options import Subparsers, non_negative_int, positive_int
from fanout_cli.resolve import UsageError


def add_parser(sub: Subparsers) -> None:
    est = sub.add_parser(
        "estimate",
        help="children, invocations, GB-seconds, requests and cost of a run",
        description="Estimate a utf8_count run: child executions, Lambda invocations and "
        "GB-seconds, state transitions, history events, S3 requests and the dollar cost at "
        f"{prices.REGION} list prices (read {prices.READ_ON}; sources in fanout_cli.prices). "
        "Warns where a choice breaks an AWS limit. Times come from a model of the kernels "
        "(fanout_cli.estimate.CostModel), not from a measurement of your run.",
    )
    what = est.add_mutually_exclusive_group(required=True)
    what.add_argument("--size", type=positive_int, metavar="N", help="items [0, N) of utf8_count")
    what.add_argument(
        "--jobs",
        metavar="JOBS.jsonl",
        help="estimate a sweep of these jobs (one utf8_count input a line); the other "
        "options apply to every job",
    )
    est.add_argument(
        "--sweep-max-concurrency",
        type=positive_int,
        default=DEFAULT_SWEEP_MAX_CONCURRENCY,
        metavar="J",
        help=f"jobs running at once, the deployment's sweep_max_concurrency (default: "
        f"{DEFAULT_SWEEP_MAX_CONCURRENCY})",
    )
    what.add_argument(
        "--objects", type=positive_int, metavar="N", help="s3_digest over N objects of a prefix"
    )
    what.add_argument(
        "--rows",
        type=positive_int,
        metavar="N",
        help="N rows of a JSONL or CSV file (with --file-bytes and --seconds-per-row)",
    )
    data = est.add_argument_group("runs over data (--objects, --rows)")
    data.add_argument(
        "--object-bytes",
        type=non_negative_int,
        default=64 * 1024,
        metavar="B",
        help="mean object size (default: 65536)",
    )
    data.add_argument(
        "--key-length",
        type=positive_int,
        default=40,
        metavar="CHARS",
        help="mean key length after the prefix (default: 40)",
    )
    data.add_argument(
        "--file-bytes", type=positive_int, metavar="B", help="size of the JSONL or CSV file"
    )
    data.add_argument(
        "--seconds-per-row",
        type=float,
        default=0.001,
        metavar="S",
        help="compute time of one row on one vCPU (default: 0.001)",
    )
    data.add_argument(
        "--plan-timeout",
        type=positive_int,
        default=DEFAULT_PLAN_TIMEOUT_S,
        metavar="S",
        help=f"the deployment's plan_timeout (default: {DEFAULT_PLAN_TIMEOUT_S})",
    )
    data.add_argument(
        "--plan-memory-mb",
        type=positive_int,
        default=DEFAULT_PLAN_MEMORY_MB,
        metavar="MB",
        help=f"the deployment's plan_memory_size (default: {DEFAULT_PLAN_MEMORY_MB})",
    )
    est.add_argument(
        "--chunk-size",
        type=positive_int,
        metavar="C",
        help="items per child (default: the plan's rule: fast max(64, ceil(N/200)), "
        "reference 1, within max_chunks and max_chunk_size)",
    )
    est.add_argument("--kernel", choices=("fast", "reference"), default="fast")
    est.add_argument(
        "--memory-mb",
        type=int,
        default=ONE_VCPU_MEMORY_MB,
        metavar="MB",
        help=f"compute function memory (default: {ONE_VCPU_MEMORY_MB}, one vCPU)",
    )
    est.add_argument("--child-type", choices=("STANDARD", "EXPRESS"), default="STANDARD")
    est.add_argument(
        "--max-concurrency",
        type=non_negative_int,
        metavar="M",
        default=DEFAULT_MAX_CONCURRENCY,
        help=f"Distributed Map MaxConcurrency, the deployment's map_max_concurrency "
        f"(default: {DEFAULT_MAX_CONCURRENCY}; 0 = no limit, i.e. the map's own 10,000)",
    )
    est.add_argument(
        "--retries-per-child",
        type=non_negative_int,
        default=0,
        metavar="R",
        help="assume each child retries its compute R times (default: 0)",
    )
    est.add_argument(
        "--max-chunk-size",
        type=positive_int,
        default=DEFAULT_MAX_CHUNK_SIZE,
        metavar="C",
        help=f"the deployment's max_chunk_size, caps the default (default: "
        f"{DEFAULT_MAX_CHUNK_SIZE})",
    )
    est.add_argument(
        "--max-chunks",
        type=positive_int,
        default=DEFAULT_MAX_CHUNKS,
        metavar="K",
        help=f"the deployment's max_chunks (default: {DEFAULT_MAX_CHUNKS})",
    )
    est.add_argument(
        "--batch",
        action="store_true",
        help="the deployment has the AWS Batch backend (enable_batch): route chunks as the "
        "plan does and price the Batch ones on Fargate",
    )
    defaults = BatchOptions()
    est.add_argument(
        "--compute-timeout",
        type=positive_int,
        default=defaults.compute_timeout_s,
        metavar="S",
        help=f"the compute function's timeout, which routing measures chunks against "
        f"(default: {defaults.compute_timeout_s})",
    )
    est.add_argument(
        "--batch-vcpus", type=float, default=defaults.vcpus, metavar="V", help="vCPUs of a job"
    )
    est.add_argument(
        "--batch-memory-mb",
        type=positive_int,
        default=defaults.memory_mb,
        metavar="MB",
        help=f"memory of a job (default: {defaults.memory_mb})",
    )
    est.add_argument(
        "--batch-timeout",
        type=positive_int,
        default=defaults.timeout_s,
        metavar="S",
        help=f"a job attempt's timeout (default: {defaults.timeout_s})",
    )
    est.add_argument("--json", action="store_true", help="print JSON")
    est.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    options = {
        "memory_mb": args.memory_mb,
        "child_type": args.child_type,
        "max_concurrency": args.max_concurrency,
        "retries_per_child": args.retries_per_child,
        "max_chunk_size": args.max_chunk_size,
        "max_chunks": args.max_chunks,
        "batch": BatchOptions(
            compute_timeout_s=args.compute_timeout,
            vcpus=args.batch_vcpus,
            memory_mb=args.batch_memory_mb,
            timeout_s=args.batch_timeout,
        )
        if args.batch
        else None,
    }
    if args.jobs:
        return sweep_command(args, options)
    if args.objects is not None or args.rows is not None:
        return data_command(args)
    est = estimate(size=args.size, chunk_size=args.chunk_size, kernel=args.kernel, **options)
    print(est.to_json() if args.json else format_estimate(est))
    return EXIT_OK


def sweep_command(args: argparse.Namespace, options: dict[str, Any]) -> int:
    """``--jobs``: every job's estimate plus the sweep's own (``fanout_cli.estimate.sweep``)."""
    path = Path(args.jobs)
    if not path.is_file():
        raise UsageError(f"jobs file {args.jobs!r} does not exist")
    specs = load_jobs(path.read_text(encoding="utf-8"), args.jobs)
    try:
        est = estimate_sweep(specs, args.sweep_max_concurrency, **options)
    except SweepEstimateError as exc:
        raise UsageError(f"{args.jobs}: {exc}") from None
    print(est.to_json() if args.json else format_sweep_estimate(est))
    return EXIT_OK


def data_command(args: argparse.Namespace) -> int:
    shared = {
        "memory_mb": args.memory_mb,
        "max_concurrency": args.max_concurrency,
        "plan_memory_mb": args.plan_memory_mb,
        "plan_timeout_s": args.plan_timeout,
    }
    if args.objects is not None:
        found = items.estimate_objects(
            args.objects,
            object_bytes=args.object_bytes,
            key_chars=args.key_length,
            chunk_size=args.chunk_size,
            max_chunk_size=args.max_chunk_size,
            max_chunks=args.max_chunks,
            **shared,
        )
    else:
        if args.file_bytes is None:
            raise UsageError("--rows needs --file-bytes (the size of the file)")
        chunk = args.chunk_size or items.sweep_chunk_size(args.rows, args.max_chunks)
        found = items.estimate_rows(
            args.rows, args.file_bytes, args.seconds_per_row, chunk, **shared
        )
    print(found.to_json() if args.json else items.format_item_estimate(found))
    return EXIT_OK
