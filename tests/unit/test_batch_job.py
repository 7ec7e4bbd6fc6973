"""The AWS Batch job program and the callback's submission, with fake clients."""

from __future__ import annotations

import json
from typing import Any

import pytest

import compute_handler
import reduce_handler
import submit_handler
from fanout import batch
from fanout.errors import InvalidInputError
from tests.support import utf8_reference
from tests.support.fakes import FakeS3
from tests.support.pipeline import ChildResult, Pipeline, write_result_writer

pytestmark = pytest.mark.unit


class FakeSfn:
    """The Step Functions task-token calls a job makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def send_task_success(self, **kwargs: Any) -> None:
        self.calls.append(("success", kwargs))

    def send_task_failure(self, **kwargs: Any) -> None:
        self.calls.append(("failure", kwargs))

    def send_task_heartbeat(self, **kwargs: Any) -> None:
        self.calls.append(("heartbeat", kwargs))


@pytest.fixture
def batch_env(monkeypatch: pytest.MonkeyPatch, fake_s3: FakeS3) -> None:
    monkeypatch.setenv("BATCH_ENABLED", "true")
    monkeypatch.setenv("BATCH_TIMEOUT", "3600")
    monkeypatch.setenv("FAULT_INJECTION", "true")


def job_environ(plan: dict[str, Any], chunk: Any, **extra: str) -> dict[str, str]:
    request = batch.submit_job_request(plan["run"], chunk, "queue", "definition", "fanout")
    env = {e["name"]: e["value"] for e in request["containerOverrides"]["environment"]}
    return {"AWS_BATCH_JOB_ID": "job-123", "AWS_BATCH_JOB_ATTEMPT": "1", **env, **extra}


def sync_output(plan: dict[str, Any], chunk: dict[str, Any]) -> dict[str, Any]:
    """What the child's ShapeBatchOutput state builds after a .sync job succeeded."""
    run = plan["run"]
    return {
        "chunk_id": chunk["chunk_id"],
        "start": chunk["start"],
        "stop": chunk["stop"],
        "encoding": run["encoding"],
        "value_key": f"runs/{run['run_id']}/partials/{chunk['chunk_id']}.json",
    }


@pytest.mark.parametrize("integration", ["sync", "callback"])
def test_mixed_run_sums_every_chunk_once(
    batch_env: None, pipeline: Pipeline, fake_s3: FakeS3, integration: str
) -> None:
    # GIVEN a plan with chunks 1 and 3 on Batch (the rest on Lambda)
    plan = pipeline.plan(
        {"size": 300, "chunk_size": 64, "fault": {"slow": {"chunks": [1, 3], "seconds": 1000}}}
    )
    chunks = json.loads(fake_s3.text(plan["bucket"], plan["chunks_key"]))
    assert [c["backend"] for c in chunks] == ["lambda", "batch", "lambda", "batch", "lambda"]
    # WHEN the Lambda chunks run on the compute function and the Batch chunks as jobs
    results: list[ChildResult] = []
    slept: list[float] = []
    for chunk in chunks:
        child_input = {"run": plan["run"], "chunk": chunk}
        if chunk["backend"] == "lambda":
            results.append(pipeline._run_child(compute_handler.handler, child_input))
            continue
        sfn = FakeSfn()
        token = {"FANOUT_TASK_TOKEN": "tok", "FANOUT_HEARTBEAT_SECONDS": "60"}
        env = job_environ(plan, chunk, **(token if integration == "callback" else {}))
        code = batch.run_job(fake_s3, lambda: sfn, env, True, slept.append)  # noqa: B023
        assert code == 0
        if integration == "callback":
            (success,) = [kw for what, kw in sfn.calls if what == "success"]
            assert success["taskToken"] == "tok"
            output = json.loads(success["output"])
        else:
            assert sfn.calls == []
            output = sync_output(plan, chunk)
        results.append(ChildResult(chunk, child_input, "SUCCEEDED", output=output))
    # THEN the slow chunks slept, and the reducer's sum is exact
    assert slept == [1000.0, 1000.0]
    writer = write_result_writer(fake_s3, plan["bucket"], plan["results_prefix"], results)

    summary = reduce_handler.handler({"plan": plan, "result_writer": writer}, None)
    assert summary["total_sum"] == utf8_reference.decimal(utf8_reference.total(300))


def test_permanent_failure_exits_1_and_reports_chunk_and_job(
    batch_env: None, pipeline: Pipeline, fake_s3: FakeS3
) -> None:
    plan = pipeline.plan({"size": 128, "backend": "batch", "fault": {"permanent": {"chunks": [0]}}})
    chunk = json.loads(fake_s3.text(plan["bucket"], plan["chunks_key"]))[0]
    sfn = FakeSfn()
    env = job_environ(plan, chunk, FANOUT_TASK_TOKEN="tok", FANOUT_HEARTBEAT_SECONDS="60")
    assert batch.run_job(fake_s3, lambda: sfn, env, True, lambda s: None) == batch.EXIT_FAILED
    (failure,) = [kw for what, kw in sfn.calls if what == "failure"]
    assert failure["error"] == "PermanentComputeError"
    assert failure["cause"].startswith(
        "chunk 0 (AWS Batch job job-123): PermanentComputeError: injected permanent fault"
    )
    assert not [k for k in fake_s3.keys(plan["bucket"]) if "/partials/" in k]


def test_transient_failure_exits_with_the_retryable_code(
    batch_env: None, pipeline: Pipeline, fake_s3: FakeS3
) -> None:
    # GIVEN a transient fault on the first attempt WHEN attempt 1 runs THEN exit 75 (retried
    # by the job definition's retry strategy); attempt 2 succeeds
    plan = pipeline.plan({"size": 64, "backend": "batch", "fault": {"transient": {"chunks": [0]}}})
    chunk = json.loads(fake_s3.text(plan["bucket"], plan["chunks_key"]))[0]
    first = job_environ(plan, chunk)
    assert batch.run_job(fake_s3, FakeSfn, first, True, lambda s: None) == batch.EXIT_RETRYABLE
    second = {**first, "AWS_BATCH_JOB_ATTEMPT": "2"}
    assert batch.run_job(fake_s3, FakeSfn, second, True, lambda s: None) == 0


def test_hang_stops_heartbeats_then_sleeps_past_the_job_timeout(
    batch_env: None, pipeline: Pipeline, fake_s3: FakeS3
) -> None:
    plan = pipeline.plan({"size": 64, "backend": "batch", "fault": {"hang": {"chunks": [0]}}})
    chunk = json.loads(fake_s3.text(plan["bucket"], plan["chunks_key"]))[0]
    sfn = FakeSfn()
    env = job_environ(
        plan,
        chunk,
        FANOUT_TASK_TOKEN="tok",
        FANOUT_HEARTBEAT_SECONDS="3600",
        FANOUT_JOB_TIMEOUT="60",
    )
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        # by the time the job hangs, its heartbeats have stopped
        slept.append(seconds)

    batch.run_job(fake_s3, lambda: sfn, env, True, sleep)
    assert slept == [65.0]
    assert [what for what, _ in sfn.calls][:1] == ["heartbeat"]
    assert "heartbeat" not in [what for what, _ in sfn.calls[1:]]


def test_job_without_its_inputs_fails_by_name(fake_s3: FakeS3) -> None:
    sfn = FakeSfn()
    env = {"AWS_BATCH_JOB_ID": "job-9", "FANOUT_TASK_TOKEN": "tok"}
    assert batch.run_job(fake_s3, lambda: sfn, env, False, lambda s: None) == batch.EXIT_FAILED
    (failure,) = [kw for what, kw in sfn.calls if what == "failure"]
    assert failure["error"] == "BatchJobInputError"
    assert "FANOUT_RUN" in failure["cause"]


@pytest.mark.parametrize(
    ("fault", "field"),
    [
        ({"slow": {"chunks": [0]}}, "fault.slow.seconds"),
        ({"slow": {"chunks": [0], "seconds": 0}}, "fault.slow.seconds"),
        ({"hang": {"chunks": [0], "failures": 1}}, "failures"),
    ],
)
def test_bad_slow_and_hang_faults_are_refused(
    batch_env: None, pipeline: Pipeline, fault: dict, field: str
) -> None:
    with pytest.raises(InvalidInputError, match=rf"^{field}"):
        pipeline.plan({"size": 64, "fault": fault})


def test_submit_handler_sends_the_token_with_the_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    submitted: list[dict[str, Any]] = []

    class FakeBatch:
        def submit_job(self, **request: Any) -> dict[str, Any]:
            submitted.append(request)
            return {"jobId": "job-7", "jobName": request["jobName"]}

    monkeypatch.setattr(submit_handler, "batch", FakeBatch())
    monkeypatch.setenv("BATCH_JOB_QUEUE", "arn:queue")
    monkeypatch.setenv("BATCH_JOB_DEFINITION", "arn:definition")
    monkeypatch.setenv("BATCH_JOB_NAME_PREFIX", "fanout")
    run = {"run_id": "r1", "bucket": "b", "workload": "utf8_count", "params": {"size": 8}}
    chunk = {"chunk_id": 3, "start": 0, "stop": 8, "backend": "batch"}
    out = submit_handler.handler({"run": run, "chunk": chunk, "task_token": "tok"}, None)
    assert out == {"job_id": "job-7", "job_name": "fanout-chunk-3"}
    (request,) = submitted
    assert (request["jobQueue"], request["jobDefinition"]) == ("arn:queue", "arn:definition")
    env = {e["name"]: e["value"] for e in request["containerOverrides"]["environment"]}
    assert env["FANOUT_TASK_TOKEN"] == "tok"
    assert json.loads(env["FANOUT_RUN"]) == run
    assert json.loads(env["FANOUT_CHUNK"]) == chunk
