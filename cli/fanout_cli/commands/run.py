"""``fanout run``: start an execution and follow it to its result."""

from __future__ import annotations

import argparse
import json
import sys
import time

from fanout_cli import awsconfig
from fanout_cli.follow import FollowOptions, follow_and_report
from fanout_cli.options import (
    Subparsers,
    add_aws_command,
    add_follow_options,
    add_print_limit,
    positive_int,
)
from fanout_cli.resolve import (
    build_input,
    item_source,
    new_execution_name,
    validate_execution_name,
)


def add_parser(sub: Subparsers) -> None:
    run = add_aws_command(
        sub,
        "run",
        help="start an execution and follow it to its result",
        description="Start an execution, follow it with a progress line on stderr, print the "
        "result summary on stdout. Exit code 1 if the execution fails.",
    )
    what = run.add_mutually_exclusive_group(required=True)
    what.add_argument("--size", type=positive_int, metavar="N", help="items [0, N)")
    what.add_argument("--input", metavar="JSON", help="the whole execution input as JSON")
    what.add_argument("--s3-prefix", metavar="URI", help="items: every object under s3://b/p/")
    what.add_argument("--jsonl", metavar="URI", help="items: the lines of a JSONL file in S3")
    what.add_argument("--csv", metavar="URI", help="items: the rows of a CSV file in S3")
    run.add_argument(
        "--no-header",
        dest="header",
        action="store_false",
        help="with --csv: the first row is data, not column names",
    )
    run.add_argument("--chunk-size", type=positive_int, metavar="C", help="items per child")
    run.add_argument("--kernel", choices=("fast", "reference"), help="utf8_count kernel")
    run.add_argument("--workload", metavar="W", help="workload (default: the deployment's)")
    run.add_argument("--name", help="execution name (default: fanout-<size>-<time>-<random>)")
    add_print_limit(run)
    add_follow_options(run)
    run.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    items = item_source(args.s3_prefix, args.jsonl, args.csv, args.header)
    payload = build_input(args.size, args.input, args.chunk_size, args.kernel, args.workload, items)
    machine = awsconfig.required_state_machine_arn(args)
    name = validate_execution_name(args.name or new_execution_name(payload.get("size")))
    sfn = awsconfig.aws_client("stepfunctions", args, machine)
    started = sfn.start_execution(stateMachineArn=machine, name=name, input=json.dumps(payload))
    arn = started["executionArn"]
    print(f"started {arn}", file=sys.stderr)
    options = FollowOptions(args.poll_interval, args.timeout, args.json, args.print_limit)
    return follow_and_report(
        sfn, arn, options, sys.stdout, sys.stderr, now=awsconfig.now, sleep=time.sleep
    )
