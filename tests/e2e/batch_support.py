"""Helpers for the Batch emulator tests: a compute environment and queue, job definitions,
polling a job to its end, and the emulation-only controls (faults, settings)."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.stack import unique_name

# The AWS pages the Batch tests follow (their comments name them).
JOB_STATES = "https://docs.aws.amazon.com/batch/latest/userguide/job_states.html"
JOB_RETRIES = "https://docs.aws.amazon.com/batch/latest/userguide/job_retries.html"
JOB_TIMEOUTS = "https://docs.aws.amazon.com/batch/latest/userguide/job_timeouts.html"
JOB_ENV_VARS = "https://docs.aws.amazon.com/batch/latest/userguide/job_env_vars.html"
AWSLOGS = "https://docs.aws.amazon.com/batch/latest/userguide/using_awslogs.html"
CONTAINER_OVERRIDES = (
    "https://docs.aws.amazon.com/batch/latest/APIReference/API_ContainerOverrides.html"
)
ECS_STOP_TASK = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopTask.html"
FINAL = ("SUCCEEDED", "FAILED")


def control(endpoint: str, path: str, method: str = "GET", body: Any = None) -> Any:
    """Call the emulator's internal route ``/_fanout/batch/<path>``; the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{endpoint}/_fanout/batch/{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=10) as response:
        return json.loads(response.read())


@contextlib.contextmanager
def emulator_settings(endpoint: str, **values: float) -> Iterator[dict[str, float]]:
    """Change the emulator's timing settings for a block; the defaults come back afterwards."""
    try:
        yield control(endpoint, "settings", "POST", values)
    finally:
        control(endpoint, "settings", "DELETE")


def wait_until(check: Any, what: str, deadline_s: float = 20.0) -> Any:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if value := check():
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {deadline_s:.0f} s")


def holds(check: Any, what: str, seconds: float) -> None:
    """Assert ``check()`` stays true, polled for ``seconds``."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert check(), f"{what}: stopped holding"
        time.sleep(0.05)


def wait_job(batch: Any, job_id: str, deadline_s: float = 30.0) -> tuple[dict[str, Any], list]:
    """Poll DescribeJobs until the job ends: its last description and every status seen."""
    seen: list[str] = []
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        job = batch.describe_jobs(jobs=[job_id])["jobs"][0]
        if not seen or seen[-1] != job["status"]:
            seen.append(job["status"])
        if job["status"] in FINAL:
            return job, seen
        time.sleep(0.03)
    raise AssertionError(f"job {job_id} did not end within {deadline_s:.0f} s; seen {seen}")


def wait_status(batch: Any, resource: str, name: str, status: str) -> dict[str, Any]:
    """Wait for a compute environment or job queue to reach a status; its description."""
    describe = {
        "ce": lambda: batch.describe_compute_environments(computeEnvironments=[name])[
            "computeEnvironments"
        ],
        "jq": lambda: batch.describe_job_queues(jobQueues=[name])["jobQueues"],
    }[resource]
    return wait_until(
        lambda: next((d for d in describe() if d["status"] == status), None),
        f"{resource} {name} reaching {status}",
    )


def network(ec2: Any) -> tuple[str, str, str]:
    """A VPC, a subnet and a security group in LocalStack's EC2."""
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(
        GroupName=unique_name("batch-sg"), Description="batch jobs", VpcId=vpc
    )["GroupId"]
    return vpc, subnet, group


def delete_network(ec2: Any, vpc: str, subnet: str, group: str) -> None:
    ec2.delete_security_group(GroupId=group)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)


def create_environment(batch: Any, subnet: str, group: str, max_vcpus: int = 4) -> str:
    name = unique_name("ce")
    batch.create_compute_environment(
        computeEnvironmentName=name,
        type="MANAGED",
        computeResources={
            "type": "FARGATE",
            "maxvCpus": max_vcpus,
            "subnets": [subnet],
            "securityGroupIds": [group],
        },
    )
    wait_status(batch, "ce", name, "VALID")
    return name


def create_queue(batch: Any, environment: str) -> str:
    name = unique_name("jq")
    batch.create_job_queue(
        jobQueueName=name,
        priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment}],
    )
    wait_status(batch, "jq", name, "VALID")
    return name


def delete_queue(batch: Any, name: str) -> None:
    batch.update_job_queue(jobQueue=name, state="DISABLED")
    wait_status(batch, "jq", name, "VALID")
    batch.delete_job_queue(jobQueue=name)
    wait_status(batch, "jq", name, "DELETED")


@contextlib.contextmanager
def own_queue(batch: Any, network: tuple[str, str], max_vcpus: int) -> Iterator[tuple[str, str]]:
    """A job queue on its own compute environment with ``max_vcpus``: (queue, environment)."""
    environment = create_environment(batch, *network, max_vcpus=max_vcpus)
    queue = create_queue(batch, environment)
    try:
        yield queue, environment
    finally:
        if batch.describe_job_queues(jobQueues=[queue])["jobQueues"][0]["status"] != "DELETED":
            delete_queue(batch, queue)
        delete_environment(batch, environment)


def status(batch: Any, job_id: str) -> str:
    return batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"]


def delete_environment(batch: Any, name: str) -> None:
    batch.update_compute_environment(computeEnvironment=name, state="DISABLED")
    wait_status(batch, "ce", name, "VALID")
    batch.delete_compute_environment(computeEnvironment=name)
    wait_status(batch, "ce", name, "DELETED")


def python_job(code: str, image: str = "python:3.12-slim", **kwargs: Any) -> dict[str, Any]:
    """RegisterJobDefinition arguments for a job that runs ``python -c <code>``."""
    properties = {
        "image": image,
        "command": ["python", "-c", code],
        "resourceRequirements": [
            {"type": "VCPU", "value": "1"},
            {"type": "MEMORY", "value": "2048"},
        ],
        **kwargs.pop("container", {}),
    }
    return {
        "jobDefinitionName": unique_name("jd"),
        "type": "container",
        "platformCapabilities": ["FARGATE"],
        "containerProperties": properties,
        **kwargs,
    }


def log_lines(batch_logs: Any, stream: str, group: str = "/aws/batch/job") -> list[str]:
    """The messages of a job attempt's log stream, waiting briefly for the last batch."""
    events = batch_logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True)
    return [event["message"] for event in events["events"]]


# --------------------------------------------------------------------------- fixtures
# (imported by the Batch test modules)


@pytest.fixture(scope="module")
def batch(aws_client: Callable[..., Any]) -> Any:
    return aws_client("batch")


@pytest.fixture(scope="module")
def batch_logs(aws_client: Callable[..., Any]) -> Any:
    return aws_client("logs")


@pytest.fixture(scope="module")
def batch_network(aws_client: Callable[..., Any]) -> Iterator[tuple[str, str]]:
    ec2 = aws_client("ec2")
    vpc, subnet, group = network(ec2)
    try:
        yield subnet, group
    finally:
        delete_network(ec2, vpc, subnet, group)


@pytest.fixture(scope="module")
def batch_queue(batch: Any, batch_network: tuple[str, str]) -> Iterator[str]:
    """A job queue on a Fargate compute environment with 4 vCPUs."""
    environment = create_environment(batch, *batch_network)
    name = create_queue(batch, environment)
    try:
        yield name
    finally:
        delete_queue(batch, name)
        delete_environment(batch, environment)


@pytest.fixture
def job_definition(batch: Any) -> Iterator[Callable[..., str]]:
    """Register job definitions (``python_job`` arguments); deregistered afterwards."""
    made: list[str] = []

    def register(arguments: dict[str, Any]) -> str:
        made.append(batch.register_job_definition(**arguments)["jobDefinitionArn"])
        return made[-1]

    try:
        yield register
    finally:
        for arn in made:
            batch.deregister_job_definition(jobDefinition=arn)


def run_job(batch: Any, batch_queue: str, job_definition: str, **kwargs: Any) -> tuple[dict, list]:
    kwargs.setdefault("jobName", unique_name("job"))
    job = batch.submit_job(jobQueue=batch_queue, jobDefinition=job_definition, **kwargs)
    return wait_job(batch, job["jobId"])
