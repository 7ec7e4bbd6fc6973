"""Retries, timeouts, TerminateJob and CancelJob of the emulated AWS Batch API, and the
emulation-only fault injection that exercises the retry strategy with an infrastructure failure.

Each test cites the AWS page it follows (the page names in comments are the URLs in
``batch_support``); without the extension every call here fails.
"""

from __future__ import annotations

import json
import re
import urllib.error
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e import batch_support as bs
from tests.e2e.batch_support import run_job
from tests.e2e.stack import unique_name

# Emulator settings and injected faults are LocalStack-wide: one worker runs every Batch test.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("batch")]

# retry what the host did, exit on what the program did
SPOT_RULES = [
    {"onStatusReason": "Host EC2*", "action": "RETRY"},
    {"onReason": "*", "action": "EXIT"},
]


def test_failed_attempts_are_retried_with_exit_codes(
    batch: Any, batch_logs: Any, batch_queue: str, job_definition: Callable[..., str]
) -> None:
    # JOB_RETRIES: a failed attempt goes back to RUNNABLE while attempts remain;
    # AWS_BATCH_JOB_ATTEMPT counts from 1
    code = "import os, sys; print(os.environ['AWS_BATCH_JOB_ATTEMPT']); sys.exit(3)"
    arn = job_definition(bs.python_job(code, retryStrategy={"attempts": 2}))
    job, seen = run_job(batch, batch_queue, arn)
    assert seen[-1] == "FAILED" and seen.count("RUNNING") == 2
    assert [a["container"]["exitCode"] for a in job["attempts"]] == [3, 3]
    assert job["container"]["exitCode"] == 3
    streams = [a["container"]["logStreamName"] for a in job["attempts"]]
    assert [bs.log_lines(batch_logs, s) for s in streams] == [["1"], ["2"]]


def test_evaluate_on_exit_first_match_decides(
    batch: Any, batch_queue: str, job_definition: Callable[..., str]
) -> None:
    # JOB_RETRIES / API_EvaluateOnExit: the first matching entry wins; patterns match exactly or
    # by prefix with a trailing *; when none matches the job is retried
    rules = [
        {"onExitCode": "4*", "action": "EXIT"},
        {"onExitCode": "3", "action": "RETRY"},
        {"onReason": "*", "action": "exit"},
    ]
    exits = job_definition(
        bs.python_job(
            "raise SystemExit(42)", retryStrategy={"attempts": 3, "evaluateOnExit": rules}
        )
    )
    job, _ = run_job(batch, batch_queue, exits)
    assert [a["container"]["exitCode"] for a in job["attempts"]] == [42]
    unmatched = job_definition(
        bs.python_job(
            "raise SystemExit(5)",
            retryStrategy={
                "attempts": 2,
                "evaluateOnExit": [{"onExitCode": "9", "action": "EXIT"}],
            },
        )
    )
    job, _ = run_job(batch, batch_queue, unmatched)
    assert [a["container"]["exitCode"] for a in job["attempts"]] == [5, 5]


def test_injected_host_failure_is_retried_by_evaluate_on_exit(
    batch: Any, batch_queue: str, job_definition: Callable[..., str], localstack_endpoint: str
) -> None:
    # JOB_RETRIES: instance failure is a retryable failure; AWS's CDK matches a Spot reclaim
    # as onStatusReason "Host EC2*" (Reason.SPOT_INSTANCE_RECLAIMED)
    code = "import os, time; time.sleep(0 if os.environ['AWS_BATCH_JOB_ATTEMPT'] != '1' else 30)"
    arn = job_definition(
        bs.python_job(code, retryStrategy={"attempts": 2, "evaluateOnExit": SPOT_RULES})
    )
    name = unique_name("spot")
    bs.control(localstack_endpoint, "faults", "POST", {"jobName": name, "afterSeconds": 0.3})
    job = batch.submit_job(jobName=name, jobQueue=batch_queue, jobDefinition=arn)
    job, _ = bs.wait_job(batch, job["jobId"])
    first, second = job["attempts"]
    assert re.fullmatch(r"Host EC2 \(instance i-[0-9a-f]{17}\) terminated\.", first["statusReason"])
    assert "exitCode" not in first["container"]
    assert second["container"]["exitCode"] == 0
    assert job["status"] == "SUCCEEDED"
    assert bs.control(localstack_endpoint, "faults") == {"faults": []}


def test_program_failure_is_not_retried_by_the_same_rules(
    batch: Any, batch_queue: str, job_definition: Callable[..., str]
) -> None:
    # the same strategy exits on the program's own failure (first match wins)
    arn = job_definition(
        bs.python_job(
            "raise SystemExit(1)", retryStrategy={"attempts": 3, "evaluateOnExit": SPOT_RULES}
        )
    )
    job, _ = run_job(batch, batch_queue, arn)
    assert (job["status"], len(job["attempts"])) == ("FAILED", 1)


def test_attempt_timeout_stops_the_job(
    batch: Any, batch_queue: str, job_definition: Callable[..., str], localstack_endpoint: str
) -> None:
    # JOB_TIMEOUTS: attemptDurationSeconds after startedAt the container gets SIGTERM (and SIGKILL
    # 30 s later); settings make the 60 s minimum last 0.6 s here. "If a job is terminated for
    # exceeding the timeout duration, it isn't retried", though attempts remain.
    arn = job_definition(
        bs.python_job(
            "import time; time.sleep(60)",
            timeout={"attemptDurationSeconds": 60},
            retryStrategy={"attempts": 2},
        )
    )
    with bs.emulator_settings(localstack_endpoint, timeoutScale=0.01):
        job, _ = run_job(batch, batch_queue, arn)
    assert job["status"] == "FAILED"
    assert job["statusReason"] == "Job attempt duration exceeded timeout"
    [attempt] = job["attempts"]
    assert attempt["container"]["exitCode"] == 143  # 128 + SIGTERM
    # a timeout given at submission replaces the job definition's, and is checked the same way
    with pytest.raises(ClientError, match="at least 60"):
        batch.submit_job(
            jobName="x",
            jobQueue=batch_queue,
            jobDefinition=arn,
            timeout={"attemptDurationSeconds": 1},
        )


def test_terminate_running_job_fails_it_without_retry(
    batch: Any, batch_queue: str, job_definition: Callable[..., str]
) -> None:
    # API reference TerminateJob: STARTING or RUNNING jobs are terminated (FAILED); JOB_RETRIES:
    # terminated jobs are not retried. CancelJob leaves a RUNNING job alone. The task is stopped
    # as ECS_STOP_TASK does: SIGTERM (exit code 128 + 15), SIGKILL 30 s later.
    arn = job_definition(
        bs.python_job("import time; time.sleep(30)", retryStrategy={"attempts": 3})
    )
    job_id = batch.submit_job(jobName=unique_name("t"), jobQueue=batch_queue, jobDefinition=arn)[
        "jobId"
    ]
    bs.wait_until(
        lambda: batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "RUNNING", "RUNNING"
    )
    batch.cancel_job(jobId=job_id, reason="too late to cancel")
    assert batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "RUNNING"
    batch.terminate_job(jobId=job_id, reason="stopped by the test")
    job, _ = bs.wait_job(batch, job_id)
    assert (job["status"], job["statusReason"]) == ("FAILED", "stopped by the test")
    [attempt] = job["attempts"]
    assert attempt["container"]["exitCode"] == 143


def test_cancel_runnable_job(
    batch: Any, batch_network: tuple[str, str], job_definition: Callable[..., str]
) -> None:
    # JOB_STATES: RUNNABLE jobs wait for resources; API reference CancelJob cancels them (FAILED)
    environment = bs.create_environment(batch, *batch_network, max_vcpus=1)
    batch_queue = bs.create_queue(batch, environment)
    try:
        arn = job_definition(
            bs.python_job(
                "print(1)",
                container={
                    "resourceRequirements": [
                        {"type": "VCPU", "value": "2"},
                        {"type": "MEMORY", "value": "4096"},
                    ]
                },
            )
        )
        job_id = batch.submit_job(jobName="big", jobQueue=batch_queue, jobDefinition=arn)["jobId"]
        bs.wait_until(lambda: bs.status(batch, job_id) == "RUNNABLE", "RUNNABLE")
        bs.holds(  # over several scheduling rounds: 2 vCPUs never fit in maxvCpus 1
            lambda: bs.status(batch, job_id) == "RUNNABLE", "the job staying RUNNABLE", seconds=1.0
        )
        listed = batch.list_jobs(jobQueue=batch_queue, jobStatus="RUNNABLE")["jobSummaryList"]
        assert [summary["jobId"] for summary in listed] == [job_id]
        batch.cancel_job(jobId=job_id, reason="no capacity")
        job, _ = bs.wait_job(batch, job_id)
        assert (job["status"], job["statusReason"], job["attempts"]) == (
            "FAILED",
            "no capacity",
            [],
        )
        # API reference DeleteJobQueue: "All jobs in the job queue are eventually terminated"
        left = batch.submit_job(jobName="left", jobQueue=batch_queue, jobDefinition=arn)["jobId"]
        bs.delete_queue(batch, batch_queue)
        job, _ = bs.wait_job(batch, left)
        assert (job["status"], job["statusReason"]) == (
            "FAILED",
            f"Job queue {batch_queue} was deleted",
        )
    finally:
        if (
            batch.describe_job_queues(jobQueues=[batch_queue])["jobQueues"][0]["status"]
            != "DELETED"
        ):
            bs.delete_queue(batch, batch_queue)
        bs.delete_environment(batch, environment)


def test_running_jobs_use_up_max_vcpus(
    batch: Any, batch_network: tuple[str, str], job_definition: Callable[..., str]
) -> None:
    # JOB_STATES: RUNNABLE jobs start "as soon as sufficient resources are available"; a compute
    # environment's maxvCpus (API reference ComputeResource) bounds the vCPUs of its running jobs
    with bs.own_queue(batch, batch_network, max_vcpus=1) as (queue, _):
        first = batch.submit_job(
            jobName="first",
            jobQueue=queue,
            jobDefinition=job_definition(bs.python_job("import time; time.sleep(30)")),
        )["jobId"]
        bs.wait_until(lambda: bs.status(batch, first) == "RUNNING", "the first job RUNNING")
        second = batch.submit_job(
            jobName="second", jobQueue=queue, jobDefinition=job_definition(bs.python_job("1"))
        )["jobId"]
        bs.wait_until(lambda: bs.status(batch, second) == "RUNNABLE", "the second job RUNNABLE")
        bs.holds(  # over several scheduling rounds: the first job holds the only vCPU
            lambda: bs.status(batch, second) == "RUNNABLE", "the second job waiting", seconds=1.0
        )
        batch.terminate_job(jobId=first, reason="make room")
        job, _ = bs.wait_job(batch, second)
        assert job["status"] == "SUCCEEDED"


def test_jobs_wait_for_an_enabled_compute_environment(
    batch: Any, batch_network: tuple[str, str], job_definition: Callable[..., str]
) -> None:
    # JOB_STATES: a RUNNABLE job starts "as soon as sufficient resources are available in one of
    # the compute environments that are mapped to the job's queue"; a DISABLED one offers none.
    # A DISABLED queue takes no new jobs.
    environment = bs.create_environment(batch, *batch_network)
    queue = bs.create_queue(batch, environment)
    try:
        batch.update_compute_environment(computeEnvironment=environment, state="DISABLED")
        arn = job_definition(bs.python_job("print(1)"))
        job_id = batch.submit_job(jobName="waits", jobQueue=queue, jobDefinition=arn)["jobId"]
        bs.wait_until(
            lambda: batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "RUNNABLE",
            "RUNNABLE",
        )
        bs.holds(  # over several scheduling rounds
            lambda: batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"] == "RUNNABLE",
            "the job staying RUNNABLE",
            seconds=1.0,
        )
        batch.update_compute_environment(computeEnvironment=environment, state="ENABLED")
        job, _ = bs.wait_job(batch, job_id)
        assert job["status"] == "SUCCEEDED"
        batch.update_job_queue(jobQueue=queue, state="DISABLED")
        with pytest.raises(ClientError, match="not ENABLED"):
            batch.submit_job(jobName="refused", jobQueue=queue, jobDefinition=arn)
    finally:
        bs.delete_queue(batch, queue)
        bs.delete_environment(batch, environment)


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("faults", {"count": 1}, "'jobName'"),
        ("faults", {"jobName": "x", "afterSecs": 1}, "invalid fault"),
        ("settings", {"timeScale": 1}, "known settings"),
        ("settings", {"timeoutScale": -1}, "each >= 0"),
    ],
)
def test_emulation_controls_refuse_bad_input_by_name(
    localstack_endpoint: str, path: str, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        bs.control(localstack_endpoint, path, "POST", body)
    assert refused.value.code == 400
    assert message in json.loads(refused.value.read())["error"]
