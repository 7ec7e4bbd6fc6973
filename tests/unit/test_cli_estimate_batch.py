"""``fanout estimate --batch``: chunks routed exactly as the plan routes them, Batch priced on
Fargate, warnings for Fargate's limits."""

from __future__ import annotations

import json

import pytest

from fanout_cli import prices
from fanout_cli.estimate import BatchOptions, estimate, format_estimate
from tests.support.fakes import FakeS3
from tests.support.pipeline import Pipeline

pytestmark = pytest.mark.unit


def test_routes_the_chunks_the_plan_routes(
    monkeypatch: pytest.MonkeyPatch, fake_s3: FakeS3, pipeline: Pipeline
) -> None:
    # GIVEN a deployment with Batch, a 900 s compute function and a 4-hour job
    monkeypatch.setenv("BATCH_ENABLED", "true")
    monkeypatch.setenv("BATCH_TIMEOUT", "14400")
    monkeypatch.setenv("COMPUTE_TIMEOUT", "900")
    plan = pipeline.plan({"size": 1500, "kernel": "reference"})
    chunks = json.loads(fake_s3.text(plan["bucket"], plan["chunks_key"]))
    on_batch = [c for c in chunks if c["backend"] == "batch"]
    # WHEN the same run is estimated with --batch
    est = estimate(1500, kernel="reference", batch=BatchOptions(compute_timeout_s=900))
    # THEN the same chunks go to Batch, and the plan's size refusal is gone
    assert est.batch is not None
    assert est.batch["chunks"] == len(on_batch) > 0
    assert est.batch["first_item"] == on_batch[0]["start"]
    assert est.chunk_size == plan["run"]["params"]["chunk_size"]
    assert not [n for n in est.notes if "would refuse" in n.message]
    # AND the Lambda invocations leave the Batch chunks out
    assert est.lambda_invocations["compute"] == len(chunks) - len(on_batch)


def test_batch_is_priced_per_vcpu_hour_and_gb_hour() -> None:
    est = estimate(1500, kernel="reference", batch=BatchOptions(vcpus=2, memory_mb=8192))
    b = est.batch
    assert b is not None
    assert b["vcpu_hours"] == pytest.approx(2 * b["gb_hours"] / 8)
    assert est.cost_usd["batch"] == pytest.approx(
        b["vcpu_hours"] * prices.FARGATE_PER_VCPU_HOUR + b["gb_hours"] * prices.FARGATE_PER_GB_HOUR
    )
    assert prices.SOURCES["fargate"] == "https://aws.amazon.com/fargate/pricing/"
    text = format_estimate(est)
    assert "AWS Batch (Fargate)" in text and "vCPU-hours" in text


def test_without_batch_the_reference_kernel_past_1024_is_refused() -> None:
    est = estimate(1500, kernel="reference")
    assert est.batch is None and "batch" not in est.cost_usd
    assert any("no chunk size makes it fit" in n.message for n in est.notes)


@pytest.mark.parametrize(("vcpus", "memory_mb"), [(32, 4096), (4, 131072)])
def test_jobs_over_fargates_largest_task_are_warned(vcpus: float, memory_mb: int) -> None:
    est = estimate(1500, kernel="reference", batch=BatchOptions(vcpus=vcpus, memory_mb=memory_mb))
    assert any(
        n.level == "warning" and "Fargate's largest task (16 vCPU, 120 GB)" in n.message
        for n in est.notes
    )


def test_a_chunk_over_the_job_timeout_is_refused_as_the_plan_would() -> None:
    est = estimate(1500, kernel="reference", batch=BatchOptions(timeout_s=600))
    assert any(
        n.level == "warning" and "over the Batch job timeout of 600 s" in n.message
        for n in est.notes
    )
