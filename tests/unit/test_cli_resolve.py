"""Execution names and ARNs, Terraform outputs, the execution input, summaries."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from fanout_cli.resolve import (
    UsageError,
    build_input,
    execution_arn,
    new_execution_name,
    parse_s3_uri,
    region_from_arn,
    state_machine_arn_from_output,
    validate_execution_name,
)
from fanout_cli.summary import format_status, format_summary, status_record

pytestmark = pytest.mark.unit

MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:fanout-sm"


def test_execution_arn_from_a_name() -> None:
    assert (
        execution_arn("run-7", MACHINE)
        == "arn:aws:states:eu-west-1:123456789012:execution:fanout-sm:run-7"
    )


def test_execution_arn_passes_through() -> None:
    arn = "arn:aws:states:eu-west-1:123456789012:execution:fanout-sm:run-7"
    assert execution_arn(arn, None) == arn


@pytest.mark.parametrize(
    ("ref", "machine", "match"),
    [
        ("run-7", None, "--state-machine-arn"),
        ("arn:aws:states:eu-west-1:123456789012:stateMachine:x", None, "not an execution ARN"),
        ("bad name!", MACHINE, "neither"),
        ("run-7", "arn:aws:lambda:eu-west-1:123456789012:function:f", "not a state machine ARN"),
    ],
)
def test_execution_arn_refusals(ref: str, machine: str | None, match: str) -> None:
    with pytest.raises(UsageError, match=match):
        execution_arn(ref, machine)


def test_region_from_arn() -> None:
    assert region_from_arn(MACHINE) == "eu-west-1"
    assert region_from_arn("not-an-arn") is None


def test_terraform_output() -> None:
    text = json.dumps(
        {"state_machine_arn": {"sensitive": False, "type": "string", "value": MACHINE}}
    )
    assert state_machine_arn_from_output(text) == MACHINE
    with pytest.raises(UsageError, match="terraform apply"):
        state_machine_arn_from_output("{}")
    with pytest.raises(UsageError, match="JSON"):
        state_machine_arn_from_output("Warning: No outputs found")


def test_new_execution_name_is_valid() -> None:
    name = new_execution_name(1024, datetime(2026, 11, 23, 20, 15, tzinfo=UTC), "3f2a9c")
    assert name == "fanout-1024-20261123T201500Z-3f2a9c"
    assert validate_execution_name(name) == name
    with pytest.raises(UsageError):
        validate_execution_name("x" * 81)


def test_build_input() -> None:
    assert build_input(1024, None) == {"size": 1024}
    assert build_input(None, '{"size": 8, "kernel": "fast"}', chunk_size=4, kernel="reference") == {
        "size": 8,
        "kernel": "reference",
        "chunk_size": 4,
    }
    assert build_input(5, None, workload="repro_check") == {"size": 5, "workload": "repro_check"}
    with pytest.raises(UsageError, match="needs a size"):
        build_input(None, '{"kernel": "fast"}')
    with pytest.raises(UsageError, match="JSON object"):
        build_input(None, "[1]")
    with pytest.raises(UsageError, match="not both"):
        build_input(1, "{}")


def test_parse_s3_uri() -> None:
    assert parse_s3_uri("s3://b/runs/x/result.txt") == ("b", "runs/x/result.txt")
    with pytest.raises(ValueError):
        parse_s3_uri("s3://b")


def test_summary_with_and_without_the_number() -> None:
    desc = {
        "status": "SUCCEEDED",
        "startDate": datetime(2026, 1, 1, tzinfo=UTC),
        "stopDate": datetime(2026, 1, 1, 0, 0, 3, tzinfo=UTC),
        "output": json.dumps(
            {
                "verdict": "OK",
                "digits": 4,
                "sha256": "s",
                "result_s3_uri": "s3://b/k",
                "total_sum": "1234",
            }
        ),
    }
    lines = format_summary("ARN", desc, print_limit=4).splitlines()
    assert lines[1] == "status         SUCCEEDED in 3.0 s"
    assert lines[-2:] == ["total_sum", "1234"]
    text = format_summary("ARN", desc, print_limit=3)
    assert "1234" not in text
    assert "4 digits, over --print-limit 3" in text
    record = status_record("ARN", desc, None, "Done", None)
    assert record["duration_s"] == 3.0
    assert "total_sum" not in record["output"]


def test_status_text_says_the_map_counts_child_executions() -> None:
    # GIVEN a map run whose 16 items (chunks) ran as 16 child executions
    desc = {"name": "r", "status": "RUNNING", "startDate": datetime(2026, 1, 1, tzinfo=UTC)}
    map_run = {
        "mapRunArn": "M",
        "status": "RUNNING",
        "itemCounts": {"total": 16, "succeeded": 9, "running": 4, "pending": 3},
    }
    # WHEN the status is shown as text
    text = format_status(status_record("ARN", desc, map_run, "FanOut", None))
    # THEN the counts are named as child executions, not items
    assert (
        "map run        RUNNING: 9/16 child executions succeeded, 0 failed, 0 timed out, "
        "0 aborted, 4 running, 3 pending"
    ) in text
