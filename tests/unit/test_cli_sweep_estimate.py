"""fanout estimate for sweeps: each job's own estimate, the sweep's overhead, and the wall
time of jobs run a few at a time."""

from __future__ import annotations

from typing import Any

import pytest

from fanout_cli import prices
from fanout_cli.estimate import estimate
from fanout_cli.estimate.sweep import (
    SweepEstimateError,
    estimate_sweep,
    format_sweep_estimate,
    makespan,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("durations", "slots", "expected"),
    [
        ([3.0, 1.0, 1.0, 1.0], 2, 3.0),
        ([1.0, 1.0, 1.0], 1, 3.0),
        ([1.0, 2.0, 3.0], 10, 3.0),
        ([2.0, 2.0, 2.0, 2.0, 2.0], 2, 6.0),
    ],
)
def test_makespan_starts_each_job_when_a_slot_frees(
    durations: list[float], slots: int, expected: float
) -> None:
    assert makespan(durations, slots) == expected


def test_a_sweep_costs_its_jobs_plus_its_own_states_functions_and_requests() -> None:
    est = estimate_sweep([{"size": 1024}, {"size": 4096, "chunk_size": 512}], jobs_at_once=1)
    jobs = [estimate(size=1024, chunk_size=None), estimate(size=4096, chunk_size=512)]
    assert est.job_estimates == jobs
    assert est.sweep_state_transitions == 5 + 2 * 2
    sweep_sfn = 9 * prices.SFN_STANDARD_PER_TRANSITION
    assert est.cost_usd["step_functions"] == pytest.approx(
        sweep_sfn + sum(j.cost_usd["step_functions"] for j in jobs), rel=1e-12
    )
    sweep_s3 = 5 * prices.S3_PER_PUT + 3 * prices.S3_PER_GET
    assert est.cost_usd["s3_requests"] == pytest.approx(
        sweep_s3 + sum(j.cost_usd["s3_requests"] for j in jobs), rel=1e-12
    )
    # one at a time: the jobs' walls add up
    assert est.wall_seconds_about == pytest.approx(
        0.6 + jobs[0].wall_seconds_about + jobs[1].wall_seconds_about
    )
    text = format_sweep_estimate(est)
    assert text.startswith("Estimate for a sweep of 2 jobs (1 at once)")


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([], "jobs: no job specs"),
        (
            [{"size": 4}, {"workload": "repro_check", "size": 2}],
            "job 1: the estimate models utf8_count",
        ),
        ([{"size": 4}, "x"], "job 1: expected a JSON object"),
        ([{"chunk_size": 4}], "job 0: size: required"),
    ],
)
def test_jobs_the_estimate_cannot_cover_are_named(specs: list[Any], message: str) -> None:
    with pytest.raises(SweepEstimateError, match=message):
        estimate_sweep(specs)
