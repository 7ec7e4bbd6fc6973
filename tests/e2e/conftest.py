"""End-to-end fixtures: a LocalStack for the test session, and AWS clients pointed at it.

LocalStack is started with ``emulation.lsctl`` on ``LOCALSTACK_PORT`` (default 4566) once per run
and stopped at its end, unless one already runs there (then it is reused and left running) or
``LOCALSTACK_ENDPOINT`` names another one (a Docker container, say), which is used as it is.
The tests run in parallel (pytest-xdist); ``tests/e2e/shared.py`` shares LocalStack and the
deployed stack between the worker processes.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from emulation import lsctl
from tests.e2e import shared
from tests.e2e.batch_support import (  # noqa: F401  (the Batch emulator tests' fixtures)
    batch,
    batch_logs,
    batch_network,
    batch_queue,
    job_definition,
)
from tests.e2e.stack import deployed_stack  # noqa: F401  (the deployed product, for every suite)

TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# variables that would send the SDK elsewhere than the test endpoint, or change who it is
MASKED_ENVIRONMENT = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e is an e2e test."""
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def _start_localstack() -> dict[str, Any]:
    port = lsctl.default_port()
    external = bool(os.environ.get("LOCALSTACK_ENDPOINT"))
    already_running = not external and lsctl.localstack_pid(port) is not None
    url = lsctl.start(port)
    return {
        "url": url,
        "port": port,
        "started_here": not external and not already_running,
        "pid": None if external else lsctl.localstack_pid(port),
    }


@pytest.fixture(scope="session")
def localstack_endpoint() -> Iterator[str]:
    """The LocalStack endpoint for this run, with the AWS SDK environment pointed at it.

    Started once per run whatever the number of pytest-xdist workers (``tests/e2e/shared.py``)
    and stopped by the process controlling the run (``tests/conftest.py``). Sets
    AWS_ENDPOINT_URL, test credentials and us-east-1 and restores the previous environment
    afterwards.
    """
    url = shared.once("localstack", _start_localstack)["url"]
    saved = {
        key: os.environ.get(key)
        for key in ("AWS_ENDPOINT_URL", *TEST_ENVIRONMENT, *MASKED_ENVIRONMENT)
    }
    os.environ.update({"AWS_ENDPOINT_URL": url, **TEST_ENVIRONMENT})
    for key in MASKED_ENVIRONMENT:
        os.environ.pop(key, None)
    try:
        yield url
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="session")
def boto3_session(localstack_endpoint: str) -> boto3.session.Session:
    """A boto3 session with the test credentials and region."""
    return boto3.session.Session(
        aws_access_key_id=TEST_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=TEST_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
        region_name=TEST_ENVIRONMENT["AWS_DEFAULT_REGION"],
    )


@pytest.fixture(scope="session")
def aws_client(
    localstack_endpoint: str, boto3_session: boto3.session.Session
) -> Callable[..., Any]:
    """Client factory: ``aws_client("lambda")`` is a client for the test endpoint."""

    def make(service: str, **kwargs: Any) -> Any:
        return boto3_session.client(service, endpoint_url=localstack_endpoint, **kwargs)

    return make


@pytest.fixture(scope="module")
def clients(aws_client: Callable[..., Any]) -> dict[str, Any]:
    """Step Functions and S3 clients for tests that build their own state machines."""
    return {"sfn": aws_client("stepfunctions"), "s3": aws_client("s3")}


@pytest.fixture
def bucket(clients: dict[str, Any]) -> Iterator[str]:
    """A scratch bucket, emptied and removed afterwards."""
    s3 = clients["s3"]
    name = f"scratch-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    try:
        yield name
    finally:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=name):
            for obj in page.get("Contents", []):
                s3.delete_object(Bucket=name, Key=obj["Key"])
        s3.delete_bucket(Bucket=name)
