"""``fanout redrive`` with a fake Step Functions client (no AWS, no real time)."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import pytest
from botocore.exceptions import ClientError

from fanout_cli import main as cli
from fanout_cli.commands.redrive import RedriveNotVisible, redrive_and_follow
from fanout_cli.follow import FollowOptions
from fanout_cli.resolve import UsageError
from tests.unit.test_cli_follow import (
    EXEC,
    SUMMARY,
    TOTAL,
    FakeClock,
    FakeStepFunctions,
    Step,
    counts,
)

pytestmark = pytest.mark.unit

THRESHOLD = "States.ExceedToleratedFailureThreshold"


class RedrivableStepFunctions(FakeStepFunctions):
    """A failed execution that a redrive brings back: from step ``visible_at`` on,
    DescribeExecution counts the redrive."""

    def __init__(self, steps: list[Step], clock: FakeClock, visible_at: int = 2) -> None:
        super().__init__(steps, clock)
        self.visible_at = visible_at
        self.redrives: list[str] = []
        self.refusal: ClientError | None = None

    def redrive_execution(self, executionArn: str) -> dict[str, Any]:
        if self.refusal is not None:
            raise self.refusal
        self.redrives.append(executionArn)
        return {"redriveDate": self.clock.now}

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        desc = super().describe_execution(executionArn)
        desc["redriveCount"] = 1 if self.redrives and self.index >= self.visible_at else 0
        if desc["status"] == "FAILED" and not desc["redriveCount"]:
            desc["redriveStatus"] = "REDRIVABLE"
        return desc


FAILED = Step(status="FAILED", state="FanOut", error=THRESHOLD, cause="2 of 10 failed")


def redrive(sfn: RedrivableStepFunctions, clock: FakeClock) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = redrive_and_follow(sfn, EXEC, FollowOptions(), now=clock, sleep=clock.sleep)
    return code, out.getvalue(), err.getvalue()


def test_a_failed_execution_is_redriven_and_followed_to_its_result() -> None:
    # GIVEN a failed execution; DescribeExecution shows the redrive one poll late
    clock = FakeClock()
    steps = [
        FAILED,
        FAILED,
        Step(state="FanOut", counts=counts(8, total=10, running=2)),
        Step(status="SUCCEEDED", state="Done", counts=counts(10, total=10), output=SUMMARY),
    ]
    sfn = RedrivableStepFunctions(steps, clock)
    # WHEN it is redriven
    code, out, err = redrive(sfn, clock)
    # THEN RedriveExecution was called once, and the redriven run was followed to its sum
    assert sfn.redrives == [EXEC]
    assert code == 0
    assert f"redriving {EXEC} (redrive 1)" in err
    assert out.rstrip().endswith(TOTAL)
    assert clock.sleeps == [1.0]  # one poll waiting for the redrive to show


@pytest.mark.parametrize("status", ["RUNNING", "SUCCEEDED"])
def test_only_an_unsuccessful_execution_can_be_redriven(status: str) -> None:
    clock = FakeClock()
    sfn = RedrivableStepFunctions([Step(status=status, output=SUMMARY)], clock)
    with pytest.raises(UsageError, match=rf"is {status}: only a FAILED, ABORTED or TIMED_OUT"):
        redrive(sfn, clock)
    assert sfn.redrives == []


def test_a_refused_redrive_names_the_reason_and_exits_1() -> None:
    clock = FakeClock()
    sfn = RedrivableStepFunctions([FAILED], clock)
    sfn.refusal = ClientError(
        {
            "Error": {
                "Code": "ExecutionNotRedrivable",
                "Message": "Execution redrivable period exceeded",
            }
        },
        "RedriveExecution",
    )
    code, out, err = redrive(sfn, clock)
    assert code == 1
    assert out == ""
    assert err.strip() == (
        f"fanout redrive: {EXEC} cannot be redriven: Execution redrivable period exceeded"
    )


def test_a_redrive_that_never_shows_is_reported() -> None:
    clock = FakeClock()
    sfn = RedrivableStepFunctions([FAILED], clock, visible_at=10**6)
    with pytest.raises(RedriveNotVisible, match=r"still shows FAILED with redriveCount 0"):
        redrive(sfn, clock)
    assert sum(clock.sleeps) == 60.0


def test_redrive_is_a_fanout_command() -> None:
    parser = cli.build_parser()
    args = parser.parse_args(["redrive", "run-1", "--state-machine-arn", "arn:x", "--json"])
    assert (args.command, args.execution, args.json, args.timeout) == (
        "redrive",
        "run-1",
        True,
        3600.0,
    )
