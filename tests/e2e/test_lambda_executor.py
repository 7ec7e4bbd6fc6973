"""The subprocess Lambda executor behaves as AWS Lambda does, for what the product relies on.

Each test deploys small zip functions with boto3 and invokes them. Without the executor
(LocalStack's Docker executor on a machine without Docker) every function ends in state Failed,
so every test here fails.
"""

from __future__ import annotations

import io
import json
import re
import textwrap
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from emulation import lsctl
from tests.e2e.stack import assume_role_policy

pytestmark = pytest.mark.e2e

REQUEST_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, textwrap.dedent(text))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def lambda_client(aws_client: Callable[..., Any]) -> Any:
    return aws_client("lambda")


@pytest.fixture(scope="module")
def role_arn(aws_client: Callable[..., Any]) -> Iterator[str]:
    iam = aws_client("iam")
    name = f"executor-test-{uuid.uuid4().hex[:8]}"
    role = iam.create_role(
        RoleName=name, AssumeRolePolicyDocument=assume_role_policy("lambda.amazonaws.com")
    )
    try:
        yield role["Role"]["Arn"]
    finally:
        iam.delete_role(RoleName=name)


@pytest.fixture(scope="module")
def make_function(lambda_client: Any, role_arn: str) -> Iterator[Callable[..., str]]:
    """Factory: create a zip function from {file: source}, wait until Active, return its name."""
    created: list[str] = []

    def make(
        files: dict[str, str],
        *,
        handler: str = "app.handler",
        runtime: str = "python3.12",
        timeout: int = 10,
        memory: int = 128,
        env: dict[str, str] | None = None,
    ) -> str:
        name = f"executor-{uuid.uuid4().hex[:10]}"
        lambda_client.create_function(
            FunctionName=name,
            Runtime=runtime,
            Role=role_arn,
            Handler=handler,
            Code={"ZipFile": zip_of(files)},
            Timeout=timeout,
            MemorySize=memory,
            Environment={"Variables": env or {}},
        )
        created.append(name)
        lambda_client.get_waiter("function_active_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
        return name

    yield make
    for name in created:
        lambda_client.delete_function(FunctionName=name)


def invoke(lambda_client: Any, name: str, event: Any = None) -> tuple[str | None, Any]:
    """(FunctionError or None, decoded payload)."""
    response = lambda_client.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode())
    return response.get("FunctionError"), json.loads(response["Payload"].read())


def test_handler_result_is_returned(lambda_client: Any, make_function: Callable[..., str]) -> None:
    # GIVEN a function that computes from its event
    name = make_function(
        {
            "app.py": """
            def handler(event, context):
                return {"sum": sum(event["values"]), "request_id": context.aws_request_id}
            """
        }
    )
    # WHEN it is invoked twice (a cold and a warm environment)
    results = [invoke(lambda_client, name, {"values": [2**70, 1, 2]}) for _ in range(2)]
    # THEN both return the exact result, each with its own request id
    for error, payload in results:
        assert error is None
        assert payload["sum"] == 2**70 + 3
        assert re.fullmatch(REQUEST_ID, payload["request_id"])
    assert results[0][1]["request_id"] != results[1][1]["request_id"]


def test_environment_is_strings_and_task_root_is_the_code(
    lambda_client: Any, make_function: Callable[..., str]
) -> None:
    name = make_function(
        {
            "app.py": """
            import os

            def handler(event, context):
                names = ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_TIMEOUT",
                         "MAX_SIZE", "AWS_REGION"]
                root = os.environ["LAMBDA_TASK_ROOT"]
                return {"env": {n: os.environ[n] for n in names},
                        "handler_file_in_task_root": os.path.isfile(os.path.join(root, "app.py")),
                        "data_file": open(os.path.join(root, "data.txt")).read()}
            """,
            "data.txt": "shipped with the code",
        },
        timeout=7,
        memory=256,
        env={"MAX_SIZE": "200000"},
    )
    error, payload = invoke(lambda_client, name)
    assert error is None
    assert payload == {
        "env": {
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_FUNCTION_TIMEOUT": "7",
            "MAX_SIZE": "200000",
            "AWS_REGION": "us-east-1",
        },
        "handler_file_in_task_root": True,
        "data_file": "shipped with the code",
    }


def test_import_error_has_the_aws_shape(
    lambda_client: Any, make_function: Callable[..., str]
) -> None:
    name = make_function({"app.py": "import not_a_real_module\n\ndef handler(e, c):\n    pass\n"})
    error, payload = invoke(lambda_client, name)
    assert error == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert payload["errorMessage"] == (
        "Unable to import module 'app': No module named 'not_a_real_module'"
    )


def test_unhandled_exception_has_the_aws_shape(
    lambda_client: Any, make_function: Callable[..., str]
) -> None:
    name = make_function(
        {
            "app.py": """
            class TransientComputeError(Exception):
                pass

            def handler(event, context):
                raise TransientComputeError(f"chunk {event['chunk']} failed")
            """
        }
    )
    error, payload = invoke(lambda_client, name, {"chunk": 3})
    assert error == "Unhandled"
    assert payload["errorType"] == "TransientComputeError"
    assert payload["errorMessage"] == "chunk 3 failed"
    assert isinstance(payload["stackTrace"], list)
    assert any("app.py" in line and "in handler" in line for line in payload["stackTrace"])


def test_process_exit_is_a_runtime_exit_error(
    lambda_client: Any, make_function: Callable[..., str]
) -> None:
    name = make_function(
        {
            "app.py": """
            import os

            def handler(event, context):
                if event.get("exit"):
                    os._exit(7)
                return "alive"
            """
        }
    )
    error, payload = invoke(lambda_client, name, {"exit": True})
    assert error == "Unhandled"
    assert payload["errorType"] == "Runtime.ExitError"
    assert re.fullmatch(
        rf"RequestId: {REQUEST_ID} Error: Runtime exited with error: exit status 7",
        payload["errorMessage"],
    )
    assert invoke(lambda_client, name, {"exit": False}) == (None, "alive")


def test_logs_reach_cloudwatch_logs(
    lambda_client: Any, make_function: Callable[..., str], aws_client: Callable[..., Any]
) -> None:
    marker = uuid.uuid4().hex
    name = make_function(
        {
            "app.py": """
            import logging

            logger = logging.getLogger()
            logger.setLevel(logging.INFO)

            def handler(event, context):
                print("printed", event["marker"])
                logger.info("logged %s", event["marker"])
                return "ok"
            """
        }
    )
    assert invoke(lambda_client, name, {"marker": marker}) == (None, "ok")
    logs = aws_client("logs")
    deadline = time.monotonic() + 30
    messages: list[str] = []
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        messages = [event["message"] for event in events]
        if any(f"logged {marker}" in message for message in messages):
            break
        time.sleep(0.5)
    assert any(message.startswith("START RequestId: ") for message in messages), messages
    assert f"printed {marker}\n" in messages
    assert any(
        re.fullmatch(rf"\[INFO\]\t\S+Z\t{REQUEST_ID}\tlogged {marker}\n", message)
        for message in messages
    ), messages
    assert any(message.startswith("REPORT RequestId: ") for message in messages), messages


def _runtime_versions() -> list[str]:
    return [name for name in lsctl.LAMBDA_RUNTIMES if (lsctl.RUNTIMES_DIR / name).is_dir()]


@pytest.mark.parametrize("runtime", _runtime_versions() or ["python3.12"])
def test_runtime_is_the_lambda_interpreter_not_localstacks(
    lambda_client: Any, make_function: Callable[..., str], runtime: str
) -> None:
    # GIVEN the boto3 pin of the emulated Lambda runtime
    pins = dict(
        line.split("==")
        for line in lsctl.RUNTIME_REQUIREMENTS.read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    # WHEN a function reports its interpreter and imports what LocalStack has but Lambda lacks
    name = make_function(
        {
            "app.py": """
            import sys
            import boto3

            def handler(event, context):
                try:
                    import yaml  # part of LocalStack's own environment, not of Lambda's
                    has_yaml = True
                except ImportError:
                    has_yaml = False
                return {"python": "python%d.%d" % sys.version_info[:2],
                        "boto3": boto3.__version__, "has_yaml": has_yaml}
            """
        },
        runtime=runtime,
    )
    error, payload = invoke(lambda_client, name)
    # THEN it runs on the runtime's Python with the runtime's boto3 and nothing else
    assert error is None
    assert payload == {"python": runtime, "boto3": pins["boto3"], "has_yaml": False}


def test_zip_missing_a_dependency_fails_as_on_aws(
    lambda_client: Any, make_function: Callable[..., str]
) -> None:
    # yaml is installed where LocalStack runs: only a separate runtime interpreter refuses it
    name = make_function({"app.py": "import yaml\n\ndef handler(e, c):\n    return 1\n"})
    error, payload = invoke(lambda_client, name)
    assert error == "Unhandled"
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert payload["errorMessage"] == "Unable to import module 'app': No module named 'yaml'"
