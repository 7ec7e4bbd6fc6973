"""``fanout redrive``: redrive a failed execution and follow it to its result.

RedriveExecution continues a failed, aborted or timed-out STANDARD execution from its
unsuccessful state under the same ARN; a failed Distributed Map run then reruns only its
failed, aborted and pending children
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from fanout_cli import awsconfig
from fanout_cli.exit_codes import EXIT_FAILED
from fanout_cli.follow import FollowOptions, follow_and_report
from fanout_cli.options import Subparsers, add_aws_command, add_follow_options, add_print_limit
from fanout_cli.resolve import UsageError, execution_arn

# How long to wait for DescribeExecution to show the redrive (it is eventually consistent).
REDRIVE_VISIBLE_S = 60.0


class RedriveNotVisible(RuntimeError):
    """DescribeExecution did not show the redrive in time."""


def add_parser(sub: Subparsers) -> None:
    redrive = add_aws_command(
        sub,
        "redrive",
        help="redrive a failed execution and follow it to its result",
        description="Redrive a failed, aborted or timed-out execution (only its unsuccessful "
        "steps run again; a failed map run reruns only its failed, aborted and pending "
        "children), follow it with a progress line on stderr and print the result summary on "
        "stdout. Exit code 1 if it fails again.",
    )
    redrive.add_argument("execution", metavar="EXECUTION_ARN_OR_NAME")
    add_print_limit(redrive)
    add_follow_options(redrive)
    redrive.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    arn = execution_arn(args.execution, awsconfig.execution_state_machine_arn(args))
    sfn = awsconfig.aws_client("stepfunctions", args, arn)
    options = FollowOptions(args.poll_interval, args.timeout, args.json, args.print_limit)
    return redrive_and_follow(sfn, arn, options, now=awsconfig.now, sleep=time.sleep)


def redrive_and_follow(
    sfn: Any,
    arn: str,
    options: FollowOptions,
    *,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
) -> int:
    """Redrive ``arn``, wait until the redrive shows, then follow it like ``fanout run``."""
    before = sfn.describe_execution(executionArn=arn)
    status = before["status"]
    if status in ("RUNNING", "SUCCEEDED", "PENDING_REDRIVE"):
        raise UsageError(
            f"{arn} is {status}: only a FAILED, ABORTED or TIMED_OUT execution can be redriven"
        )
    count = int(before.get("redriveCount") or 0)
    try:
        sfn.redrive_execution(executionArn=arn)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ExecutionNotRedrivable":
            raise
        reason = before.get("redriveStatusReason") or exc.response["Error"].get("Message")
        print(f"fanout redrive: {arn} cannot be redriven: {reason}", file=sys.stderr)
        return EXIT_FAILED
    print(f"redriving {arn} (redrive {count + 1})", file=sys.stderr)
    wait_until_redriven(sfn, arn, count, now=now, sleep=sleep, poll_s=options.poll_s)
    return follow_and_report(sfn, arn, options, sys.stdout, sys.stderr, now=now, sleep=sleep)


def wait_until_redriven(
    sfn: Any,
    arn: str,
    count: int,
    *,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    poll_s: float,
    limit_s: float = REDRIVE_VISIBLE_S,
) -> None:
    """Poll DescribeExecution until it shows the redrive: RUNNING, or already ended again
    with a higher redriveCount."""
    started = now()
    while True:
        description = sfn.describe_execution(executionArn=arn)
        status = description["status"]
        redriven = int(description.get("redriveCount") or 0) > count
        if status == "RUNNING" or (redriven and status != "PENDING_REDRIVE"):
            return
        if (now() - started).total_seconds() >= limit_s:
            raise RedriveNotVisible(
                f"{arn}: RedriveExecution was accepted but DescribeExecution still shows "
                f"{description['status']} with redriveCount {count} after {limit_s:.0f} s"
            )
        sleep(min(poll_s, 1.0))
