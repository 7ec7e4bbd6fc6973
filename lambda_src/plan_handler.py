"""Plan: validate the execution input, write the chunk list to S3, return where it is.

Event: {"execution_name": $$.Execution.Name, "input": $}. Output: the plan (see
docs/architecture.md). Invalid input raises InvalidInputError.
"""

from __future__ import annotations

import os
from typing import Any

from fanout import s3io
from fanout.config import limits_from_env
from fanout.logs import get_logger
from fanout.steps import plan_step

logger = get_logger("fanout.plan")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.debug(
        "plan event",
        extra={"event": event, "aws_request_id": getattr(context, "aws_request_id", None)},
    )
    getter = getattr(context, "get_remaining_time_in_millis", None)
    return dict(
        plan_step(
            s3io.default_client(),
            event,
            limits_from_env(),
            os.environ["RESULTS_BUCKET"],
            remaining_ms=getter if callable(getter) else None,
        )
    )
