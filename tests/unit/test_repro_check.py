from __future__ import annotations

import json

import pytest

from fanout.workloads import repro_check
from tests.support.fakes import FakeS3
from tests.support.pipeline import Pipeline

pytestmark = pytest.mark.unit


def test_deterministic_job_gives_ok(pipeline: Pipeline, fake_s3: FakeS3) -> None:
    # GIVEN 12 repetitions of the deterministic job, 5 per child
    out = pipeline.run({"workload": "repro_check", "size": 12, "chunk_size": 5, "job_size": 3000})
    # THEN every run agrees and the digest is the job's own
    expected = repro_check.digest("float_sum", 3000, repro_check.job_float_sum(3000))
    assert out["verdict"] == "OK"
    assert out["digest"] == expected
    assert out["runs"] == 12
    assert out["chunk_count"] == 3
    assert "error" not in out
    result = fake_s3.text("fanout-unit-results", f"runs/{out['run_id']}/result.txt")
    assert result.splitlines() == [f"{n} {expected}" for n in range(12)]


def test_shuffled_job_gives_differences(pipeline: Pipeline) -> None:
    out = pipeline.run(
        {"workload": "repro_check", "size": 30, "job": "float_sum_shuffled", "job_size": 5000}
    )
    assert out["verdict"] == "DIFFERENT"
    assert out["error"] == "DifferencesFound"
    assert out["runs"] == 30
    assert out["distinct_digests"] > 1
    assert out["cause"].startswith("30 runs of job float_sum_shuffled gave ")
    assert "distinct digests" in out["cause"]
    assert len(out["cause"]) < 32 * 1024
    json.dumps(out)  # a valid state output


def test_reduce_lists_digests_counts_and_differing_runs() -> None:
    a, b, c = "a" * 64, "b" * 64, "c" * 64
    partials = [[a, a, b], [a, c], [a, a, b]]
    out = repro_check.reduce({"job": "float_sum"}, partials)
    assert out["verdict"] == "DIFFERENT"
    assert out["cause"] == (
        f"8 runs of job float_sum gave 3 distinct digests ({a} x5; {b} x2; {c} x1). "
        "Runs differing from the most common digest (3): 2, 4, 7"
    )
    assert out["differing_runs"] == 3


def test_long_causes_are_abbreviated() -> None:
    digests = [f"{n:064x}" for n in range(5000)]
    out = repro_check.reduce({"job": "float_sum_shuffled"}, [digests])
    assert out["distinct_digests"] == 5000
    assert "and 4980 more digests" in out["cause"]
    assert len(out["cause"]) <= 4000


def test_reduce_all_equal() -> None:
    d = "d" * 64
    out = repro_check.reduce({"job": "float_sum"}, [[d], [d, d]])
    assert {k: v for k, v in out.items() if k != "result_text"} == {
        "verdict": "OK",
        "digest": d,
        "runs": 3,
    }


def test_float_sum_is_order_sensitive() -> None:
    # The data set must make summation order matter, or the shuffled job proves nothing.
    values = repro_check._floats(5000)
    in_order = repro_check.job_float_sum(5000)
    assert in_order == repro_check.job_float_sum(5000)
    assert sum(reversed(values)) != in_order
