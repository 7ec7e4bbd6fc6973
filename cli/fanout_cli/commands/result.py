"""``fanout result``: download an execution's full result and verify its sha256."""

from __future__ import annotations

import argparse
import sys

from fanout_cli import awsconfig
from fanout_cli.download import download_result
from fanout_cli.exit_codes import EXIT_FAILED
from fanout_cli.options import Subparsers, add_aws_command
from fanout_cli.resolve import execution_arn, parse_s3_uri
from fanout_cli.summary import parse_output


def add_parser(sub: Subparsers) -> None:
    result = add_aws_command(
        sub,
        "result",
        help="download the full result and verify its sha256",
        description="Download the full decimal result named by the execution output "
        "(result_s3_uri) and verify it against the summary's sha256 and digits.",
    )
    result.add_argument("execution", metavar="EXECUTION_ARN_OR_NAME")
    result.add_argument(
        "-o", "--output", metavar="FILE", help="write here instead of stdout ('-' = stdout)"
    )
    result.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    arn = execution_arn(args.execution, awsconfig.execution_state_machine_arn(args))
    sfn = awsconfig.aws_client("stepfunctions", args, arn)
    description = sfn.describe_execution(executionArn=arn)
    if description["status"] != "SUCCEEDED":
        print(f"{arn} is {description['status']}: there is no result to fetch", file=sys.stderr)
        return EXIT_FAILED
    summary = parse_output(description)
    uri = summary.get("result_s3_uri")
    if not uri:
        print(f"the output of {arn} has no result_s3_uri", file=sys.stderr)
        return EXIT_FAILED
    try:
        bucket, key = parse_s3_uri(uri)
    except ValueError as exc:
        print(f"the output of {arn} names no S3 object: {exc}", file=sys.stderr)
        return EXIT_FAILED
    s3 = awsconfig.aws_client("s3", args, arn)
    return download_result(s3, bucket, key, summary, args.output, sys.stdout.buffer, sys.stderr)
