"""``fanout``: start, follow, inspect and cost fan-out runs on AWS Step Functions.

The commands are thin: argument parsing and AWS calls live here, the logic in
the sibling modules (estimate, progress, resolve, summary, follow, download).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fanout_cli import __version__, prices
from fanout_cli.chunking import DEFAULT_MAX_CHUNK_SIZE, DEFAULT_MAX_CHUNKS
from fanout_cli.download import Downloaded, ResultMismatchError, check, fetch_result
from fanout_cli.estimate import (
    DEFAULT_MAX_CONCURRENCY,
    ONE_VCPU_MEMORY_MB,
    estimate,
    format_estimate,
)
from fanout_cli.follow import FollowTimeout, follow, observe, recent_events
from fanout_cli.progress import ProgressPrinter
from fanout_cli.resolve import (
    UsageError,
    build_input,
    execution_arn,
    new_execution_name,
    parse_s3_uri,
    region_from_arn,
    state_machine_arn_from_output,
    validate_execution_name,
    validate_state_machine_arn,
)
from fanout_cli.summary import (
    execution_failure,
    format_failure,
    format_status,
    format_summary,
    parse_output,
    status_record,
)

EXIT_OK = 0
EXIT_FAILED = 1  # the execution failed, timed out or was aborted; or the result check failed
EXIT_USAGE = 2  # bad arguments or missing configuration (argparse uses 2 as well)
EXIT_STILL_RUNNING = 3  # --timeout reached; the execution goes on
EXIT_AWS = 4  # an AWS call failed
EXIT_INTERRUPTED = 130

EPILOG = """\
exit codes: 0 success; 1 the execution failed (or a result did not match its
summary); 2 usage or configuration error; 3 --timeout reached while the
execution still runs; 4 an AWS call failed.

AWS settings come from the usual places (AWS_PROFILE, AWS_REGION, ~/.aws);
AWS_ENDPOINT_URL (or --endpoint-url) points the tool at another endpoint,
such as LocalStack.
"""


# --- configuration --------------------------------------------------------------------


def terraform_output_json(terraform_dir: str) -> str:
    """``terraform -chdir=DIR output -json``."""
    terraform = os.environ.get("TERRAFORM") or shutil.which("terraform")
    if not terraform:
        raise UsageError("terraform was not found on PATH (needed for --terraform-dir)")
    if not Path(terraform_dir).is_dir():
        raise UsageError(f"--terraform-dir {terraform_dir!r} is not a directory")
    proc = subprocess.run(
        [terraform, f"-chdir={terraform_dir}", "output", "-json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise UsageError(
            f"terraform output failed in {terraform_dir}: {proc.stderr.strip() or proc.stdout}"
        )
    return proc.stdout


def resolve_state_machine_arn(args: argparse.Namespace, required: bool) -> str | None:
    if getattr(args, "state_machine_arn", None):
        return validate_state_machine_arn(args.state_machine_arn)
    if getattr(args, "terraform_dir", None):
        return validate_state_machine_arn(
            state_machine_arn_from_output(terraform_output_json(args.terraform_dir))
        )
    env = os.environ.get("FANOUT_STATE_MACHINE_ARN")
    if env:
        return validate_state_machine_arn(env)
    if required:
        raise UsageError(
            "which state machine? give --state-machine-arn ARN or --terraform-dir DIR "
            "(or set FANOUT_STATE_MACHINE_ARN)"
        )
    return None


def aws_client(service: str, args: argparse.Namespace, arn: str | None) -> Any:
    import boto3
    from botocore.exceptions import NoRegionError

    region = args.region or (region_from_arn(arn) if arn else None)
    session = boto3.session.Session(region_name=region)
    try:
        return session.client(service, endpoint_url=args.endpoint_url)
    except NoRegionError as err:
        raise UsageError("no AWS region: set AWS_REGION or pass --region") from err


def _now() -> datetime:
    return datetime.now(UTC)


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


# --- commands -------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    payload = build_input(args.size, args.input, args.chunk_size, args.kernel, args.workload)
    machine = resolve_state_machine_arn(args, required=True)
    assert machine is not None
    name = validate_execution_name(args.name or new_execution_name(payload.get("size")))
    sfn = aws_client("stepfunctions", args, machine)
    started = sfn.start_execution(stateMachineArn=machine, name=name, input=json.dumps(payload))
    arn = started["executionArn"]
    print(f"started {arn}", file=sys.stderr)
    return follow_and_report(sfn, arn, args, sys.stdout, sys.stderr)


def follow_and_report(
    sfn: Any,
    arn: str,
    args: argparse.Namespace,
    out: Any,
    err: Any,
    *,
    now: Any = _now,
    sleep: Any = time.sleep,
    is_tty: bool | None = None,
) -> int:
    """Follow ``arn`` to its end, print the summary or the failure, return the exit code."""
    tty = err.isatty() if is_tty is None else is_tty
    printer = ProgressPrinter(err, tty, clock=lambda: now().timestamp())
    try:
        seen = follow(
            sfn,
            arn,
            now=now,
            sleep=sleep,
            on_progress=printer.update,
            poll_s=args.poll_interval,
            timeout_s=args.timeout,
        )
    except FollowTimeout as exc:
        printer.finish()
        print(f"{exc}; it goes on. Check it with: fanout status {arn}", file=err)
        return EXIT_STILL_RUNNING
    except KeyboardInterrupt:
        printer.finish()
        print(f"stopped following; the execution goes on: fanout status {arn}", file=err)
        return EXIT_INTERRUPTED
    printer.finish()
    description = seen.description
    status = description["status"]
    if status == "SUCCEEDED":
        if args.json:
            print(
                json.dumps(
                    {"execution_arn": arn, "status": status, "output": parse_output(description)},
                    indent=2,
                ),
                file=out,
            )
        else:
            print(format_summary(arn, description, args.print_limit), file=out)
        return EXIT_OK
    error, cause = execution_failure(description, recent_events(sfn, arn))
    if args.json:
        print(
            json.dumps({"execution_arn": arn, "status": status, "error": error, "cause": cause}),
            file=out,
        )
    else:
        print(format_failure(arn, description, error, cause), file=out)
    return EXIT_FAILED


def cmd_status(args: argparse.Namespace) -> int:
    machine = resolve_state_machine_arn(args, required=not args.execution.startswith("arn:"))
    arn = execution_arn(args.execution, machine)
    sfn = aws_client("stepfunctions", args, arn)
    seen = observe(sfn, arn, _now())
    description = seen.description
    failure = None
    if description["status"] not in ("RUNNING", "SUCCEEDED"):
        failure = execution_failure(description, recent_events(sfn, arn))
    record = status_record(arn, description, seen.map_run, seen.progress.state, failure, _now())
    if args.json:
        _print_json(record)
    else:
        print(format_status(record))
    return EXIT_OK if description["status"] in ("RUNNING", "SUCCEEDED") else EXIT_FAILED


def cmd_result(args: argparse.Namespace) -> int:
    machine = resolve_state_machine_arn(args, required=not args.execution.startswith("arn:"))
    arn = execution_arn(args.execution, machine)
    sfn = aws_client("stepfunctions", args, arn)
    description = sfn.describe_execution(executionArn=arn)
    if description["status"] != "SUCCEEDED":
        print(f"{arn} is {description['status']}: there is no result to fetch", file=sys.stderr)
        return EXIT_FAILED
    summary = parse_output(description)
    uri = summary.get("result_s3_uri")
    if not uri:
        print(f"the output of {arn} has no result_s3_uri", file=sys.stderr)
        return EXIT_FAILED
    bucket, key = parse_s3_uri(uri)
    s3 = aws_client("s3", args, arn)
    return download_result(s3, bucket, key, summary, args.output, sys.stdout.buffer, sys.stderr)


def download_result(
    s3: Any,
    bucket: str,
    key: str,
    summary: dict[str, Any],
    output: str | None,
    stdout: Any,
    err: Any,
) -> int:
    """Download to ``output`` (or ``stdout``) only once the sha256 matches the summary."""
    uri = f"s3://{bucket}/{key}"
    if output and output != "-":
        target = Path(output)
        partial = target.with_name(target.name + ".part")
        try:
            with partial.open("wb") as dest:
                got = fetch_result(s3, bucket, key, dest)
            check(got, summary)
        except ResultMismatchError as exc:
            partial.unlink(missing_ok=True)
            print(f"{uri} does not match its summary: {exc}", file=err)
            return EXIT_FAILED
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
        _report(got, uri, str(target), err)
        return EXIT_OK
    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
        got = fetch_result(s3, bucket, key, spool)
        try:
            check(got, summary)
        except ResultMismatchError as exc:
            print(f"{uri} does not match its summary: {exc}", file=err)
            return EXIT_FAILED
        spool.seek(0)
        shutil.copyfileobj(spool, stdout)
        stdout.flush()
    _report(got, uri, "stdout", err)
    return EXIT_OK


def _report(got: Downloaded, uri: str, where: str, err: Any) -> None:
    print(f"{got.digits:,} digits from {uri} to {where}; sha256 {got.sha256} verified", file=err)


def cmd_estimate(args: argparse.Namespace) -> int:
    est = estimate(
        size=args.size,
        chunk_size=args.chunk_size,
        kernel=args.kernel,
        memory_mb=args.memory_mb,
        child_type=args.child_type,
        max_concurrency=args.max_concurrency,
        retries_per_child=args.retries_per_child,
        max_chunk_size=args.max_chunk_size,
        max_chunks=args.max_chunks,
    )
    print(est.to_json() if args.json else format_estimate(est))
    return EXIT_OK


# --- argument parsing -----------------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fanout",
        description="Run, follow, fetch and estimate fan-out jobs on AWS Step Functions.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    aws = argparse.ArgumentParser(add_help=False)
    aws.add_argument("--region", help="AWS region (default: from the ARN, then AWS config)")
    aws.add_argument("--endpoint-url", help="AWS endpoint (default: AWS_ENDPOINT_URL or AWS)")

    def machine_options(p: argparse.ArgumentParser) -> None:
        group = p.add_mutually_exclusive_group()
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

    run = sub.add_parser(
        "run",
        parents=[aws],
        help="start an execution and follow it to its result",
        description="Start an execution, follow it with a progress line on stderr, print the "
        "result summary on stdout. Exit code 1 if the execution fails.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = run.add_mutually_exclusive_group(required=True)
    what.add_argument("--size", type=_positive_int, metavar="N", help="items [0, N)")
    what.add_argument("--input", metavar="JSON", help="the whole execution input as JSON")
    run.add_argument("--chunk-size", type=_positive_int, metavar="C", help="items per child")
    run.add_argument("--kernel", choices=("fast", "reference"), help="utf8_count kernel")
    run.add_argument("--workload", metavar="W", help="workload (default: the deployment's)")
    run.add_argument("--name", help="execution name (default: fanout-<size>-<time>-<random>)")
    machine_options(run)
    run.add_argument(
        "--print-limit",
        type=_non_negative_int,
        default=5000,
        metavar="DIGITS",
        help="print the number itself up to this many digits (default: 5000)",
    )
    run.add_argument(
        "--timeout",
        type=_positive_float,
        default=3600.0,
        metavar="SECONDS",
        help="stop following after this long (default: 3600); the execution goes on",
    )
    run.add_argument(
        "--poll-interval",
        type=_positive_float,
        default=2.0,
        metavar="SECONDS",
        help="seconds between polls (default: 2)",
    )
    run.add_argument("--json", action="store_true", help="print the outcome as JSON")
    run.set_defaults(func=cmd_run)

    status = sub.add_parser(
        "status",
        parents=[aws],
        help="status, timings and map-run counts of an execution",
        description="Show an execution's status, timings and map-run counts.",
    )
    status.add_argument("execution", metavar="EXECUTION_ARN_OR_NAME")
    machine_options(status)
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(func=cmd_status)

    result = sub.add_parser(
        "result",
        parents=[aws],
        help="download the full result and verify its sha256",
        description="Download the full decimal result named by the execution output "
        "(result_s3_uri) and verify it against the summary's sha256 and digits.",
    )
    result.add_argument("execution", metavar="EXECUTION_ARN_OR_NAME")
    machine_options(result)
    result.add_argument(
        "-o", "--output", metavar="FILE", help="write here instead of stdout ('-' = stdout)"
    )
    result.set_defaults(func=cmd_result)

    est = sub.add_parser(
        "estimate",
        help="children, invocations, GB-seconds, requests and cost of a run",
        description="Estimate a utf8_count run: child executions, Lambda invocations and "
        "GB-seconds, state transitions, history events, S3 requests and the dollar cost at "
        f"{prices.REGION} list prices (read {prices.READ_ON}; sources in fanout_cli.prices). "
        "Warns where a choice breaks an AWS limit. Times come from a model of the kernels "
        "(fanout_cli.estimate.CostModel), not from a measurement of your run.",
    )
    est.add_argument("--size", type=_positive_int, required=True, metavar="N", help="items")
    est.add_argument(
        "--chunk-size",
        type=_positive_int,
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
        type=_non_negative_int,
        metavar="M",
        default=DEFAULT_MAX_CONCURRENCY,
        help=f"Distributed Map MaxConcurrency, the deployment's map_max_concurrency "
        f"(default: {DEFAULT_MAX_CONCURRENCY}; 0 = no limit, i.e. the map's own 10,000)",
    )
    est.add_argument(
        "--retries-per-child",
        type=_non_negative_int,
        default=0,
        metavar="R",
        help="assume each child retries its compute R times (default: 0)",
    )
    est.add_argument(
        "--max-chunk-size",
        type=_positive_int,
        default=DEFAULT_MAX_CHUNK_SIZE,
        metavar="C",
        help=f"the deployment's max_chunk_size, caps the default (default: "
        f"{DEFAULT_MAX_CHUNK_SIZE})",
    )
    est.add_argument(
        "--max-chunks",
        type=_positive_int,
        default=DEFAULT_MAX_CHUNKS,
        metavar="K",
        help=f"the deployment's max_chunks (default: {DEFAULT_MAX_CHUNKS})",
    )
    est.add_argument("--json", action="store_true", help="print JSON")
    est.set_defaults(func=cmd_estimate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"fanout {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:
        print(f"fanout {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError | BotoCoreError):
            print(f"fanout {args.command}: AWS call failed: {exc}", file=sys.stderr)
            return EXIT_AWS
        raise


if __name__ == "__main__":
    sys.exit(main())
