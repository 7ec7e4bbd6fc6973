"""Argument types and the option groups several commands share."""

from __future__ import annotations

import argparse

from fanout_cli.exit_codes import EPILOG

# What ``ArgumentParser.add_subparsers`` returns; each command adds its parser to it.
type Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def aws_options() -> argparse.ArgumentParser:
    """``--region`` and ``--endpoint-url``, as a parent parser."""
    aws = argparse.ArgumentParser(add_help=False)
    aws.add_argument("--region", help="AWS region (default: from the ARN, then AWS config)")
    aws.add_argument("--endpoint-url", help="AWS endpoint (default: AWS_ENDPOINT_URL or AWS)")
    return aws


def add_aws_command(
    sub: Subparsers, name: str, *, help: str, description: str
) -> argparse.ArgumentParser:
    """A command that calls AWS: the AWS options, the state machine options, the epilog."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        parents=[aws_options()],
        help=help,
        description=description,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--state-machine-arn",
        metavar="ARN",
        help="the state machine (default: FANOUT_STATE_MACHINE_ARN)",
    )
    group.add_argument(
        "--terraform-dir",
        metavar="DIR",
        help="read state_machine_arn from `terraform -chdir=DIR output -json`",
    )
    return parser


def add_follow_options(parser: argparse.ArgumentParser) -> None:
    """``--timeout``, ``--poll-interval`` and ``--json`` of a command that follows an execution."""
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=3600.0,
        metavar="SECONDS",
        help="stop following after this long (default: 3600); the execution goes on",
    )
    parser.add_argument(
        "--poll-interval",
        type=positive_float,
        default=2.0,
        metavar="SECONDS",
        help="seconds between polls (default: 2)",
    )
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")


def add_print_limit(parser: argparse.ArgumentParser) -> None:
    """``--print-limit`` of a command that prints a run's summary."""
    parser.add_argument(
        "--print-limit",
        type=non_negative_int,
        default=5000,
        metavar="DIGITS",
        help="print the number itself up to this many digits (default: 5000)",
    )
