"""Following an execution with a fake Step Functions client (no AWS, no real time)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fanout_cli import awsconfig
from fanout_cli import main as cli
from fanout_cli.follow import FollowOptions, follow_and_report
from fanout_cli.summary import current_state, execution_failure, failure_from_history

pytestmark = pytest.mark.unit

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:fanout"
EXEC = "arn:aws:states:us-east-1:123456789012:execution:fanout:run-1"
MAP_RUN = "arn:aws:states:us-east-1:123456789012:mapRun:fanout/FanOut:abc"
T0 = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
TOTAL = "1" * 30


@dataclass
class Step:
    """What the fake service reports at one poll."""

    status: str = "RUNNING"
    state: str | None = None
    counts: dict[str, int] | None = None
    output: dict[str, Any] | None = None
    error: str | None = None
    cause: str | None = None
    failure_event_only: bool = False  # error/cause only in the history, not DescribeExecution


@dataclass
class FakeClock:
    now: datetime = T0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


class FakeStepFunctions:
    """Plays a scripted execution: each DescribeExecution moves to the next step."""

    def __init__(self, steps: list[Step], clock: FakeClock) -> None:
        self.steps = steps
        self.clock = clock
        self.index = -1
        self.started: list[dict[str, Any]] = []

    @property
    def step(self) -> Step:
        return self.steps[max(self.index, 0)]

    def start_execution(self, **kwargs: Any) -> dict[str, Any]:
        self.started.append(kwargs)
        return {"executionArn": EXEC, "startDate": self.clock.now}

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        assert executionArn == EXEC
        self.index = min(self.index + 1, len(self.steps) - 1)
        s = self.step
        desc: dict[str, Any] = {
            "executionArn": EXEC,
            "name": "run-1",
            "status": s.status,
            "startDate": T0,
        }
        if s.status != "RUNNING":
            desc["stopDate"] = self.clock.now
        if s.output is not None:
            desc["output"] = json.dumps(s.output)
        if s.error and not s.failure_event_only:
            desc["error"], desc["cause"] = s.error, s.cause
        return desc

    def list_map_runs(self, executionArn: str) -> dict[str, Any]:
        if self.step.counts is None:
            return {"mapRuns": []}
        return {"mapRuns": [{"mapRunArn": MAP_RUN, "startDate": T0 + timedelta(seconds=1)}]}

    def list_executions(self, mapRunArn: str, **_: Any) -> dict[str, Any]:
        assert mapRunArn == MAP_RUN
        return {"executions": []}  # children per backend: see test_cli_backends.py

    def describe_map_run(self, mapRunArn: str) -> dict[str, Any]:
        assert mapRunArn == MAP_RUN
        return {
            "mapRunArn": MAP_RUN,
            "status": "RUNNING",
            "startDate": T0 + timedelta(seconds=1),
            "maxConcurrency": 40,
            "itemCounts": self.step.counts,
        }

    def get_execution_history(self, executionArn: str, reverseOrder: bool, maxResults: int) -> Any:
        assert reverseOrder
        events: list[dict[str, Any]] = [{"id": 1, "type": "ExecutionStarted"}]
        if self.step.state:
            events.append(
                {
                    "id": 2,
                    "type": "TaskStateEntered",
                    "stateEnteredEventDetails": {"name": self.step.state},
                }
            )
        if self.step.status == "FAILED":
            events.append(
                {
                    "id": 3,
                    "type": "ExecutionFailed",
                    "executionFailedEventDetails": {
                        "error": self.step.error,
                        "cause": self.step.cause,
                    },
                }
            )
        return {"events": list(reversed(events))[:maxResults]}


def counts(succeeded: int, total: int = 16, failed: int = 0, running: int = 0) -> dict[str, int]:
    return {
        "pending": total - succeeded - failed - running,
        "running": running,
        "succeeded": succeeded,
        "failed": failed,
        "timedOut": 0,
        "aborted": 0,
        "total": total,
        "resultsWritten": succeeded,
    }


@dataclass(frozen=True)
class Followed:
    """What ``follow_and_report`` returned and printed, and the fake clock's sleeps."""

    code: int
    out: str
    err: str
    sleeps: list[float]


def follow_script(steps: list[Step], is_tty: bool = False, **options: Any) -> Followed:
    """Follow a scripted execution to its end with ``FollowOptions(**options)``."""
    clock = FakeClock()
    sfn = FakeStepFunctions(steps, clock)
    out, err = io.StringIO(), io.StringIO()
    code = follow_and_report(
        sfn,
        EXEC,
        FollowOptions(**options),
        out,
        err,
        now=clock,
        sleep=clock.sleep,
        is_tty=is_tty,
    )
    return Followed(code, out.getvalue(), err.getvalue(), clock.sleeps)


SUMMARY = {
    "verdict": "OK",
    "run_id": "run-1",
    "workload": "utf8_count",
    "size": 1024,
    "chunk_count": 16,
    "digits": 30,
    "sha256": "ab" * 32,
    "result_s3_uri": "s3://bucket/runs/run-1/result.txt",
    "total_sum": TOTAL,
}

RUN_TO_SUCCESS = [
    Step(state="Plan"),
    Step(state="FanOut", counts=counts(0, running=4)),
    Step(state="FanOut", counts=counts(8, running=4)),
    Step(state="Reduce", counts=counts(16)),
    Step(status="SUCCEEDED", state="Done", counts=counts(16), output=SUMMARY),
]


def test_running_to_succeeded_prints_summary_and_number() -> None:
    got = follow_script(RUN_TO_SUCCESS)

    assert got.code == 0
    assert got.sleeps == [2.0] * 4  # polled until the fifth look saw SUCCEEDED
    assert "status         SUCCEEDED in 8.0 s" in got.out
    assert "digits         30" in got.out
    assert f"sha256         {'ab' * 32}" in got.out
    assert "result_s3_uri  s3://bucket/runs/run-1/result.txt" in got.out
    assert got.out.rstrip().endswith(TOTAL)
    progress = got.err.splitlines()
    assert progress[0] == "Plan: running, 00:00 elapsed"
    assert progress[1].startswith("FanOut [")
    assert any(
        line.startswith("Reduce [####################] 16/16 children done") for line in progress
    )
    assert "\r" not in got.err


def test_number_over_print_limit_says_how_to_fetch_it() -> None:
    got = follow_script(RUN_TO_SUCCESS, is_tty=True, print_limit=29)
    assert got.code == 0
    assert TOTAL not in got.out
    assert f"fanout result {EXEC} -o result.txt" in got.out


def test_json_output_on_success() -> None:
    got = follow_script(RUN_TO_SUCCESS, as_json=True)
    assert got.code == 0
    data = json.loads(got.out)
    assert data["status"] == "SUCCEEDED"
    assert data["output"] == SUMMARY


@pytest.mark.parametrize("event_only", [False, True], ids=["describe", "history"])
def test_running_to_failed_exits_1_with_error_and_cause(event_only: bool) -> None:
    steps = [
        Step(state="Plan"),
        Step(state="FanOut", counts=counts(14, failed=2)),
        Step(
            status="FAILED",
            state="Reduce",
            counts=counts(14, failed=2),
            error="ChunkFailedError",
            cause="chunks 3, 7 failed: PermanentComputeError",
            failure_event_only=event_only,
        ),
    ]

    got = follow_script(steps)

    assert got.code == 1
    assert "status         FAILED after 4.0 s" in got.out
    assert "error          ChunkFailedError" in got.out
    assert "cause          chunks 3, 7 failed: PermanentComputeError" in got.out
    assert "2 failed" in got.err


def test_deadline_stops_following_with_exit_3() -> None:
    got = follow_script([Step(state="FanOut", counts=counts(1))], timeout_s=10.0)
    assert got.code == 3
    assert sum(got.sleeps) == 10.0  # 5 polls of 2 s, then the deadline
    assert f"fanout status {EXEC}" in got.err


def test_history_helpers() -> None:
    events = [
        {"id": 5, "type": "MapStateEntered", "stateEnteredEventDetails": {"name": "FanOut"}},
        {"id": 2, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "Plan"}},
        {"id": 9, "type": "ExecutionTimedOut", "executionTimedOutEventDetails": {}},
    ]
    assert current_state(events) == "FanOut"
    assert failure_from_history(events) == ("ExecutionTimedOut", "")
    assert execution_failure({"status": "ABORTED"}, []) == (
        "ABORTED",
        "(no error or cause recorded)",
    )


def test_run_command_starts_the_execution_with_the_input(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    sfn = FakeStepFunctions(RUN_TO_SUCCESS, clock)
    monkeypatch.setattr(awsconfig, "aws_client", lambda service, a, arn: sfn)
    code = cli.main(
        [
            "run",
            "--size",
            "1024",
            "--chunk-size",
            "64",
            "--state-machine-arn",
            MACHINE,
            "--name",
            "run-1",
            "--poll-interval",
            "0.001",
        ]
    )
    assert code == 0
    (call,) = sfn.started
    assert call["stateMachineArn"] == MACHINE
    assert call["name"] == "run-1"
    assert json.loads(call["input"]) == {"size": 1024, "chunk_size": 64}


def test_run_command_needs_a_state_machine(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FANOUT_STATE_MACHINE_ARN", raising=False)
    assert cli.main(["run", "--size", "8"]) == 2
    assert "--state-machine-arn" in capsys.readouterr().err


def test_status_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock()
    sfn = FakeStepFunctions([Step(state="FanOut", counts=counts(8, running=4))], clock)
    monkeypatch.setattr(awsconfig, "aws_client", lambda service, a, arn: sfn)
    assert cli.main(["status", "run-1", "--state-machine-arn", MACHINE, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["execution_arn"] == EXEC
    assert record["status"] == "RUNNING"
    assert record["state"] == "FanOut"
    assert record["map_run"]["items"]["succeeded"] == 8
    assert record["map_run"]["items"]["running"] == 4
    assert record["map_run"]["items"]["pending"] == 4
