"""Sweep plan: check every job spec with the fan-out's validation, list the jobs in S3.

Event: {"execution_name": $$.Execution.Name, "input": $}. Output: the sweep plan (see
docs/architecture.md). An invalid sweep or job spec raises InvalidInputError.
"""

from __future__ import annotations

import os
from typing import Any

from fanout import s3io
from fanout.config import limits_from_env
from fanout.logs import get_logger
from fanout.sweep_steps import sweep_plan_step

logger = get_logger("fanout.sweep_plan")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.debug(
        "sweep plan event",
        extra={"event": event, "aws_request_id": getattr(context, "aws_request_id", None)},
    )
    return sweep_plan_step(
        s3io.default_client(), event, limits_from_env(), os.environ["RESULTS_BUCKET"]
    )
