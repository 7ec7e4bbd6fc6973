"""Sweeps end to end: one fan-out execution per job spec, started by the sweep's Distributed
Map with states:startExecution.sync:2, every job's data under the sweep's prefix, a JSONL
report, and named failures (failed jobs, invalid job specs, an empty jobs file)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.stack import client, list_keys, run, unique_name
from tests.support import utf8_reference

pytestmark = pytest.mark.e2e


def report_lines(s3: Any, bucket: str, sweep_id: str) -> list[dict[str, Any]]:
    body = s3.get_object(Bucket=bucket, Key=f"runs/{sweep_id}/sweep_report.jsonl")["Body"].read()
    return [json.loads(line) for line in body.decode().splitlines()]


def test_a_sweep_runs_each_job_exactly_under_its_prefix(deployed_stack: dict[str, Any]) -> None:
    # GIVEN three utf8_count jobs
    sfn, s3 = client("stepfunctions"), client("s3")
    bucket = deployed_stack["results_bucket_name"]
    sizes = [40, 64, 1]
    jobs = [{"size": 40, "chunk_size": 20}, {"size": 64}, {"size": 1}]
    # WHEN the sweep runs them
    desc = run(sfn, deployed_stack["sweep_state_machine_arn"], {"jobs": jobs})
    # THEN it succeeds with exact totals per job, each run kept under runs/<sweep>/jobs/<n>/
    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    sweep_id = desc["name"]
    out = json.loads(desc["output"])
    assert out == {
        "sweep_id": sweep_id,
        "verdict": "OK",
        "jobs": 3,
        "succeeded": 3,
        "failed": 0,
        "not_run": 0,
        "check": "none",
        "report_s3_uri": f"s3://{bucket}/runs/{sweep_id}/sweep_report.jsonl",
    }
    lines = report_lines(s3, bucket, sweep_id)
    assert [line["job"] for line in lines] == [0, 1, 2]
    assert [line["summary"]["total_sum"] for line in lines] == [
        str(utf8_reference.total(n)) for n in sizes
    ]
    assert [line["summary"]["run_id"] for line in lines] == [
        f"{sweep_id}/jobs/{n}" for n in range(3)
    ]
    keys = list_keys(s3, bucket, f"runs/{sweep_id}/")
    for n in range(3):
        assert f"runs/{sweep_id}/jobs/{n}/result.txt" in keys
        assert f"runs/{sweep_id}/jobs/{n}/chunks.json" in keys
    # every key of the sweep is under its prefix: its own files and its jobs' runs
    assert {k.split("/")[2] for k in keys} == {
        "jobs.json",
        "jobs",
        "sweep-results",
        "sweep_report.jsonl",
        "sweep_summary.json",
    }
    # the sweep's ResultWriter recorded the sweep's own map run, not one of its jobs' map runs
    # (they ran at the same time, each with a ResultWriter of its own)
    (manifest_key,) = [k for k in keys if "/sweep-results/" in k and k.endswith("/manifest.json")]
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    sweep_name = deployed_stack["sweep_state_machine_arn"].rsplit(":", 1)[1]
    assert f":mapRun:{sweep_name}/" in manifest["MapRunArn"]
    assert manifest_key.startswith(f"runs/{sweep_id}/sweep-results/")
    fanout_arns = {line["execution_arn"].rsplit(":", 1)[0] for line in lines}
    assert fanout_arns == {
        deployed_stack["state_machine_arn"].replace(":stateMachine:", ":execution:")
    }


def test_a_failed_job_is_named_and_the_others_still_run(deployed_stack: dict[str, Any]) -> None:
    sfn, s3 = client("stepfunctions"), client("s3")
    bucket = deployed_stack["results_bucket_name"]
    jobs = [
        {"size": 8},
        {"workload": "repro_check", "size": 2, "job": "float_sum_shuffled", "job_size": 20000},
        {"size": 9},
    ]
    desc = run(sfn, deployed_stack["sweep_state_machine_arn"], {"jobs": jobs})
    assert desc["status"] == "FAILED"
    assert desc["error"] == "JobsFailedError"
    assert desc["cause"].startswith(
        "1 of 3 jobs did not succeed (jobs 1): job 1 DifferencesFound: "
    )
    lines = report_lines(s3, bucket, desc["name"])
    assert [line["status"] for line in lines] == ["SUCCEEDED", "FAILED", "SUCCEEDED"]
    assert lines[1]["error"] == "DifferencesFound"
    assert lines[2]["summary"]["total_sum"] == str(utf8_reference.total(9))


@pytest.mark.parametrize(
    ("sweep_input", "cause"),
    [
        (
            {"jobs": [{"size": 4}, {"size": 4, "kernel": "quick"}]},
            "jobs[1]: kernel: must be one of",
        ),
        ({"jobs": []}, "jobs: the array is empty"),
    ],
)
def test_an_invalid_job_spec_fails_the_sweep_before_any_job_starts(
    deployed_stack: dict[str, Any], sweep_input: dict[str, Any], cause: str
) -> None:
    sfn, s3 = client("stepfunctions"), client("s3")
    bucket = deployed_stack["results_bucket_name"]
    desc = run(sfn, deployed_stack["sweep_state_machine_arn"], sweep_input)
    assert desc["status"] == "FAILED"
    assert desc["error"] == "InvalidInputError"
    assert desc["cause"].startswith(cause)
    assert list_keys(s3, bucket, f"runs/{desc['name']}/") == []


def run_jobs_file(deployed_stack: dict[str, Any], body: bytes) -> tuple[dict[str, Any], str]:
    """Run a sweep of a jobs file uploaded under jobs/ (removed afterwards)."""
    sfn, s3 = client("stepfunctions"), client("s3")
    bucket = deployed_stack["results_bucket_name"]
    key = f"jobs/{unique_name('jobs')}.jsonl"
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    try:
        uri = f"s3://{bucket}/{key}"
        return run(sfn, deployed_stack["sweep_state_machine_arn"], {"jobs": {"jsonl": uri}}), uri
    finally:
        s3.delete_object(Bucket=bucket, Key=key)


def test_an_empty_jobs_file_fails_the_sweep_naming_the_file(
    deployed_stack: dict[str, Any],
) -> None:
    desc, uri = run_jobs_file(deployed_stack, b"")
    assert desc["status"] == "FAILED"
    assert desc["error"] == "InvalidInputError"
    assert desc["cause"] == f"jobs.jsonl: {uri} holds no job specs (the file is empty)"
    bucket = deployed_stack["results_bucket_name"]
    assert list_keys(client("s3"), bucket, f"runs/{desc['name']}/") == []


def test_a_jobs_file_runs_one_job_per_line(deployed_stack: dict[str, Any]) -> None:
    desc, _ = run_jobs_file(deployed_stack, b'{"size": 5}\n{"size": 6}\n')
    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    lines = report_lines(client("s3"), deployed_stack["results_bucket_name"], desc["name"])
    assert [line["summary"]["total_sum"] for line in lines] == [
        str(utf8_reference.total(5)),
        str(utf8_reference.total(6)),
    ]
