"""Lambda timeouts reach callers as they reach them on AWS.

* A timeout while the handler runs: the Invoke payload has no ``errorType``, only an
  ``errorMessage`` "<ISO time> <request id> Task timed out after N.NN seconds", and Step Functions
  fails the task with ``Lambda.Unknown`` (public reports of real runs, in the fixture
  ``states/lambda_unknown_invocation_timeout``).
* A timeout in the Init phase: ``Sandbox.Timedout``, as Lambda's troubleshooting page documents
  (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-timeouts).

Without the subprocess executor's timeout handling the first two tests fail (Sandbox.Timedout
everywhere, or no timeout at all); without the ``lambda_unknown`` Step Functions patch the last
one fails (LocalStack reports ``Exception``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.stack import unique_name
from tests.e2e.test_lambda_executor import (  # noqa: F401  (fixtures)
    REQUEST_ID,
    invoke,
    lambda_client,
    make_function,
    role_arn,
)
from tests.e2e.test_sfn_patches import ROLE_ARN, run
from tests.support import aws_fixtures

pytestmark = pytest.mark.e2e

# "<ISO time> <request id> Task timed out after <s>.<cc> seconds"
INVOCATION_TIMEOUT = re.compile(
    r"(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (?P<request>\S+) "
    r"Task timed out after (?P<seconds>\d+\.\d\d) seconds"
)
SLEEPER = {
    "app.py": """
    import time

    def handler(event, context):
        time.sleep(event.get("sleep", 0))
        return {"slept": event.get("sleep", 0)}
    """
}


def aws_invocation_timeout() -> tuple[str, str, dict[str, Any]]:
    """The error, the cause's fixed wording and the returned payload AWS reported."""
    example = aws_fixtures.load("states/lambda_unknown_invocation_timeout")
    wording, _, payload = example["Cause"].partition("Returned payload: ")
    return example["Error"], wording + "Returned payload: ", json.loads(payload)


def test_the_fixture_is_what_the_checks_below_expect() -> None:
    # The pattern the emulator is held to matches AWS's own report.
    _, _, payload = aws_invocation_timeout()
    assert set(payload) == {"errorMessage"}
    assert INVOCATION_TIMEOUT.fullmatch(payload["errorMessage"])


def test_invocation_timeout_returns_a_payload_without_error_type(
    lambda_client: Any,  # noqa: F811
    make_function: Callable[..., str],  # noqa: F811
) -> None:
    # GIVEN a function with a 1 s timeout
    name = make_function(SLEEPER, timeout=1)
    # WHEN the handler overruns
    error, payload = invoke(lambda_client, name, {"sleep": 30})
    # THEN the payload has AWS's shape: no errorType, the elapsed time in the message
    _, _, aws_payload = aws_invocation_timeout()
    assert error == "Unhandled"
    assert set(payload) == set(aws_payload)
    match = INVOCATION_TIMEOUT.fullmatch(payload["errorMessage"])
    assert match, payload
    assert re.fullmatch(REQUEST_ID, match["request"])
    assert 1.0 <= float(match["seconds"]) < 2.0
    # AND the function works again on its next invocation (a fresh environment)
    assert invoke(lambda_client, name, {"sleep": 0}) == (None, {"slept": 0})


def test_init_timeout_is_sandbox_timedout(
    lambda_client: Any,  # noqa: F811
    make_function: Callable[..., str],  # noqa: F811
) -> None:
    # GIVEN a function whose Init takes 12 s (over AWS's 10 s Init limit) and a 2 s timeout
    name = make_function(
        {"app.py": "import time\n\ntime.sleep(12)\n\ndef handler(e, c):\n    return 1\n"},
        timeout=2,
    )
    # WHEN it is invoked: Init is tried again inside the invocation, within the 2 s
    error, payload = invoke(lambda_client, name)
    # THEN the invocation fails with the documented Init timeout
    documented = aws_fixtures.load("lambda/invoke_timeout_payload")
    assert error == "Unhandled"
    assert set(payload) == set(documented)
    assert payload["errorType"] == documented["errorType"] == "Sandbox.Timedout"
    assert re.fullmatch(
        rf"RequestId: {REQUEST_ID} Error: Task timed out after 2\.00 seconds",
        payload["errorMessage"],
    )


@pytest.mark.parametrize("resource", ["lambda:invoke", "function ARN"])
def test_step_functions_sees_lambda_unknown(
    clients: dict[str, Any],
    lambda_client: Any,  # noqa: F811
    make_function: Callable[..., str],  # noqa: F811
    resource: str,
) -> None:
    # GIVEN a state machine whose task invokes a function that outlives its 1 s timeout
    name = make_function(SLEEPER, timeout=1)
    arn = lambda_client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    task: dict[str, Any] = {"Type": "Task", "End": True}
    if resource == "lambda:invoke":
        task["Resource"] = "arn:aws:states:::lambda:invoke"
        task["Parameters"] = {"FunctionName": arn, "Payload": {"sleep": 30}}
    else:
        task["Resource"] = arn
        task["Parameters"] = {"sleep": 30}
    sfn = clients["sfn"]
    machine = sfn.create_state_machine(
        name=unique_name("lambda-unknown"),
        definition=json.dumps({"StartAt": "Compute", "States": {"Compute": task}}),
        roleArn=ROLE_ARN,
    )["stateMachineArn"]
    try:
        # WHEN it runs
        desc = run(sfn, machine, {})
    finally:
        sfn.delete_state_machine(stateMachineArn=machine)

    # THEN the execution fails with AWS's error and cause wording, the payload inside it
    aws_error, aws_wording, aws_payload = aws_invocation_timeout()
    assert desc["status"] == "FAILED", desc
    assert desc["error"] == aws_error == "Lambda.Unknown"
    assert desc["cause"].startswith(aws_wording)
    payload = json.loads(desc["cause"][len(aws_wording) :])
    assert set(payload) == set(aws_payload)
    assert INVOCATION_TIMEOUT.fullmatch(payload["errorMessage"])
