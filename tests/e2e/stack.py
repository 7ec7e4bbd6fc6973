"""The deployed stack for end-to-end tests, and helpers to run executions on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from typing import Any

import boto3
import pytest

from emulation import deploy
from tests.e2e import shared

# Item sources: the bucket the tests upload inputs to (under allowed/ only), and a bucket
# that is allowed but never created.
INPUT_BUCKET = "fanout-e2e-inputs"
MISSING_INPUT_BUCKET = "fanout-e2e-no-such-bucket"

# The stack under test: the product's real Terraform with test-friendly settings.
# Fault injection is on here (it is off by default for users); destroying the
# bucket with its run data is allowed so the test leaves nothing behind.
E2E_VARIABLES: dict[str, object] = {
    "name_prefix": "fanout-e2e",
    "enable_fault_injection": True,
    "force_destroy_bucket": True,
    "map_max_concurrency": 8,
    # One failed child is tolerated by the map run, so the reducer's own refusal is exercised;
    # two exceed the threshold.
    "tolerated_failure_count": 1,
    "tolerated_failure_percentage": 0,
    "max_size": 200000,
    "allowed_input_locations": [
        f"s3://{INPUT_BUCKET}/allowed/",
        f"s3://{MISSING_INPUT_BUCKET}/",
    ],
    # Short enough that the injected timeout fault is over quickly, long enough for every
    # chunk these tests run.
    "compute_timeout": 15,
    # Two retries: enough for the injected faults, short when a chunk keeps timing out.
    "retry": {
        "max_attempts": 2,
        "interval_seconds": 1,
        "backoff_rate": 1.5,
        "max_delay_seconds": 4,
    },
}


WORKSPACE = "e2e"


@pytest.fixture(scope="session")
def deployed_stack(localstack_endpoint: str) -> dict[str, Any]:
    """The real Terraform, deployed to LocalStack once per run (whatever the number of
    pytest-xdist workers) and destroyed at the end of the run by ``tests/conftest.py``."""

    def deploy_once() -> dict[str, Any]:
        outputs = deploy.apply(localstack_endpoint, E2E_VARIABLES, workspace=WORKSPACE)
        return {
            "endpoint": localstack_endpoint,
            "variables": E2E_VARIABLES,
            "workspace": WORKSPACE,
            "outputs": outputs,
        }

    return shared.once("stack", deploy_once)["outputs"]


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def assume_role_policy(service: str) -> str:
    """A role trust policy letting an AWS service (``lambda.amazonaws.com``...) assume it."""
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def start(sfn: Any, arn: str, payload: Any, name: str | None = None) -> str:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    resp = sfn.start_execution(stateMachineArn=arn, name=name or unique_name("e2e"), input=body)
    return resp["executionArn"]


def wait(sfn: Any, execution_arn: str, deadline_s: float = 300.0) -> dict[str, Any]:
    """Poll DescribeExecution until the execution ends or the deadline passes."""
    end = time.monotonic() + deadline_s
    while True:
        desc = sfn.describe_execution(executionArn=execution_arn)
        if desc["status"] != "RUNNING":
            return desc
        if time.monotonic() > end:
            raise AssertionError(f"{execution_arn} still RUNNING after {deadline_s:.0f} s")
        time.sleep(0.5)


def run(sfn: Any, arn: str, payload: Any, deadline_s: float = 300.0) -> dict[str, Any]:
    return wait(sfn, start(sfn, arn, payload), deadline_s)


def client(service: str) -> Any:
    return boto3.client(service)


def list_keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [obj["Key"] for obj in page.get("Contents", [])]
    return keys


def compute_log_records(
    deployed_stack: dict[str, Any], run_id: str, message: str
) -> list[dict[str, Any]]:
    """The compute function's structured log records with this message for one run."""
    logs = client("logs")
    group = deployed_stack["log_group_names"]["compute"]
    records = []
    for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
        for event in page["events"]:
            text = event["message"].strip()
            if not text.startswith("{"):
                continue
            record = json.loads(text)
            if record.get("message") == message and record.get("run_id") == run_id:
                records.append(record)
    return records


def failed_records(s3: Any, bucket: str, run_id: str) -> list[dict[str, Any]]:
    """Every record of the run's FAILED_n.json files (all map-run attempts)."""
    records: list[dict[str, Any]] = []
    for key in list_keys(s3, bucket, f"runs/{run_id}/results/"):
        if "FAILED_" in key:
            records += json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    return records


def fanout(endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The ``fanout`` command, run as a user would, against ``endpoint``."""
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    return subprocess.run(
        [sys.executable, "-m", "fanout_cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
