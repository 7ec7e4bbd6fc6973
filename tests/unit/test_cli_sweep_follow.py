"""Following a sweep with nested progress, with a fake Step Functions client."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fanout_cli import awsconfig
from fanout_cli.main import main
from fanout_cli.progress import MapCounts, ProgressPrinter
from fanout_cli.sweep_follow import (
    JobFinder,
    JobProgress,
    SweepProgress,
    follow_sweep,
    format_sweep_progress,
)

pytestmark = pytest.mark.unit

T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
SWEEP = "arn:aws:states:us-east-1:123456789012:execution:fanout-sweep:sw-1"
FANOUT = "arn:aws:states:us-east-1:123456789012:stateMachine:fanout-run"
SWEEP_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:fanout-sweep"
OUTPUT = {
    "sweep_id": "sw-1",
    "verdict": "OK",
    "jobs": 3,
    "succeeded": 3,
    "failed": 0,
    "not_run": 0,
    "report_s3_uri": "s3://b/runs/sw-1/sweep_report.jsonl",
}


def job_arn(name: str) -> str:
    return FANOUT.replace(":stateMachine:", ":execution:") + ":" + name


class FakeSweepService:
    """A sweep of 3 jobs seen over three polls; another sweep's job runs alongside."""

    def __init__(self) -> None:
        self.poll = -1
        self.described: list[str] = []
        self.inputs = {
            job_arn("a"): {"size": 8, "sweep": {"run_id": "sw-1", "job": 0}},
            job_arn("b"): {"size": 9, "sweep": {"run_id": "sw-1", "job": 1}},
            job_arn("other"): {"size": 9, "sweep": {"run_id": "sw-2", "job": 0}},
        }

    def start_execution(self, **kwargs: Any) -> dict[str, Any]:
        self.started = kwargs
        return {"executionArn": SWEEP, "startDate": T0}

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        if executionArn == SWEEP:
            self.poll += 1
            status = "RUNNING" if self.poll < 2 else "SUCCEEDED"
            desc = {"executionArn": SWEEP, "status": status, "startDate": T0}
            if status == "SUCCEEDED":
                desc["output"] = json.dumps(OUTPUT)
            return desc
        self.described.append(executionArn)
        return {"executionArn": executionArn, "input": json.dumps(self.inputs[executionArn])}

    def list_map_runs(self, executionArn: str) -> dict[str, Any]:
        if executionArn == job_arn("b") and self.poll == 0:
            return {"mapRuns": []}  # job 1 still planning
        return {"mapRuns": [{"mapRunArn": f"map:{executionArn}", "startDate": T0}]}

    def describe_map_run(self, mapRunArn: str) -> dict[str, Any]:
        if mapRunArn == f"map:{SWEEP}":
            done = [0, 1, 3][self.poll]
            return {"itemCounts": {"total": 3, "succeeded": done, "running": 3 - done}}
        return {"itemCounts": {"total": 4, "succeeded": 1 + self.poll}}

    def list_executions(self, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["stateMachineArn"] == FANOUT and kwargs["statusFilter"] == "RUNNING"
        arns = [job_arn("other"), job_arn("b"), job_arn("a")][: 3 - self.poll]
        return {"executions": [{"executionArn": arn} for arn in arns]}

    def get_execution_history(self, **_: Any) -> dict[str, Any]:
        return {"events": [{"id": 5, "stateEnteredEventDetails": {"name": "RunJobs"}}]}


def test_following_a_sweep_shows_jobs_and_the_chunks_of_running_jobs() -> None:
    sfn, lines, clock = FakeSweepService(), [], [T0]

    def sleep(seconds: float) -> None:
        clock[0] += timedelta(seconds=seconds)

    finder = JobFinder(FANOUT, "sw-1")
    desc = follow_sweep(
        sfn,
        SWEEP,
        finder,
        now=lambda: clock[0],
        sleep=sleep,
        on_progress=lambda p: lines.append(format_sweep_progress(p, bar_width=6)),
        poll_s=2.0,
    )
    assert desc["status"] == "SUCCEEDED"
    assert lines == [
        "RunJobs [------] 0/3 jobs done, 0 failed, 00:00 elapsed"
        " | job 0: chunks 1/4 | job 1: planning",
        "RunJobs [##----] 1/3 jobs done, 0 failed, 00:02 elapsed | job 1: chunks 2/4",
        "RunJobs [######] 3/3 jobs done, 0 failed, 00:04 elapsed",
    ]
    # each job's input is read once, however many polls see it
    assert sorted(sfn.described) == sorted({job_arn("a"), job_arn("b"), job_arn("other")})


def test_the_progress_printer_takes_the_sweep_formatter() -> None:
    out = io.StringIO()
    printer = ProgressPrinter(out, is_tty=False, clock=lambda: 0.0, formatter=format_sweep_progress)
    printer.update(
        SweepProgress(
            "RUNNING",
            65.0,
            "RunJobs",
            MapCounts(total=5, succeeded=2, failed=1),
            (JobProgress(4, "arn", MapCounts(total=10, succeeded=7)),),
        )
    )
    assert out.getvalue() == (
        "RunJobs [############--------] 2/5 jobs done, 1 failed, 01:05 elapsed"
        " | job 4: chunks 7/10\n"
    )


def test_fanout_sweep_starts_the_sweep_follows_it_and_prints_the_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sfn = FakeSweepService()
    monkeypatch.setattr(awsconfig, "aws_client", lambda service, args, arn: sfn)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    code = main(
        [
            "sweep",
            "--repeat",
            "3",
            "--job",
            '{"size": 8}',
            "--check",
            "identical",
            "--name",
            "sw-1",
            "--sweep-state-machine-arn",
            SWEEP_MACHINE,
            "--state-machine-arn",
            FANOUT,
        ]
    )
    assert code == 0
    assert sfn.started == {
        "stateMachineArn": SWEEP_MACHINE,
        "name": "sw-1",
        "input": json.dumps({"jobs": {"repeat": 3, "job": {"size": 8}}, "check": "identical"}),
    }
    captured = capsys.readouterr()
    assert captured.out == (
        "sweep sw-1: 3 jobs, 3 succeeded, 0 failed, 0 not run\n"
        "  report: s3://b/runs/sw-1/sweep_report.jsonl\n"
    )
    assert "| job 0: chunks 1/4 | job 1: planning" in captured.err
