"""The reproducibility check as the article runs it: N identical jobs as a sweep, whose
verdict compares the jobs' result digests (nested fan-out executions)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.stack import client, run

pytestmark = pytest.mark.e2e

JOBS = 3


def repro_sweep(job: str) -> dict[str, Any]:
    spec = {"workload": "repro_check", "size": 1, "job": job, "job_size": 20000}
    return {"jobs": {"repeat": JOBS, "job": spec}, "check": "identical"}


def test_identical_jobs_agree(deployed_stack: dict[str, Any]) -> None:
    sfn = client("stepfunctions")
    desc = run(sfn, deployed_stack["sweep_state_machine_arn"], repro_sweep("float_sum"))
    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    out = json.loads(desc["output"])
    assert (out["verdict"], out["jobs"], out["succeeded"]) == ("OK", JOBS, JOBS)
    assert len(out["digest"]) == 64


def test_non_deterministic_jobs_fail_with_differences_found_naming_the_jobs(
    deployed_stack: dict[str, Any],
) -> None:
    sfn = client("stepfunctions")
    desc = run(sfn, deployed_stack["sweep_state_machine_arn"], repro_sweep("float_sum_shuffled"))
    assert desc["status"] == "FAILED"
    assert desc["error"] == "DifferencesFound"
    assert desc["cause"].startswith(f"{JOBS} jobs gave ")
    assert "Jobs differing from the most common result" in desc["cause"]
