"""Compute: one chunk of a run; returns its partial (or the S3 key of a large one).

Event: {"run": ..., "chunk": {"chunk_id", "start", "stop"}, "attempt": $$.State.RetryCount}.
"""

from __future__ import annotations

import time
from typing import Any

from fanout import s3io
from fanout.config import fault_injection_enabled
from fanout.logs import get_logger
from fanout.steps import compute_step

logger = get_logger("fanout.compute")

# Replaced in tests: the injected "timeout" and "slow" faults sleep, the deadline reads the clock.
_sleep = time.sleep
_clock = time.monotonic


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    logger.debug(
        "compute event",
        extra={"event": event, "aws_request_id": getattr(context, "aws_request_id", None)},
    )

    def remaining_ms() -> int:
        getter = getattr(context, "get_remaining_time_in_millis", None)
        return int(getter()) if callable(getter) else 900_000

    return dict(
        compute_step(
            s3io.default_client(),
            event,
            fault_injection=fault_injection_enabled(),
            remaining_ms=remaining_ms,
            sleep=_sleep,
            clock=_clock,
        )
    )
