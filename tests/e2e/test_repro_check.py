"""The reproducibility-check workload end to end: a Choice state turns the verdict into
Succeed or a Fail named DifferencesFound."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.stack import client, run

pytestmark = pytest.mark.e2e

RUNS = 60


def test_a_deterministic_job_is_reproducible(deployed_stack: dict[str, Any]) -> None:
    sfn = client("stepfunctions")
    desc = run(
        sfn,
        deployed_stack["state_machine_arn"],
        {"workload": "repro_check", "size": RUNS, "job": "float_sum"},
        deadline_s=600,
    )
    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    out = json.loads(desc["output"])
    assert out["verdict"] == "OK"
    assert out["runs"] == RUNS
    assert len(out["digest"]) == 64


def test_a_non_deterministic_job_fails_with_differences_found(
    deployed_stack: dict[str, Any],
) -> None:
    sfn = client("stepfunctions")
    desc = run(
        sfn,
        deployed_stack["state_machine_arn"],
        {"workload": "repro_check", "size": RUNS, "job": "float_sum_shuffled"},
        deadline_s=600,
    )
    assert desc["status"] == "FAILED"
    assert desc["error"] == "DifferencesFound"
    assert f"{RUNS} runs of job float_sum_shuffled gave" in desc["cause"]
    assert "distinct digests" in desc["cause"]
