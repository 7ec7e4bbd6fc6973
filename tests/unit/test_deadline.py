"""The compute function stops before Lambda's timeout with a named, retried error; the
``overrun`` and ``blocked`` injected faults that exercise it and redrive."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

import compute_handler
from fanout import s3io
from fanout.deadline import Deadline
from fanout.errors import ComputeDeadlineError, InvalidInputError, PermanentComputeError
from fanout.types import Chunk
from fanout.workloads import repro_check, utf8_count
from tests.support import utf8_reference
from tests.support.fakes import FakeLambdaContext, FakeS3
from tests.support.pipeline import Pipeline

pytestmark = pytest.mark.unit


@dataclass
class FakeTime:
    """A clock that only moves when something sleeps."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch, fake_s3: FakeS3) -> FakeTime:
    monkeypatch.setenv("FAULT_INJECTION", "true")
    t = FakeTime()
    monkeypatch.setattr(compute_handler, "_sleep", t.sleep)
    monkeypatch.setattr(compute_handler, "_clock", t.clock)
    return t


def test_deadline_leaves_a_margin_and_names_where_it_stopped() -> None:
    t = FakeTime()
    deadline = Deadline(15.0, "chunk 3 [192, 256), attempt 0", clock=t.clock)
    assert deadline.margin_s == 1.0  # at least 1 s ...
    assert Deadline(100.0, "x", clock=t.clock).margin_s == 5.0  # ... or 5 % of the time
    t.now += 13.99
    deadline.check(5, 64)  # still within 14 s
    t.now += 0.01
    with pytest.raises(ComputeDeadlineError) as info:
        deadline.check(6, 64)
    assert str(info.value) == (
        "chunk 3 [192, 256), attempt 0: stopped after 6 of 64 items, 1.0 s before the "
        "function's timeout (15.0 s were left when it started); it is retried. If it keeps "
        "happening, raise compute_timeout or lower chunk_size"
    )


class CountingDeadline(Deadline):
    """A deadline that records its checks."""

    def __init__(self) -> None:
        super().__init__(1e6, "w")
        self.checks: list[tuple[int | None, int | None]] = []

    def check(self, done: int | None = None, of: int | None = None) -> None:
        self.checks.append((done, of))
        super().check(done, of)


def test_the_bundled_kernels_check_the_deadline_between_items() -> None:
    chunk: Chunk = {"chunk_id": 4, "start": 32, "stop": 40}
    expected = utf8_reference.total(40) - utf8_reference.total(32)
    # the reference kernel item by item ...
    reference = CountingDeadline()
    partial = utf8_count.compute({"kernel": "reference"}, chunk, reference)
    assert int(partial, 16) == expected
    assert reference.checks == [(done, 8) for done in range(8)]
    # ... the fast kernel once: a chunk is one step of O(log stop) products
    fast = CountingDeadline()
    assert int(utf8_count.compute({"kernel": "fast"}, chunk, fast), 16) == expected
    assert fast.checks == [(0, 8)]
    repro = CountingDeadline()
    params = {"job": "float_sum", "job_size": 10, "size": 3, "chunk_size": 3}
    repro_check.compute(params, {"chunk_id": 0, "start": 0, "stop": 3}, repro)
    assert repro.checks == [(0, 3), (1, 3), (2, 3)]


def test_a_slow_chunk_stops_at_its_deadline_and_its_retry_succeeds(
    pipeline: Pipeline, fake_time: FakeTime
) -> None:
    # GIVEN chunk 1 whose first attempt has 60 s more work, in a 15 s function
    plan = pipeline.plan(
        {"size": 128, "chunk_size": 64, "fault": {"overrun": {"chunks": [1], "failures": 1}}}
    )
    assert plan["run"]["params"]["fault"] == {"overrun": {"chunks": [1], "failures": 1}}
    chunk = {"chunk_id": 1, "start": 64, "stop": 128}
    event = {"run": plan["run"], "chunk": chunk, "attempt": 0}
    # WHEN it runs: THEN it stops with the named error 1 s before the timeout, not at it
    with pytest.raises(
        ComputeDeadlineError, match=r"^chunk 1 \[64, 128\), attempt 0: stopped after 14 of 60 items"
    ):
        compute_handler.handler(event, FakeLambdaContext(remaining_ms=15_000))
    assert fake_time.now - 1000.0 == 14.0  # 15 s less the 1 s margin, not the 64 s it needed
    # AND the retry (attempt 1) is not slowed and returns the chunk's exact partial
    out = compute_handler.handler({**event, "attempt": 1}, FakeLambdaContext(remaining_ms=15_000))
    assert int(out["value"], 16) == utf8_reference.total(128) - utf8_reference.total(64)


def test_overrun_seconds_is_validated(pipeline: Pipeline, fake_time: FakeTime) -> None:
    plan = pipeline.plan(
        {"size": 64, "fault": {"overrun": {"chunks": [0], "failures": 2, "seconds": 2.5}}}
    )
    assert plan["run"]["params"]["fault"]["overrun"]["seconds"] == 2.5
    for bad in (0, -1, "1", True, 901):
        with pytest.raises(InvalidInputError, match=r"^fault\.overrun\.seconds: expected a"):
            pipeline.plan({"size": 64, "fault": {"overrun": {"chunks": [0], "seconds": bad}}})


def test_blocked_chunks_fail_until_the_run_is_unblocked(
    pipeline: Pipeline, fake_time: FakeTime, fake_s3: FakeS3
) -> None:
    # GIVEN a run whose chunks 2 and 7 are blocked
    plan = pipeline.plan(
        {"size": 640, "chunk_size": 64, "fault": {"blocked": {"chunks": [7, 2]}}}, name="blk"
    )
    assert plan["run"]["params"]["fault"] == {"blocked": {"chunks": [2, 7]}}
    first = pipeline.compute_all(plan)
    assert [
        (r.chunk["chunk_id"], r.status, r.attempts) for r in first if r.status != "SUCCEEDED"
    ] == [
        (2, "FAILED", 1),
        (7, "FAILED", 1),
    ]
    assert first[2].error == "PermanentComputeError"
    assert first[2].cause == (
        "injected blocked fault (chunk 2, attempt 0): this chunk fails until the run is unblocked"
    )
    # WHEN the marker object appears (the fault is cleared; the input is unchanged)
    fake_s3.put_object(Bucket=plan["bucket"], Key=s3io.unblock_key("blk"), Body=b"")
    assert s3io.unblock_key("blk") == "runs/blk/faults/unblock"
    # THEN the same chunks compute
    again = pipeline.compute_all(plan)
    assert all(r.status == "SUCCEEDED" for r in again)
    assert pipeline.reduce(plan, again)["total_sum"] == str(utf8_reference.total(640))


def test_blocked_takes_no_failures_count(pipeline: Pipeline, fake_time: FakeTime) -> None:
    with pytest.raises(InvalidInputError, match=r"^failures: unknown field in fault\.blocked"):
        pipeline.plan({"size": 64, "fault": {"blocked": {"chunks": [0], "failures": 1}}})


def test_an_unreadable_marker_counts_as_still_blocked(fake_time: FakeTime) -> None:
    from botocore.exceptions import ClientError

    from fanout import faults

    class Denying(FakeS3):
        def get_object(
            self, **kw: Any
        ) -> Any:  # S3's answer for a missing key without s3:ListBucket
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetObject")

    assert faults.unblocked(Denying(), "b", "r") is False
    with pytest.raises(PermanentComputeError):
        faults.raise_for("blocked", 0, 0)


def test_a_blocked_chunk_can_fail_late(pipeline: Pipeline, fake_time: FakeTime) -> None:
    # delay_seconds: the blocked chunk works that long before failing, so the other children
    # of its map run have ended when the failure threshold is crossed.
    plan = pipeline.plan(
        {"size": 128, "chunk_size": 64, "fault": {"blocked": {"chunks": [1], "delay_seconds": 10}}}
    )
    results = pipeline.compute_all(plan)
    assert [r.status for r in results] == ["SUCCEEDED", "FAILED"]
    assert fake_time.slept == [10.0]
