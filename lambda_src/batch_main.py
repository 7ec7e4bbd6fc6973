"""AWS Batch job: compute one chunk (see fanout/batch.py for its inputs and exit codes).

Started as ``python -m batch_main`` from the unpacked code package by the job definition's
command.
"""

from __future__ import annotations

import os
import sys
import time

from fanout import s3io
from fanout.batch import run_job
from fanout.config import fault_injection_enabled
from fanout.logs import get_logger

logger = get_logger("fanout.batch")


def _sfn_client() -> object:
    import boto3

    return boto3.client("stepfunctions")


def main() -> int:
    return run_job(
        s3io.default_client(),
        _sfn_client,
        os.environ,
        fault_injection=fault_injection_enabled(),
        sleep=time.sleep,
    )


if __name__ == "__main__":
    sys.exit(main())
