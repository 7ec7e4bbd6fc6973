"""Fault injection: honoured only with FAULT_INJECTION=true, driven by the attempt number."""

from __future__ import annotations

from typing import Any

import pytest

import compute_handler
from fanout.errors import (
    ChunkFailedError,
    ComputeThrottledError,
    InvalidInputError,
    PermanentComputeError,
    TransientComputeError,
)
from fanout.faults import injected_fault
from tests.support import utf8_reference
from tests.support.fakes import FakeLambdaContext, FakeS3
from tests.support.pipeline import Pipeline

pytestmark = pytest.mark.unit

FAULT = {
    "transient": {"chunks": [0, 3], "failures": 2},
    "throttle": {"chunks": [1], "failures": 1},
    "permanent": {"chunks": [5]},
    "timeout": {"chunks": [2], "failures": 1},
}


@pytest.fixture
def faults_on(monkeypatch: pytest.MonkeyPatch, fake_s3: FakeS3) -> list[float]:
    monkeypatch.setenv("FAULT_INJECTION", "true")
    slept: list[float] = []
    monkeypatch.setattr(compute_handler, "_sleep", slept.append)
    return slept


def test_injected_fault_schedule() -> None:
    assert [injected_fault(FAULT, 0, a) for a in range(3)] == ["transient", "transient", None]
    assert [injected_fault(FAULT, 1, a) for a in range(2)] == ["throttle", None]
    assert [injected_fault(FAULT, 5, a) for a in range(4)] == ["permanent"] * 4
    assert [injected_fault(FAULT, 2, a) for a in range(2)] == ["timeout", None]
    assert injected_fault(FAULT, 4, 0) is None
    assert injected_fault(None, 0, 0) is None


def test_plan_refuses_fault_when_disabled(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAULT_INJECTION", "false")
    with pytest.raises(InvalidInputError, match=r"^fault: fault injection is disabled"):
        pipeline.plan({"size": 256, "fault": FAULT})


@pytest.mark.parametrize(
    ("fault", "field"),
    [
        ({"meteor": {"chunks": [0]}}, "meteor"),
        ({"transient": {"chunks": []}}, "fault.transient.chunks"),
        ({"transient": {"chunks": [0], "failures": 0}}, "fault.transient.failures"),
        ({"permanent": {"chunks": [0], "failures": 1}}, "failures"),
        ({"throttle": [1]}, "fault.throttle"),
        ("yes", "fault"),
    ],
)
def test_plan_validates_fault(
    pipeline: Pipeline, faults_on: list[float], fault: Any, field: str
) -> None:
    with pytest.raises(InvalidInputError, match=rf"^{field}: "):
        pipeline.plan({"size": 256, "fault": fault})


def test_fault_travels_in_run_params(pipeline: Pipeline, faults_on: list[float]) -> None:
    plan = pipeline.plan({"size": 256, "fault": FAULT})
    assert plan["run"]["params"]["fault"] == {
        "transient": {"chunks": [0, 3], "failures": 2},
        "throttle": {"chunks": [1], "failures": 1},
        "permanent": {"chunks": [5]},
        "timeout": {"chunks": [2], "failures": 1},
    }


def test_compute_raises_the_named_errors(pipeline: Pipeline, faults_on: list[float]) -> None:
    plan = pipeline.plan({"size": 384, "chunk_size": 64, "fault": FAULT})

    def call(chunk_id: int, attempt: int) -> dict:
        chunk = {"chunk_id": chunk_id, "start": chunk_id * 64, "stop": chunk_id * 64 + 64}
        event = {"run": plan["run"], "chunk": chunk, "attempt": attempt}
        return compute_handler.handler(event, FakeLambdaContext(remaining_ms=3000))

    with pytest.raises(TransientComputeError):
        call(0, 0)
    with pytest.raises(TransientComputeError):
        call(0, 1)
    assert call(0, 2)["chunk_id"] == 0
    with pytest.raises(ComputeThrottledError):
        call(1, 0)
    assert call(1, 1)["chunk_id"] == 1
    with pytest.raises(PermanentComputeError, match=r"chunk 5, attempt 7"):
        call(5, 7)
    # timeout sleeps past the remaining time (3 s here), then the chunk would go on
    assert faults_on == []
    call(2, 0)
    assert len(faults_on) == 1 and faults_on[0] > 3.0
    call(2, 1)
    assert len(faults_on) == 1


def test_compute_ignores_fault_when_the_deployment_disables_it(
    pipeline: Pipeline, faults_on: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = pipeline.plan({"size": 384, "chunk_size": 64, "fault": FAULT})
    monkeypatch.setenv("FAULT_INJECTION", "false")
    chunk = {"chunk_id": 5, "start": 320, "stop": 384}
    out = compute_handler.handler(
        {"run": plan["run"], "chunk": chunk, "attempt": 0}, FakeLambdaContext()
    )
    assert out["chunk_id"] == 5


def test_retried_faults_recover_and_permanent_fails_the_run(
    pipeline: Pipeline, faults_on: list[float]
) -> None:
    # GIVEN transient/throttle faults only: the retries absorb them and the answer is exact
    recovered = pipeline.plan(
        {"size": 384, "chunk_size": 64, "fault": {k: FAULT[k] for k in ("transient", "throttle")}}
    )
    results = pipeline.compute_all(recovered)
    assert [r.attempts for r in results] == [3, 2, 1, 3, 1, 1]
    out = pipeline.reduce(recovered, results)
    assert out["total_sum"] == str(utf8_reference.total(384))
    # GIVEN a permanent fault: the reducer names the failed chunk with its error
    broken = pipeline.plan({"size": 384, "chunk_size": 64, "fault": FAULT})
    with pytest.raises(ChunkFailedError, match=r"chunk 5: PermanentComputeError: injected"):
        pipeline.reduce(broken, pipeline.compute_all(broken))
