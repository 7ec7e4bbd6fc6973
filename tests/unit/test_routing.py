"""Routing: each chunk's backend, chosen by the plan from the chunk's cost and the limits."""

from __future__ import annotations

import json

import pytest

from fanout.config import Limits, limits_from_env
from fanout.errors import InvalidInputError
from fanout.routing import LAMBDA_MARGIN, ChunkCost, choose_backend, lambda_misfit
from fanout.types import Chunk
from fanout.workloads import utf8_count
from tests.support.fakes import FakeS3
from tests.support.pipeline import Pipeline

pytestmark = pytest.mark.unit

BATCH_ON = Limits(compute_timeout_s=100, batch_enabled=True, batch_timeout_s=3600)
BATCH_OFF = Limits(compute_timeout_s=100)


@pytest.fixture
def batch_env(monkeypatch: pytest.MonkeyPatch, fake_s3: FakeS3) -> None:
    monkeypatch.setenv("COMPUTE_TIMEOUT", "15")
    monkeypatch.setenv("COMPUTE_MEMORY_MB", "1769")
    monkeypatch.setenv("BATCH_ENABLED", "true")
    monkeypatch.setenv("BATCH_TIMEOUT", "600")
    monkeypatch.setenv("BATCH_MEMORY_MB", "4096")
    monkeypatch.setenv("FAULT_INJECTION", "true")


def as_chunk(c: dict) -> Chunk:
    return {"chunk_id": c["chunk_id"], "start": c["start"], "stop": c["stop"]}


def chunks_of(pipeline: Pipeline, plan: dict) -> list[dict]:
    return json.loads(pipeline.s3.text(plan["bucket"], plan["chunks_key"]))


def test_limits_come_from_the_environment() -> None:
    env = {
        "COMPUTE_TIMEOUT": "15",
        "COMPUTE_MEMORY_MB": "512",
        "BATCH_ENABLED": "true",
        "BATCH_TIMEOUT": "600",
        "BATCH_MEMORY_MB": "4096",
    }
    limits = limits_from_env(env)
    assert (limits.compute_timeout_s, limits.compute_memory_mb) == (15, 512)
    assert (limits.batch_enabled, limits.batch_timeout_s, limits.batch_memory_mb) == (
        True,
        600,
        4096,
    )
    assert limits_from_env({}).batch_enabled is False


def test_margin_is_applied_to_time_and_memory() -> None:
    # GIVEN a 100 s, 1000 MB function THEN 80 s / 800 MB fit and anything above does not
    limits = Limits(compute_timeout_s=100, compute_memory_mb=1000)
    assert LAMBDA_MARGIN == 0.8
    assert lambda_misfit(ChunkCost(80.0, 800.0), limits) is None
    assert "over 80% of the compute function's 100 s timeout" in str(
        lambda_misfit(ChunkCost(80.5), limits)
    )
    assert "over 80% of the compute function's 1000 MB" in str(
        lambda_misfit(ChunkCost(1.0, 801.0), limits)
    )


@pytest.mark.parametrize(
    ("cost", "backend", "limits", "expected"),
    [
        (ChunkCost(10), "auto", BATCH_ON, ("lambda", None)),
        (ChunkCost(90), "auto", BATCH_ON, ("batch", None)),
        (ChunkCost(10), "batch", BATCH_ON, ("batch", None)),
        (ChunkCost(4000), "batch", BATCH_ON, ("batch", "over the Batch job timeout")),
        (ChunkCost(90), "lambda", BATCH_ON, ("lambda", "over 80%")),
        (ChunkCost(90), "auto", BATCH_OFF, ("batch", "enable_batch = false")),
        (ChunkCost(1), "batch", BATCH_OFF, ("batch", "enable_batch = false")),
    ],
)
def test_choose_backend(
    cost: ChunkCost, backend: str, limits: Limits, expected: tuple[str, str | None]
) -> None:
    chosen, why = choose_backend(cost, backend, limits)
    assert chosen == expected[0]
    if expected[1] is None:
        assert why is None
    else:
        assert expected[1] in str(why)


def test_auto_plan_mixes_backends_by_injected_slowness(batch_env: None, pipeline: Pipeline) -> None:
    # GIVEN a 15 s compute function (12 s with the margin) and two chunks that sleep 13 s
    plan = pipeline.plan(
        {"size": 256, "chunk_size": 64, "fault": {"slow": {"chunks": [1, 3], "seconds": 13}}}
    )
    # THEN exactly those chunks go to Batch, and every chunk keeps its id and range
    assert [
        (c["chunk_id"], c["start"], c["stop"], c["backend"]) for c in chunks_of(pipeline, plan)
    ] == [
        (0, 0, 64, "lambda"),
        (1, 64, 128, "batch"),
        (2, 128, 192, "lambda"),
        (3, 192, 256, "batch"),
    ]


def test_forced_backends(batch_env: None, pipeline: Pipeline) -> None:
    for backend in ("batch", "lambda"):
        plan = pipeline.plan({"size": 128, "chunk_size": 64, "backend": backend})
        assert {c["backend"] for c in chunks_of(pipeline, plan)} == {backend}
        assert plan["run"]["params"]["backend"] == backend


def test_lambda_forced_on_a_heavy_chunk_is_refused(batch_env: None, pipeline: Pipeline) -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"^backend: chunk 1 \(items 64 to 127\) cannot run on lambda: it needs about 13 s, "
        r"over 80% of the compute function's 15 s timeout",
    ):
        pipeline.plan(
            {
                "size": 128,
                "chunk_size": 64,
                "backend": "lambda",
                "fault": {"slow": {"chunks": [1], "seconds": 13}},
            }
        )


def test_heavy_chunk_without_batch_is_refused(
    monkeypatch: pytest.MonkeyPatch, fake_s3: FakeS3, pipeline: Pipeline
) -> None:
    monkeypatch.setenv("COMPUTE_TIMEOUT", "15")
    monkeypatch.setenv("FAULT_INJECTION", "true")
    with pytest.raises(
        InvalidInputError, match=r"needs AWS Batch, which is off in this deployment"
    ):
        pipeline.plan(
            {"size": 128, "chunk_size": 64, "fault": {"slow": {"chunks": [0], "seconds": 13}}}
        )
    with pytest.raises(InvalidInputError, match=r"^backend: chunk 0 .* cannot run on batch"):
        pipeline.plan({"size": 128, "backend": "batch"})


def test_bad_backend_is_refused(fake_s3: FakeS3, pipeline: Pipeline) -> None:
    with pytest.raises(InvalidInputError, match=r"^backend: must be one of auto, batch, lambda"):
        pipeline.plan({"size": 8, "backend": "ec2"})


def test_reference_kernel_past_1024_needs_batch(
    monkeypatch: pytest.MonkeyPatch, fake_s3: FakeS3, pipeline: Pipeline
) -> None:
    # GIVEN Batch off THEN the reference kernel stops at 1024, as before
    with pytest.raises(
        InvalidInputError, match=r"^size: the reference kernel accepts size up to 1024"
    ):
        pipeline.plan({"size": 1500, "kernel": "reference"})
    # GIVEN Batch on (default Lambda limits, a 4-hour job) THEN size 1500 plans, the heavy
    # items on Batch and the light ones on Lambda, each Lambda chunk within the margin
    monkeypatch.setenv("BATCH_ENABLED", "true")
    monkeypatch.setenv("BATCH_TIMEOUT", "14400")
    plan = pipeline.plan({"size": 1500, "kernel": "reference"})
    chunks = chunks_of(pipeline, plan)
    params = plan["run"]["params"]
    on_lambda = [c for c in chunks if c["backend"] == "lambda"]
    on_batch = [c for c in chunks if c["backend"] == "batch"]
    assert on_lambda and on_batch and chunks[-1]["backend"] == "batch"
    assert max(utf8_count.cost(params, as_chunk(c))[0] for c in on_lambda) <= LAMBDA_MARGIN * 900
    assert min(utf8_count.cost(params, as_chunk(c))[0] for c in on_batch) > LAMBDA_MARGIN * 900
