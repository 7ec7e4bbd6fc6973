"""Bad execution inputs fail the plan with InvalidInputError naming the field."""

from __future__ import annotations

from typing import Any

import pytest

import plan_handler
from fanout.errors import InvalidInputError
from tests.support.fakes import FakeLambdaContext, FakeS3

pytestmark = pytest.mark.unit


def plan(execution_input: Any, name: str = "run-1") -> dict[str, Any]:
    return plan_handler.handler(
        {"execution_name": name, "input": execution_input}, FakeLambdaContext()
    )


BAD_INPUTS = [
    pytest.param({}, "size", id="missing-size"),
    pytest.param({"size": 0}, "size", id="zero"),
    pytest.param({"size": -5}, "size", id="negative"),
    pytest.param({"size": 1024.0}, "size", id="float"),
    pytest.param({"size": "1024"}, "size", id="string"),
    pytest.param({"size": True}, "size", id="boolean"),
    pytest.param({"size": None}, "size", id="null-size"),
    pytest.param({"size": [1024]}, "size", id="list-size"),
    pytest.param({"size": 1_000_001}, "size", id="beyond-max"),
    pytest.param({"size": 1024, "sizes": 3}, "sizes", id="unknown-field"),
    pytest.param({"size": 1024, "chunk_size": 0}, "chunk_size", id="chunk-size-zero"),
    pytest.param({"size": 1024, "chunk_size": "64"}, "chunk_size", id="chunk-size-string"),
    pytest.param({"size": 1024, "chunk_size": 100_001}, "chunk_size", id="chunk-size-beyond"),
    pytest.param({"size": 1024, "kernel": "turbo"}, "kernel", id="unknown-kernel"),
    pytest.param({"size": 1024, "kernel": 1}, "kernel", id="kernel-not-string"),
    pytest.param({"size": 1024, "workload": "mandelbrot"}, "workload", id="unknown-workload"),
    pytest.param({"size": 1024, "workload": None}, "workload", id="null-workload"),
    pytest.param([1024], "input", id="list-input"),
    pytest.param(None, "input", id="null-input"),
    pytest.param("1024", "input", id="string-input"),
    pytest.param({"size": 1024, "pad": "x" * 20_000}, "input", id="oversized"),
    pytest.param({"size": 1024, "fault": {"transient": {"chunks": [0]}}}, "fault", id="fault-off"),
    pytest.param({"size": 2000, "kernel": "reference"}, "size", id="reference-too-large"),
    pytest.param(
        {"size": 10, "workload": "repro_check", "kernel": "fast"},
        "kernel",
        id="field-of-another-workload",
    ),
    pytest.param({"size": 10, "workload": "repro_check", "job": "rm"}, "job", id="unknown-job"),
    pytest.param(
        {"size": 10, "workload": "repro_check", "job_size": 0}, "job_size", id="bad-job-size"
    ),
]


@pytest.mark.parametrize(("execution_input", "field"), BAD_INPUTS)
def test_bad_input_is_refused_naming_the_field(
    fake_s3: FakeS3, execution_input: Any, field: str
) -> None:
    with pytest.raises(InvalidInputError) as info:
        plan(execution_input)
    cause = str(info.value)
    assert cause.startswith(f"{field}: "), cause
    assert len(cause) > len(field) + 10  # says why, not just where
    assert fake_s3.puts == []  # nothing planned


def test_cause_says_why(fake_s3: FakeS3) -> None:
    with pytest.raises(
        InvalidInputError,
        match=r"^size: expected an integer from 1 to 1000000, "
        r"got boolean true$",
    ):
        plan({"size": True})
    with pytest.raises(InvalidInputError, match=r"^size: must be from 1 to 1000000, got 0$"):
        plan({"size": 0})


def test_error_type_is_the_class_name() -> None:
    assert InvalidInputError.__name__ == "InvalidInputError"


def test_max_size_comes_from_the_environment(
    fake_s3: FakeS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_SIZE", "100")
    with pytest.raises(InvalidInputError, match=r"^size: must be from 1 to 100, got 101$"):
        plan({"size": 101})
    assert plan({"size": 100})["run"]["params"]["size"] == 100


@pytest.mark.parametrize("name", ["", "a/b", "x" * 81, None, ".."])
def test_bad_execution_name_is_refused(fake_s3: FakeS3, name: Any) -> None:
    with pytest.raises(InvalidInputError, match=r"^execution_name: "):
        plan({"size": 8}, name=name)


def test_good_input_plans_under_the_run_prefix(fake_s3: FakeS3) -> None:
    # GIVEN a valid input WHEN planned
    out = plan({"size": 1000, "chunk_size": 300, "kernel": "fast"}, name="exec-42")
    # THEN the plan follows the contract and the chunk list is in S3 under the run's prefix
    assert out == {
        "run": {
            "run_id": "exec-42",
            "bucket": "fanout-unit-results",
            "workload": "utf8_count",
            "params": {"size": 1000, "chunk_size": 300, "kernel": "fast"},
            "encoding": "hex",
        },
        "bucket": "fanout-unit-results",
        "chunks_key": "runs/exec-42/chunks.json",
        "results_prefix": "runs/exec-42/results",
        "chunk_count": 4,
    }
    import json

    chunks = json.loads(fake_s3.text("fanout-unit-results", "runs/exec-42/chunks.json"))
    assert chunks == [
        {"chunk_id": 0, "start": 0, "stop": 300, "backend": "lambda"},
        {"chunk_id": 1, "start": 300, "stop": 600, "backend": "lambda"},
        {"chunk_id": 2, "start": 600, "stop": 900, "backend": "lambda"},
        {"chunk_id": 3, "start": 900, "stop": 1000, "backend": "lambda"},
    ]


def test_default_workload_comes_from_the_environment(
    fake_s3: FakeS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFAULT_WORKLOAD", "repro_check")
    out = plan({"size": 3})
    assert out["run"]["workload"] == "repro_check"
    assert out["run"]["params"] == {
        "size": 3,
        "chunk_size": 1,
        "job": "float_sum",
        "job_size": 20_000,
    }
