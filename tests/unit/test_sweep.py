"""Sweeps in-process: the sweep plan checks every job spec with the fan-out's validation
before anything is written, each job's run lives under the sweep's prefix, and the report
names failed and differing jobs."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sweep_plan_handler
import sweep_report_handler

from fanout.errors import InvalidInputError
from tests.support.fakes import FakeLambdaContext, FakeS3
from tests.support.pipeline import ChildResult, Pipeline, write_result_writer
from tests.unit.conftest import BUCKET

pytestmark = pytest.mark.unit

FANOUT_ARN = "arn:aws:states:us-east-1:000000000000:execution:fanout-fanout"


def plan_sweep(sweep_input: Any, name: str = "sweep1") -> dict[str, Any]:
    return sweep_plan_handler.handler(
        {"execution_name": name, "input": sweep_input}, FakeLambdaContext()
    )


def run_sweep(
    pipeline: Pipeline, fake_s3: FakeS3, plan: dict[str, Any], run_jobs: list[int] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run the jobs as the sweep map does (each a fan-out run), then the report."""
    items = json.loads(fake_s3.text(BUCKET, plan["jobs_key"]))
    children = []
    for item in items:
        if run_jobs is not None and item["job"] not in run_jobs:
            continue
        arn = f"{FANOUT_ARN}:job-{item['job']}"
        try:
            summary = pipeline.reduce(
                fan_plan := pipeline.plan(item["input"], name=f"job-{item['job']}"),
                pipeline.compute_all(fan_plan),
            )
            if summary["verdict"] != "OK":
                raise RuntimeError((summary["error"], summary["cause"]))
        except (RuntimeError, InvalidInputError) as exc:
            error, cause = exc.args[0] if isinstance(exc, RuntimeError) else ("x", str(exc))
            described = {"ExecutionArn": arn, "Status": "FAILED", "Error": error, "Cause": cause}
            children.append(
                ChildResult(
                    {}, item, "FAILED", error="States.TaskFailed", cause=json.dumps(described)
                )
            )
            continue
        output = {"execution_arn": arn, "summary": summary}
        children.append(ChildResult({}, item, "SUCCEEDED", output=output))
    writer = write_result_writer(fake_s3, BUCKET, plan["results_prefix"], children, name="sweep")
    out = sweep_report_handler.handler(
        {"plan": plan, "map": {"ResultWriterDetails": writer}}, FakeLambdaContext()
    )
    report = fake_s3.text(BUCKET, f"runs/{plan['sweep_id']}/sweep_report.jsonl")
    return out, [json.loads(line) for line in report.splitlines()]


def test_each_job_runs_under_the_sweeps_prefix_and_is_reported_exactly(
    pipeline: Pipeline, fake_s3: FakeS3
) -> None:
    # GIVEN a sweep of three utf8_count jobs
    plan = plan_sweep({"jobs": [{"size": 64}, {"size": 128, "chunk_size": 16}, {"size": 1}]})
    assert plan == {
        "sweep_id": "sweep1",
        "bucket": BUCKET,
        "jobs_key": "runs/sweep1/jobs.json",
        "results_prefix": "runs/sweep1/sweep-results",
        "job_count": 3,
        "check": "none",
    }
    items = json.loads(fake_s3.text(BUCKET, plan["jobs_key"]))
    assert items[1] == {
        "job": 1,
        "input": {"size": 128, "chunk_size": 16, "sweep": {"run_id": "sweep1", "job": 1}},
    }
    # WHEN every job runs and the report is made
    out, lines = run_sweep(pipeline, fake_s3, plan)
    # THEN each job's data is under runs/sweep1/jobs/<job>/, and each summary is exact
    for job in range(3):
        assert f"runs/sweep1/jobs/{job}/chunks.json" in fake_s3.keys(BUCKET)
        assert f"runs/sweep1/jobs/{job}/result.txt" in fake_s3.keys(BUCKET)
    assert [line["summary"]["total_sum"] for line in lines] == [
        str(pipeline_total(64)),
        str(pipeline_total(128)),
        "1",
    ]
    assert [line["summary"]["run_id"] for line in lines] == [f"sweep1/jobs/{n}" for n in range(3)]
    assert out == {
        "sweep_id": "sweep1",
        "verdict": "OK",
        "jobs": 3,
        "succeeded": 3,
        "failed": 0,
        "not_run": 0,
        "check": "none",
        "report_s3_uri": f"s3://{BUCKET}/runs/sweep1/sweep_report.jsonl",
    }
    assert json.loads(fake_s3.text(BUCKET, "runs/sweep1/sweep_summary.json")) == out


def pipeline_total(size: int) -> int:
    from tests.support import utf8_reference

    return int(utf8_reference.total(size))


def test_failed_and_unrun_jobs_are_named(pipeline: Pipeline, fake_s3: FakeS3) -> None:
    # GIVEN a sweep whose job 1 finds differences and whose job 3 never ran
    jobs = [
        {"size": 8},
        {"workload": "repro_check", "size": 3, "job": "float_sum_shuffled"},
        {"size": 9},
        {"size": 10},
    ]
    plan = plan_sweep({"jobs": jobs})
    out, lines = run_sweep(pipeline, fake_s3, plan, run_jobs=[0, 1, 2])
    # THEN the verdict fails with JobsFailedError naming jobs 1 and 3
    assert out["verdict"] == "FAILED"
    assert out["error"] == "JobsFailedError"
    assert (out["succeeded"], out["failed"], out["not_run"]) == (2, 1, 1)
    assert out["failed_jobs"] == [1, 3]
    assert out["cause"].startswith(
        "2 of 4 jobs did not succeed (jobs 1, 3): job 1 DifferencesFound: 3 runs"
    )
    assert "job 3 not run" in out["cause"]
    assert lines[1]["status"] == "FAILED"
    assert lines[1]["error"] == "DifferencesFound"
    assert lines[1]["execution_arn"] == f"{FANOUT_ARN}:job-1"
    assert lines[3] == {"job": 3, "status": "NOT_RUN"}


def test_identical_check_names_the_differing_jobs(pipeline: Pipeline, fake_s3: FakeS3) -> None:
    # GIVEN three jobs, one of which computes something else
    plan = plan_sweep({"jobs": [{"size": 20}, {"size": 20}, {"size": 21}], "check": "identical"})
    out, _ = run_sweep(pipeline, fake_s3, plan)
    assert out["verdict"] == "DIFFERENT"
    assert out["error"] == "DifferencesFound"
    assert out["differing_jobs"] == [2]
    assert out["cause"].endswith("Jobs differing from the most common result (1): 2")


def test_repeated_identical_jobs_agree(pipeline: Pipeline, fake_s3: FakeS3) -> None:
    job = {"workload": "repro_check", "size": 2, "job": "float_sum", "job_size": 500}
    plan = plan_sweep({"jobs": {"repeat": 4, "job": job}, "check": "identical"})
    assert plan["job_count"] == 4
    out, lines = run_sweep(pipeline, fake_s3, plan)
    assert out["verdict"] == "OK"
    assert {line["summary"]["result_sha256"] for line in lines} == {out["digest"]}


def test_a_jobs_file_in_s3_is_read_line_by_line(fake_s3: FakeS3) -> None:
    body = b'{"size": 4}\n\n{"size": 5, "chunk_size": 2}\n'
    fake_s3.put_object(Bucket=BUCKET, Key="jobs/p.jsonl", Body=body)
    plan = plan_sweep({"jobs": {"jsonl": f"s3://{BUCKET}/jobs/p.jsonl"}})
    items = json.loads(fake_s3.text(BUCKET, plan["jobs_key"]))
    assert [item["input"]["size"] for item in items] == [4, 5]


@pytest.mark.parametrize(
    ("sweep_input", "file_body", "message"),
    [
        ({"jobs": []}, None, "jobs: the array is empty"),
        ({"jobs": [{"size": 4}, {"size": 0}]}, None, "jobs[1]: size: must be from 1 to"),
        ({"jobs": [{"size": 4}, "x"]}, None, "jobs[1]: input: expected a JSON object"),
        ({"jobs": [{"size": 4, "sweep": {}}]}, None, "jobs[0]: sweep: set by the sweep itself"),
        (
            {"jobs": {"repeat": 2, "job": {"size": 2, "kernel": "x"}}},
            None,
            "jobs[0] (jobs.job): kernel:",
        ),
        ({"jobs": [{"size": 1}], "check": "same"}, None, "check: must be one of identical, none"),
        ({"jobs": [{"size": 1}], "extra": 1}, None, "extra: unknown field in input"),
        ({}, None, "jobs: required"),
        ("x", None, "input: expected a JSON object"),
        ({"jobs": {"jsonl": "s3://b/jobs/p.jsonl"}}, None, "is outside the location"),
        ({"jobs": {"jsonl": f"s3://{BUCKET}/other/p.jsonl"}}, None, "is outside the location"),
        ({"jobs": {"jsonl": f"s3://{BUCKET}/jobs/none.jsonl"}}, None, "does not exist"),
        (
            {"jobs": {"jsonl": f"s3://{BUCKET}/jobs/p.jsonl"}},
            b"",
            "holds no job specs (the file is empty)",
        ),
        ({"jobs": {"jsonl": f"s3://{BUCKET}/jobs/p.jsonl"}}, b"\n \n", "holds no job specs"),
        (
            {"jobs": {"jsonl": f"s3://{BUCKET}/jobs/p.jsonl"}},
            b'{"size": 4}\n{"size": 4,\n',
            f"jobs[1] (line 2 of s3://{BUCKET}/jobs/p.jsonl): not JSON",
        ),
        (
            {"jobs": {"jsonl": f"s3://{BUCKET}/jobs/p.jsonl"}},
            b'{"size": 4}\n\n{"size": -1}\n',
            f"jobs[1] (line 3 of s3://{BUCKET}/jobs/p.jsonl): size: must be from 1 to",
        ),
    ],
)
def test_an_invalid_sweep_is_refused_naming_the_job_and_writes_nothing(
    fake_s3: FakeS3, sweep_input: Any, file_body: bytes | None, message: str
) -> None:
    if file_body is not None:
        fake_s3.put_object(Bucket=BUCKET, Key="jobs/p.jsonl", Body=file_body)
    before = list(fake_s3.puts)
    with pytest.raises(InvalidInputError) as caught:
        plan_sweep(sweep_input)
    assert message in str(caught.value)
    assert fake_s3.puts == before


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("x", "sweep: expected an object"),
        ({"run_id": "a/b", "job": 0}, "sweep.run_id: expected 1-80 characters"),
        ({"run_id": "s", "job": -1}, "sweep.job: must be from 0 to"),
        ({"run_id": "s", "job": 0, "more": 1}, "more: unknown field in sweep"),
    ],
)
def test_the_fanout_refuses_a_malformed_sweep_tag(
    pipeline: Pipeline, tag: Any, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        pipeline.plan({"size": 4, "sweep": tag})


def test_a_failed_map_run_is_reported_from_its_manifest(
    pipeline: Pipeline, fake_s3: FakeS3
) -> None:
    # GIVEN the sweep map failed (tolerance exceeded): the Catch output has no ResultWriterDetails
    plan = plan_sweep({"jobs": [{"size": 3}, {"size": 4}]})
    item = json.loads(fake_s3.text(BUCKET, plan["jobs_key"]))[0]
    failed = ChildResult({}, item, "FAILED", error="States.TaskFailed", cause="not JSON")
    write_result_writer(fake_s3, BUCKET, plan["results_prefix"], [failed])
    caught = {"Error": "States.ExceedToleratedFailureThreshold", "Cause": "threshold"}
    out = sweep_report_handler.handler({"plan": plan, "map": caught}, FakeLambdaContext())
    # THEN the report still names both jobs: one failed, one never run
    assert out["failed_jobs"] == [0, 1]
    assert out["map_error"] == "States.ExceedToleratedFailureThreshold"
    assert "job 0 States.TaskFailed: not JSON; job 1 not run" in out["cause"]
