"""A Lambda error without ``errorType`` reaches Step Functions as ``Lambda.Unknown``.

When a function's payload names no ``errorType`` (an invocation timeout, an out-of-memory kill),
Step Functions fails the task with error ``Lambda.Unknown`` and the cause "The cause could not be
determined because Lambda did not return an error type. Returned payload: <payload>". Public
reports of real runs show it, for example
https://github.com/cdklabs/construct-hub/pull/713 (2022),
https://github.com/aws-samples/amazon-textract-idp-cdk-constructs/issues/80 (2023) and
https://github.com/aws-solutions-library-samples/data-lakes-on-aws/issues/329 (2024).
LocalStack reports ``Exception`` with the bare payload instead.

Patched: ``_from_error`` of ``StateTaskServiceLambda`` (``arn:aws:states:::lambda:invoke``) and of
``StateTaskLambda`` (a function ARN as the resource).
"""

from __future__ import annotations

import json
import threading
from typing import Any

UNKNOWN_ERROR = "Lambda.Unknown"
UNKNOWN_CAUSE = (
    "The cause could not be determined because Lambda did not return an error type. "
    "Returned payload: {payload}"
)

_installed = False
_lock = threading.Lock()


def names_error_type(payload: str) -> bool:
    """Whether a Lambda error payload carries an ``errorType``."""
    try:
        document = json.loads(payload)
    except (TypeError, ValueError):
        return False
    return isinstance(document, dict) and bool(document.get("errorType"))


def _install() -> None:
    from localstack.services.stepfunctions.asl.component.common.error_name.custom_error_name import (  # noqa: E501
        CustomErrorName,
    )
    from localstack.services.stepfunctions.asl.component.common.error_name.failure_event import (
        FailureEvent,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_task import (
        lambda_eval_utils,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_task.service.state_task_service_lambda import (  # noqa: E501
        StateTaskServiceLambda,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_task.state_task_lambda import (  # noqa: E501
        StateTaskLambda,
    )
    from localstack.services.stepfunctions.asl.eval.event.event_detail import EventDetails

    for cls in (StateTaskServiceLambda, StateTaskLambda):
        original = cls._from_error

        def _from_error(self: Any, env: Any, ex: Exception, _original: Any = original) -> Any:
            failure = _original(self, env, ex)
            if not isinstance(ex, lambda_eval_utils.LambdaFunctionErrorException) or (
                names_error_type(ex.payload)
            ):
                return failure
            cause = UNKNOWN_CAUSE.format(payload=ex.payload)
            details = {
                key: {**spec, "error": UNKNOWN_ERROR, "cause": cause}
                for key, spec in (failure.event_details or {}).items()
            }
            return FailureEvent(
                env=env,
                error_name=CustomErrorName(UNKNOWN_ERROR),
                event_type=failure.event_type,
                event_details=EventDetails(**details),
            )

        _from_error.fanout_original = original  # type: ignore[attr-defined]
        cls._from_error = _from_error


def apply() -> None:
    global _installed
    with _lock:
        if not _installed:
            _install()
            _installed = True
