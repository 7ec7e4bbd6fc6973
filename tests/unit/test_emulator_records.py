"""The emulator's ResultWriter records have AWS's shapes (the shared fixtures under
tests/fixtures/aws/states), whatever the child's status; no LocalStack needed."""

from __future__ import annotations

import datetime
import json
import re

import pytest

from localstack_fanout_ext import sfn_map_records as records
from tests.support import aws_fixtures

pytestmark = pytest.mark.unit

MACHINE = "arn:aws:states:us-east-1:000000000000:stateMachine:demo/FanOut"
START = datetime.datetime(2025, 2, 4, 1, 49, 50, 99000, tzinfo=datetime.UTC)
STOP = START + datetime.timedelta(milliseconds=64)
REDRIVE_KEYS = {"RedriveCount", "RedriveStatus", "RedriveStatusReason"}


def child(status: str, **fields: object) -> records.Child:
    return records.Child(
        index=0,
        name="da4e9fc7",
        input_json='{"a":1}',
        status=status,
        start=START,
        stop=STOP,
        **fields,  # type: ignore[arg-type]
    )


def test_a_succeeded_record_is_aws_example() -> None:
    aws = aws_fixtures.load("states/resultwriter_succeeded_records")[0]
    mine = records.child_record(child("SUCCEEDED", output=[1, 2]), MACHINE, express=False)
    assert set(mine) == set(aws)
    assert {k: type(v) for k, v in mine.items()} == {k: type(v) for k, v in aws.items()}
    for key in ("InputDetails", "OutputDetails", "RedriveStatus", "RedriveStatusReason"):
        assert mine[key] == aws[key]
    assert (mine["StartDate"], mine["StopDate"]) == (aws["StartDate"], "2025-02-04T01:49:50.163Z")
    assert mine["Output"] == "[1,2]"
    assert mine["ExecutionArn"] == MACHINE.replace(":stateMachine:", ":execution:") + ":da4e9fc7"


def test_a_failed_record_is_a_real_runs() -> None:
    aws = aws_fixtures.load("states/resultwriter_failed_record")
    mine = records.child_record(
        child("FAILED", error="Lambda.Unknown", cause="timed out"), MACHINE, express=False
    )
    assert set(mine) == set(aws)
    assert {k: type(v) for k, v in mine.items()} == {k: type(v) for k, v in aws.items()}
    assert mine["RedriveStatus"] == aws["RedriveStatus"] == "REDRIVABLE_BY_MAP_RUN"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", aws["StopDate"])


def test_express_and_pending_records() -> None:
    aws = aws_fixtures.load("states/resultwriter_succeeded_records")[0]
    express = records.child_record(child("SUCCEEDED", output={}), MACHINE, express=True)
    assert set(express) == set(aws) - REDRIVE_KEYS
    assert ":express:" in express["ExecutionArn"]
    pending = records.child_record(child("PENDING"), MACHINE, express=False)
    assert pending == {"Input": '{"a":1}', "InputDetails": {"Included": True}, "Status": "PENDING"}


def test_result_files_are_split_under_the_limit() -> None:
    entries = [{"n": i} for i in range(5)]
    files = records.split_records(entries, limit=20)
    assert [json.loads(f) for f in files] == [
        [{"n": 0}, {"n": 1}],
        [{"n": 2}, {"n": 3}],
        [{"n": 4}],
    ]
    assert all(len(f) <= 20 for f in files)


def test_the_express_limit_is_five_minutes_unless_a_test_shortens_it() -> None:
    assert records.express_limit(None) == records.EXPRESS_MAX_SECONDS == 300.0
    assert records.express_limit("x fanout-emulator:express-max-seconds=2.5 y") == 2.5
