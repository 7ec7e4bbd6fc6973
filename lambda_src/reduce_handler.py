"""Reduce: reconcile the ResultWriter output with the plan, combine the partials exactly,
write the full result and summary to S3 and return the summary.

Event: {"plan": $.plan, "result_writer": $.map.ResultWriterDetails}.
"""

from __future__ import annotations

from typing import Any

from fanout import s3io
from fanout.logs import get_logger
from fanout.steps import reduce_step

logger = get_logger("fanout.reduce")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.debug(
        "reduce event",
        extra={"event": event, "aws_request_id": getattr(context, "aws_request_id", None)},
    )
    return reduce_step(s3io.default_client(), event)
