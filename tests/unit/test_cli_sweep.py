"""``fanout sweep`` and ``fanout estimate --jobs``: the jobs the command line gives, and
what they print (no AWS)."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import pytest

from fanout_cli.commands.sweep import format_sweep_outcome, jobs_of
from fanout_cli.jobs import INLINE_LIMIT_BYTES, fits_inline, load_jobs, sweep_input
from fanout_cli.main import main
from fanout_cli.resolve import UsageError

pytestmark = pytest.mark.unit


def args(**kw: Any) -> argparse.Namespace:
    return argparse.Namespace(**{"jobs_file": None, "repeat": None, "job": None, **kw})


def test_a_jobs_file_gives_one_spec_a_line(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    path.write_text('{"size": 4}\n\n{"size": 5}\n')
    assert jobs_of(args(jobs_file=str(path))) == [{"size": 4}, {"size": 5}]


def test_repeat_gives_n_copies_of_one_job() -> None:
    assert jobs_of(args(repeat=3, job='{"size": 2}')) == {"repeat": 3, "job": {"size": 2}}
    assert sweep_input(jobs_of(args(repeat=2, job='{"size": 2}')), "identical") == {
        "jobs": {"repeat": 2, "job": {"size": 2}},
        "check": "identical",
    }


@pytest.mark.parametrize(
    ("kw", "body", "message"),
    [
        ({}, None, "which jobs?"),
        ({"repeat": 2}, None, "which jobs?"),
        ({"repeat": 2, "job": "[1]"}, None, "--job: expected a JSON object"),
        ({"repeat": 2, "job": "{"}, None, "--job: not JSON"),
        ({"jobs_file": "JOBS", "repeat": 2}, b"", "not both"),
        ({"jobs_file": "JOBS"}, b"", "holds no job specs (the file is empty)"),
        ({"jobs_file": "JOBS"}, b'{"size": 1}\n{"size":\n', "line 2: not JSON"),
        ({"jobs_file": "missing.jsonl"}, None, "does not exist"),
    ],
)
def test_jobs_the_command_cannot_send_are_refused_naming_the_line(
    tmp_path: Path, kw: dict[str, Any], body: bytes | None, message: str
) -> None:
    if body is not None:
        (tmp_path / "jobs.jsonl").write_bytes(body)
    if kw.get("jobs_file") == "JOBS":
        kw = {**kw, "jobs_file": str(tmp_path / "jobs.jsonl")}
    elif "jobs_file" in kw:
        kw = {**kw, "jobs_file": str(tmp_path / kw["jobs_file"])}
    with pytest.raises(UsageError, match=re.escape(message)):
        jobs_of(args(**kw))


def test_large_sweeps_go_through_a_jobs_file_in_s3() -> None:
    small = sweep_input([{"size": 1}] * 10, "none")
    assert fits_inline(small)
    big = sweep_input([{"size": 1}] * (INLINE_LIMIT_BYTES // 10), "none")
    assert not fits_inline(big)
    assert load_jobs('{"size": 1}\n', "f") == [{"size": 1}]


def test_the_outcome_names_the_report() -> None:
    text = format_sweep_outcome(
        {
            "sweep_id": "sw",
            "jobs": 3,
            "succeeded": 3,
            "failed": 0,
            "not_run": 0,
            "report_s3_uri": "s3://b/runs/sw/sweep_report.jsonl",
            "digest": "ab",
        }
    )
    assert text == (
        "sweep sw: 3 jobs, 3 succeeded, 0 failed, 0 not run\n"
        "  report: s3://b/runs/sw/sweep_report.jsonl\n"
        "  every job's result has sha256 ab"
    )


def test_estimate_jobs_prints_each_job_and_the_total(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "jobs.jsonl"
    path.write_text('{"size": 1024}\n{"size": 2048}\n')
    assert main(["estimate", "--jobs", str(path), "--sweep-max-concurrency", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["jobs"] == 2 and out["max_concurrency"] == 1
    assert [job["size"] for job in out["job_estimates"]] == [1024, 2048]


def test_estimate_jobs_names_a_job_it_cannot_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "jobs.jsonl"
    path.write_text('{"size": 4}\n{"workload": "repro_check", "size": 2}\n')
    assert main(["estimate", "--jobs", str(path)]) == 2
    assert "job 1: the estimate models utf8_count runs only" in capsys.readouterr().err
