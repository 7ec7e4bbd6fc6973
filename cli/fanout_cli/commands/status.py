"""``fanout status``: status, timings and map-run counts of an execution."""

from __future__ import annotations

import argparse
import json

from fanout_cli import awsconfig
from fanout_cli.exit_codes import EXIT_FAILED, EXIT_OK
from fanout_cli.follow import observe, recent_events
from fanout_cli.options import Subparsers, add_aws_command
from fanout_cli.resolve import execution_arn
from fanout_cli.summary import execution_failure, format_status, status_record


def add_parser(sub: Subparsers) -> None:
    status = add_aws_command(
        sub,
        "status",
        help="status, timings and map-run counts of an execution",
        description="Show an execution's status, timings and map-run counts.",
    )
    status.add_argument("execution", metavar="EXECUTION_ARN_OR_NAME")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    arn = execution_arn(args.execution, awsconfig.execution_state_machine_arn(args))
    sfn = awsconfig.aws_client("stepfunctions", args, arn)
    seen = observe(sfn, arn, awsconfig.now())
    description = seen.description
    failure = None
    if description["status"] not in ("RUNNING", "SUCCEEDED"):
        failure = execution_failure(description, recent_events(sfn, arn))
    record = status_record(
        arn, description, seen.map_run, seen.progress.state, failure, awsconfig.now()
    )
    print(json.dumps(record, indent=2, default=str) if args.json else format_status(record))
    return EXIT_OK if description["status"] in ("RUNNING", "SUCCEEDED") else EXIT_FAILED
