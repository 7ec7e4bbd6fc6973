"""Sweep report: one JSONL line per job from the sweep map's ResultWriter output, the
totals and the verdict (JobsFailedError, DifferencesFound or OK).

Event: {"plan": $.plan, "map": $.map} ($.map is the map's output, or its caught error).
"""

from __future__ import annotations

from typing import Any

from fanout import s3io
from fanout.logs import get_logger
from fanout.sweep_steps import sweep_report_step

logger = get_logger("fanout.sweep_report")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.debug(
        "sweep report event",
        extra={"event": event, "aws_request_id": getattr(context, "aws_request_id", None)},
    )
    return sweep_report_step(s3io.default_client(), event)
