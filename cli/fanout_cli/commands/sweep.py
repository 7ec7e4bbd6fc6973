"""``fanout sweep``: run many fan-out jobs as one sweep and follow it with nested progress."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from fanout_cli import awsconfig
from fanout_cli.follow import FollowOptions, follow_and_report
from fanout_cli.jobs import JOBS_PREFIX, fits_inline, load_jobs, repeated_job, sweep_input
from fanout_cli.options import Subparsers, add_aws_command, add_follow_options, positive_int
from fanout_cli.resolve import (
    UsageError,
    new_execution_name,
    validate_execution_name,
    validate_state_machine_arn,
)
from fanout_cli.summary import parse_output
from fanout_cli.sweep_follow import JobFinder, follow_sweep, format_sweep_progress


def add_parser(sub: Subparsers) -> None:
    sweep = add_aws_command(
        sub,
        "sweep",
        help="run many jobs as one sweep, with nested progress",
        description="Start a sweep (one fan-out execution per job spec) from a JSONL jobs file "
        "or N copies of one job; follow it on stderr (jobs done, and the chunks of the "
        "running jobs); print the report on stdout. --state-machine-arn names the fan-out "
        "state machine (for the chunks of the running jobs). Exit code 1 if the sweep fails.",
    )
    sweep.add_argument("jobs_file", nargs="?", metavar="JOBS.jsonl", help="one job spec a line")
    sweep.add_argument("--repeat", type=positive_int, metavar="N", help="N copies of --job")
    sweep.add_argument("--job", metavar="JSON", help="the job spec --repeat copies")
    sweep.add_argument(
        "--check",
        choices=("none", "identical"),
        default="none",
        help="identical: every job's result must agree (the reproducibility check)",
    )
    sweep.add_argument(
        "--sweep-state-machine-arn",
        metavar="ARN",
        help="the sweep state machine (default: FANOUT_SWEEP_STATE_MACHINE_ARN, or the "
        "sweep_state_machine_arn output of --terraform-dir)",
    )
    sweep.add_argument(
        "--bucket",
        help="the results bucket, for jobs too many to pass inline (default: the "
        "results_bucket_name output of --terraform-dir)",
    )
    sweep.add_argument("--name", help="sweep execution name (default: sweep-<time>-<random>)")
    add_follow_options(sweep)
    sweep.set_defaults(func=command)


def _terraform_outputs(args: argparse.Namespace) -> dict[str, Any]:
    if not getattr(args, "terraform_dir", None):
        return {}
    outputs = json.loads(awsconfig.terraform_output_json(args.terraform_dir))
    return {k: v.get("value") for k, v in outputs.items() if isinstance(v, dict)}


def jobs_of(args: argparse.Namespace) -> Any:
    """The ``jobs`` of the sweep input the arguments ask for."""
    if args.jobs_file and (args.repeat or args.job):
        raise UsageError("give a jobs file, or --repeat N with --job JSON, not both")
    if args.jobs_file:
        path = Path(args.jobs_file)
        if not path.is_file():
            raise UsageError(f"jobs file {args.jobs_file!r} does not exist")
        return load_jobs(path.read_text(encoding="utf-8"), args.jobs_file)
    if args.repeat and args.job:
        return repeated_job(args.job, args.repeat)
    raise UsageError("which jobs? give a JOBS.jsonl file, or --repeat N with --job JSON")


def command(args: argparse.Namespace) -> int:
    jobs = jobs_of(args)
    outputs = _terraform_outputs(args)
    sweep_arn = (
        args.sweep_state_machine_arn
        or os.environ.get("FANOUT_SWEEP_STATE_MACHINE_ARN")
        or outputs.get("sweep_state_machine_arn")
    )
    if not sweep_arn:
        raise UsageError(
            "which sweep state machine? give --sweep-state-machine-arn ARN or --terraform-dir "
            "DIR (or set FANOUT_SWEEP_STATE_MACHINE_ARN)"
        )
    sweep_arn = validate_state_machine_arn(sweep_arn)
    fanout_arn = awsconfig.state_machine_arn(args)
    name = validate_execution_name(args.name or "sweep" + new_execution_name(None)[len("fanout") :])
    payload = sweep_input(jobs, args.check)
    if not fits_inline(payload):
        bucket = args.bucket or outputs.get("results_bucket_name")
        if not bucket:
            raise UsageError(
                "the jobs are too many to pass inline: give --bucket (or --terraform-dir) so "
                f"the jobs file can be uploaded under {JOBS_PREFIX}"
            )
        key = f"{JOBS_PREFIX}{name}.jsonl"
        body = "".join(json.dumps(spec) + "\n" for spec in jobs)
        s3 = awsconfig.aws_client("s3", args, sweep_arn)
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
        print(f"uploaded {len(jobs)} job specs to s3://{bucket}/{key}", file=sys.stderr)
        payload = sweep_input({"jsonl": f"s3://{bucket}/{key}"}, args.check)
    sfn = awsconfig.aws_client("stepfunctions", args, sweep_arn)
    started = sfn.start_execution(stateMachineArn=sweep_arn, name=name, input=json.dumps(payload))
    arn = started["executionArn"]
    print(f"started {arn}", file=sys.stderr)
    finder = JobFinder(fanout_arn, name)
    options = FollowOptions(args.poll_interval, args.timeout, args.json)
    return follow_and_report(
        sfn,
        arn,
        options,
        sys.stdout,
        sys.stderr,
        now=awsconfig.now,
        sleep=time.sleep,
        watch=lambda **kw: follow_sweep(sfn, arn, finder, **kw),
        formatter=format_sweep_progress,
        summary=lambda _arn, description, _limit: format_sweep_outcome(parse_output(description)),
    )


def format_sweep_outcome(output: dict[str, Any]) -> str:
    lines = [
        f"sweep {output.get('sweep_id')}: {output.get('jobs')} jobs, "
        f"{output.get('succeeded')} succeeded, {output.get('failed')} failed, "
        f"{output.get('not_run')} not run",
        f"  report: {output.get('report_s3_uri')}",
    ]
    if output.get("digest"):
        lines.append(f"  every job's result has sha256 {output['digest']}")
    return "\n".join(lines)
