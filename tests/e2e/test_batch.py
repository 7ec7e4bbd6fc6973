"""Heavy chunks on AWS Batch, end to end on LocalStack: the real Terraform with
``enable_batch`` deployed as its own stack (a VPC and subnet made in LocalStack's EC2), first
with the ``.sync`` integration, then re-applied with the callback integration.

Chunks are made "heavy" by the ``slow`` fault (they sleep, and the plan counts the sleep
when it routes them): with a 5 s compute timeout, a chunk needing over 4 s goes to Batch.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from emulation import deploy
from tests.e2e.batch_support import control, delete_network, emulator_settings, network
from tests.e2e.stack import E2E_VARIABLES, client, list_keys, run
from tests.support.utf8_reference import total

# The emulator's faults are LocalStack-wide: one worker runs these with the other Batch tests.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("batch")]

WORKSPACE = "e2e-batch"
# A heavy chunk sleeps this long: over 80% of the stack's 5 s compute timeout.
HEAVY_S = 5
# Generous: a local job spends seconds unpacking its code package before its first heartbeat.
HEARTBEAT_S = 30


def stack_variables(vpc: str, subnet: str, integration: str) -> dict[str, object]:
    return {
        **E2E_VARIABLES,
        "name_prefix": "fanout-e2e-batch",
        "compute_timeout": 5,
        "enable_batch": True,
        "batch": {
            "integration": integration,
            "vpc_id": vpc,
            "subnet_ids": [subnet],
            "timeout_seconds": 120,
            "retry_attempts": 2,
            "heartbeat_seconds": HEARTBEAT_S,
        },
    }


@pytest.fixture(scope="module")
def batch_deployer(localstack_endpoint: str) -> Iterator[Callable[[str], dict[str, Any]]]:
    """Deploys the Batch stack with the integration asked for (re-applying when it changes);
    destroys it and its network at the end of the module."""
    ec2 = client("ec2")
    vpc, subnet, group = network(ec2)
    current: dict[str, Any] = {}

    def ensure(integration: str) -> dict[str, Any]:
        if current.get("integration") != integration:
            variables = stack_variables(vpc, subnet, integration)
            started = time.monotonic()
            current.update(deploy.apply(localstack_endpoint, variables, workspace=WORKSPACE))
            current["integration"] = integration
            current["variables"] = variables
            print(f"[batch e2e] {integration} stack applied in {time.monotonic() - started:.0f} s")
        return current

    try:
        yield ensure
    finally:
        if current:
            deploy.destroy(localstack_endpoint, current["variables"], workspace=WORKSPACE)
        delete_network(ec2, vpc, subnet, group)


@pytest.fixture
def sync_stack(batch_deployer: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return batch_deployer("sync")


@pytest.fixture
def callback_stack(batch_deployer: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    return batch_deployer("callback")


def chunks_of(stack: dict[str, Any], run_id: str) -> list[dict[str, Any]]:
    body = client("s3").get_object(
        Bucket=stack["results_bucket_name"], Key=f"runs/{run_id}/chunks.json"
    )["Body"]
    return json.loads(body.read())


def jobs_of(stack: dict[str, Any]) -> list[dict[str, Any]]:
    """Every job of the stack's queue, described (SUCCEEDED and FAILED ones included)."""
    batch = client("batch")
    ids: list[str] = []
    for status in ("SUCCEEDED", "FAILED", "RUNNING", "RUNNABLE", "STARTING"):
        pages = batch.get_paginator("list_jobs").paginate(
            jobQueue=stack["batch_job_queue_arn"], jobStatus=status
        )
        ids += [job["jobId"] for page in pages for job in page["jobSummaryList"]]
    return [
        j
        for n in range(0, len(ids), 100)
        for j in batch.describe_jobs(jobs=ids[n : n + 100])["jobs"]
    ]


def jobs_for_run(stack: dict[str, Any], run_id: str) -> dict[int, dict[str, Any]]:
    """The run's jobs by chunk id, read from the environment each was submitted with."""
    found: dict[int, dict[str, Any]] = {}
    for job in jobs_of(stack):
        env = {e["name"]: e["value"] for e in job["container"].get("environment", [])}
        if "FANOUT_RUN" in env and json.loads(env["FANOUT_RUN"])["run_id"] == run_id:
            found[json.loads(env["FANOUT_CHUNK"])["chunk_id"]] = job
    return found


def wait_for_jobs(
    stack: dict[str, Any], run_id: str, count: int, deadline_s: float = 60.0
) -> dict[int, dict[str, Any]]:
    """The run's jobs once ``count`` of them have ended (SUCCEEDED or FAILED)."""
    end = time.monotonic() + deadline_s
    while True:
        jobs = jobs_for_run(stack, run_id)
        ended = [j for j in jobs.values() if j["status"] in ("SUCCEEDED", "FAILED")]
        if len(ended) >= count:
            return jobs
        if time.monotonic() > end:
            raise AssertionError(f"jobs of {run_id} not ended within {deadline_s:.0f} s: {jobs}")
        time.sleep(0.5)


def mixed_run(stack: dict[str, Any]) -> None:
    # GIVEN chunks 1 and 3 too slow for the compute function, the others light
    sfn = client("stepfunctions")
    payload = {
        "size": 320,
        "chunk_size": 64,
        "fault": {"slow": {"chunks": [1, 3], "seconds": HEAVY_S}},
    }
    started = time.monotonic()
    desc = run(sfn, stack["state_machine_arn"], payload, deadline_s=300)
    wall = time.monotonic() - started
    # THEN the run is exact, the plan routed exactly chunks 1 and 3 to Batch, and each ran
    # there once, as a job that succeeded
    assert desc["status"] == "SUCCEEDED", (desc.get("error"), desc.get("cause"))
    assert json.loads(desc["output"])["total_sum"] == str(total(320))
    chunks = chunks_of(stack, desc["name"])
    assert [c["backend"] for c in chunks] == ["lambda", "batch", "lambda", "batch", "lambda"]
    # (with the callback the execution may end before a job's process has exited)
    jobs = wait_for_jobs(stack, desc["name"], count=2)
    assert sorted(jobs) == [1, 3]
    assert {j["status"] for j in jobs.values()} == {"SUCCEEDED"}
    for job in jobs.values():
        latency = (
            (job["startedAt"] - job["createdAt"]) / 1000,
            (job["stoppedAt"] - job["startedAt"]) / 1000,
        )
        print(
            f"[batch e2e] job {job['jobName']}: submit->running {latency[0]:.1f} s, "
            f"running->succeeded {latency[1]:.1f} s"
        )
    print(f"[batch e2e] mixed run ({stack['integration']}): {wall:.1f} s wall")


def test_mixed_run_with_sync_is_exact(sync_stack: dict[str, Any]) -> None:
    mixed_run(sync_stack)


def test_the_batch_stack_plans_clean_after_apply(
    sync_stack: dict[str, Any], localstack_endpoint: str
) -> None:
    # A deployed stack planned again with the same variables has nothing to change.
    changes = deploy.plan(localstack_endpoint, sync_stack["variables"], workspace=WORKSPACE)
    assert changes is False


def test_a_batch_chunk_failing_for_good_names_the_chunk_and_the_job(
    sync_stack: dict[str, Any],
) -> None:
    # GIVEN every chunk on Batch and chunk 1's program failing every time
    sfn, s3 = client("stepfunctions"), client("s3")
    payload = {
        "size": 128,
        "chunk_size": 64,
        "backend": "batch",
        "fault": {"permanent": {"chunks": [1]}},
    }
    desc = run(sfn, sync_stack["state_machine_arn"], payload, deadline_s=300)
    # THEN the run fails naming the chunk and its job, and nothing is summed
    assert desc["status"] == "FAILED"
    assert desc["error"] == "ChunkFailedError", desc
    cause = desc["cause"]
    assert "chunk ids 1" in cause and "BatchChunkFailedError" in cause, cause
    (job,) = [j for chunk, j in jobs_for_run(sync_stack, desc["name"]).items() if chunk == 1]
    assert job["jobId"] in cause, cause
    # AND the program's own failure was not retried: one attempt
    assert job["status"] == "FAILED" and len(job["attempts"]) == 1
    assert list_keys(s3, sync_stack["results_bucket_name"], f"runs/{desc['name']}/result.txt") == []


def test_an_infrastructure_failure_is_retried_and_the_answer_stays_exact(
    sync_stack: dict[str, Any], localstack_endpoint: str
) -> None:
    # GIVEN the host of the first Batch attempt of chunk 0 going away (emulation-only fault)
    control(localstack_endpoint, "faults", "DELETE")
    control(
        localstack_endpoint,
        "faults",
        "POST",
        {"jobName": "fanout-e2e-batch-chunk-0", "count": 1, "afterSeconds": 0.5},
    )
    sfn = client("stepfunctions")
    payload = {"size": 128, "chunk_size": 64, "backend": "batch"}
    desc = run(sfn, sync_stack["state_machine_arn"], payload, deadline_s=300)
    # THEN the job definition's retry strategy retried it and the result is exact
    assert desc["status"] == "SUCCEEDED", (desc.get("error"), desc.get("cause"))
    assert json.loads(desc["output"])["total_sum"] == str(total(128))
    job = jobs_for_run(sync_stack, desc["name"])[0]
    reasons = [a["statusReason"] for a in job["attempts"]]
    assert len(reasons) == 2 and reasons[0].startswith("Host EC2"), reasons
    assert control(localstack_endpoint, "faults")["faults"] == []


def test_a_hung_job_is_stopped_by_its_timeout_with_sync(
    sync_stack: dict[str, Any], localstack_endpoint: str
) -> None:
    # GIVEN chunk 0's job hanging, with the .sync integration (no heartbeat to miss), and the
    # emulator's attempt timeouts sped up a hundredfold (emulation-only: the job
    # definition's 120 s last 1.2 s here)
    sfn = client("stepfunctions")
    payload = {"size": 64, "backend": "batch", "fault": {"hang": {"chunks": [0]}}}
    with emulator_settings(localstack_endpoint, timeoutScale=0.01):
        desc = run(sfn, sync_stack["state_machine_arn"], payload, deadline_s=300)
    # THEN the job's timeout ends it, once: AWS does not retry a timed-out attempt
    # (https://docs.aws.amazon.com/batch/latest/userguide/job_timeouts.html)
    job = jobs_for_run(sync_stack, desc["name"])[0]
    assert job["status"] == "FAILED" and len(job["attempts"]) == 1, job
    # AND the run fails naming the chunk and its job, nothing summed
    assert desc["status"] == "FAILED"
    assert desc["error"] == "ChunkFailedError", desc
    cause = desc["cause"]
    assert "chunk ids 0" in cause and "BatchChunkFailedError" in cause, cause
    assert job["jobId"] in cause, cause


def test_mixed_run_with_callback_is_exact(callback_stack: dict[str, Any]) -> None:
    mixed_run(callback_stack)


def test_a_hung_job_is_caught_by_the_heartbeat(callback_stack: dict[str, Any]) -> None:
    # GIVEN chunk 0's job hanging: it stops heartbeating and never reports
    sfn = client("stepfunctions")
    payload = {"size": 64, "backend": "batch", "fault": {"hang": {"chunks": [0]}}}
    started = time.monotonic()
    desc = run(sfn, callback_stack["state_machine_arn"], payload, deadline_s=300)
    # THEN the heartbeat timeout fails the chunk by name, before the job's 120 s timeout
    assert desc["status"] == "FAILED"
    assert desc["error"] == "ChunkFailedError", desc
    assert "BatchChunkTimedOutError" in desc["cause"], desc["cause"]
    assert "fanout-e2e-batch-chunk-0" in desc["cause"], desc["cause"]
    assert time.monotonic() - started < 120
