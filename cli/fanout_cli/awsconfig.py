"""Which state machine and which AWS endpoint a command talks to.

The state machine comes from ``--state-machine-arn``, ``--terraform-dir`` (its
``state_machine_arn`` output) or ``FANOUT_STATE_MACHINE_ARN``, in that order.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fanout_cli.resolve import (
    UsageError,
    region_from_arn,
    state_machine_arn_from_output,
    validate_state_machine_arn,
)


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


def state_machine_arn(args: argparse.Namespace) -> str | None:
    """The state machine the arguments or the environment name, or None."""
    if getattr(args, "state_machine_arn", None):
        return validate_state_machine_arn(args.state_machine_arn)
    if getattr(args, "terraform_dir", None):
        return validate_state_machine_arn(
            state_machine_arn_from_output(terraform_output_json(args.terraform_dir))
        )
    env = os.environ.get("FANOUT_STATE_MACHINE_ARN")
    if env:
        return validate_state_machine_arn(env)
    return None


def required_state_machine_arn(args: argparse.Namespace) -> str:
    """As ``state_machine_arn``, but a UsageError when nothing names one."""
    arn = state_machine_arn(args)
    if arn is None:
        raise UsageError(
            "which state machine? give --state-machine-arn ARN or --terraform-dir DIR "
            "(or set FANOUT_STATE_MACHINE_ARN)"
        )
    return arn


def execution_state_machine_arn(args: argparse.Namespace) -> str | None:
    """The state machine needed to find ``args.execution``: required unless it is an ARN."""
    if args.execution.startswith("arn:"):
        return state_machine_arn(args)
    return required_state_machine_arn(args)


def aws_client(service: str, args: argparse.Namespace, arn: str | None) -> Any:
    """A boto3 client in ``--region`` (or the ARN's region) at ``--endpoint-url``."""
    import boto3
    from botocore.exceptions import NoRegionError

    region = args.region or (region_from_arn(arn) if arn else None)
    session = boto3.session.Session(region_name=region)
    try:
        return session.client(service, endpoint_url=args.endpoint_url)
    except NoRegionError as err:
        raise UsageError("no AWS region: set AWS_REGION or pass --region") from err


def now() -> datetime:
    return datetime.now(UTC)
