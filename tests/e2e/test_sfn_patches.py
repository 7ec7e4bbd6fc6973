"""LocalStack's Step Functions behaves as AWS where the pipeline depends on it.

Each test exercises one patch of ``emulation/localstack_fanout_ext`` (``sfn_patches``) with
Pass/Fail/Choice states and S3 only (no Lambda), and fails on a LocalStack started without that
patch (``FANOUT_SFN_PATCHES=none``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.e2e.stack import start, unique_name, wait
from tests.support import aws_fixtures

pytestmark = pytest.mark.e2e

ROLE_ARN = "arn:aws:iam::000000000000:role/fanout-sfn-patches-test"
EXCEEDED_ERROR = "States.ExceedToleratedFailureThreshold"
EXCEEDED_CAUSE = "The specified tolerated failure threshold was exceeded"
# Key sets of ResultWriter records, from AWS's example and a real map run's FAILED record.
STANDARD_CHILD_KEYS = set(aws_fixtures.load("states/resultwriter_succeeded_records")[0])
EXPRESS_CHILD_KEYS = STANDARD_CHILD_KEYS - {"RedriveCount", "RedriveStatus", "RedriveStatusReason"}
FAILED_CHILD_KEYS = set(aws_fixtures.load("states/resultwriter_failed_record"))
# ResultWriter dates: 2025-02-04T01:49:50.099Z
RECORD_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@contextmanager
def state_machine(sfn: Any, definition: dict[str, Any]) -> Iterator[str]:
    arn = sfn.create_state_machine(
        name=unique_name("sfn-patches"), definition=json.dumps(definition), roleArn=ROLE_ARN
    )["stateMachineArn"]
    try:
        yield arn
    finally:
        sfn.delete_state_machine(stateMachineArn=arn)


def run(sfn: Any, arn: str, payload: Any, deadline_s: float = 120.0) -> dict[str, Any]:
    return wait(sfn, start(sfn, arn, payload, name=unique_name("run")), deadline_s)


def map_run_of(sfn: Any, execution_arn: str) -> dict[str, Any]:
    runs = sfn.list_map_runs(executionArn=execution_arn)["mapRuns"]
    assert len(runs) == 1, runs
    return sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"])


def read_json(s3: Any, bucket: str, key: str) -> tuple[Any, int]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return json.loads(body), len(body)


def fanout_definition(
    *,
    bucket: str | None = None,
    tolerance: dict[str, Any] | None = None,
    child_states: dict[str, Any] | None = None,
    child_start: str = "Check",
    execution_type: str = "STANDARD",
) -> dict[str, Any]:
    """A Distributed Map over ``$.items``; a child fails (Fail with ErrorPath/CausePath) when
    its item is ``{"bad": true}`` and otherwise returns ``{"index", "value"}``."""
    states = child_states or {
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.item.bad", "IsPresent": True, "Next": "Broken"}],
            "Default": "Shape",
        },
        "Broken": {
            "Type": "Fail",
            "ErrorPath": "$.item.error",
            "CausePath": "States.Format('item {} is broken', $.index)",
        },
        "Shape": {
            "Type": "Pass",
            "Parameters": {"index.$": "$.index", "value.$": "$.item.value"},
            "End": True,
        },
    }
    fan_out: dict[str, Any] = {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemSelector": {"index.$": "$$.Map.Item.Index", "item.$": "$$.Map.Item.Value"},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": execution_type},
            "StartAt": child_start,
            "States": states,
        },
        "MaxConcurrency": 4,
        "ResultPath": "$.map",
        "End": True,
    }
    if bucket is not None:
        fan_out["ResultWriter"] = {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": bucket, "Prefix.$": "$.prefix"},
        }
    fan_out.update(tolerance or {})
    return {"StartAt": "FanOut", "States": {"FanOut": fan_out}}


def items(count: int, bad: set[int]) -> list[dict[str, Any]]:
    return [
        {"bad": True, "error": "ItemBroken"} if index in bad else {"value": index * 10}
        for index in range(count)
    ]


def test_result_writer_writes_aws_format_files(clients: dict[str, Any], bucket: str) -> None:
    # GIVEN a Distributed Map with a ResultWriter that tolerates one failed child
    sfn, s3 = clients["sfn"], clients["s3"]
    definition = fanout_definition(bucket=bucket, tolerance={"ToleratedFailureCount": 1})
    with state_machine(sfn, definition) as arn:
        # WHEN five items run, item 3 failing
        desc = run(sfn, arn, {"items": items(5, bad={3}), "prefix": "runs/a/results"})

    # THEN the map succeeds and its output points at the manifest as on AWS
    assert desc["status"] == "SUCCEEDED", desc
    output = json.loads(desc["output"])["map"]
    map_run_arn = output["MapRunArn"]
    map_run_id = map_run_arn.split(":")[-1]
    manifest_key = f"runs/a/results/{map_run_id}/manifest.json"
    assert output == {
        "MapRunArn": map_run_arn,
        "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key},
    }
    manifest, _ = read_json(s3, bucket, manifest_key)
    assert set(manifest) == {"DestinationBucket", "MapRunArn", "ResultFiles"}
    assert manifest["DestinationBucket"] == bucket
    assert manifest["MapRunArn"] == map_run_arn
    assert manifest["ResultFiles"]["PENDING"] == []
    directory = f"runs/a/results/{map_run_id}/"
    assert [f["Key"] for f in manifest["ResultFiles"]["SUCCEEDED"]] == [
        directory + "SUCCEEDED_0.json"
    ]
    assert [f["Key"] for f in manifest["ResultFiles"]["FAILED"]] == [directory + "FAILED_0.json"]

    succeeded, size = read_json(s3, bucket, directory + "SUCCEEDED_0.json")
    assert size == manifest["ResultFiles"]["SUCCEEDED"][0]["Size"]
    assert len(succeeded) == 4
    child_sm_prefix = arn + "/"
    for record in succeeded:
        assert set(record) == STANDARD_CHILD_KEYS
        assert RECORD_DATE.fullmatch(record["StartDate"]) and RECORD_DATE.fullmatch(
            record["StopDate"]
        )
        assert record["Status"] == "SUCCEEDED"
        assert record["StateMachineArn"].startswith(child_sm_prefix)
        assert record["ExecutionArn"].endswith(":" + record["Name"])
        assert record["InputDetails"] == {"Included": True}
        assert record["OutputDetails"] == {"Included": True}
        assert record["RedriveCount"] == 0
        assert record["RedriveStatus"] == "NOT_REDRIVABLE"
    pairs = sorted(
        ((json.loads(r["Input"]), json.loads(r["Output"])) for r in succeeded),
        key=lambda pair: pair[0]["index"],
    )
    assert pairs == [
        ({"index": i, "item": {"value": i * 10}}, {"index": i, "value": i * 10})
        for i in (0, 1, 2, 4)
    ]

    failed, size = read_json(s3, bucket, directory + "FAILED_0.json")
    assert size == manifest["ResultFiles"]["FAILED"][0]["Size"]
    assert len(failed) == 1
    assert set(failed[0]) == FAILED_CHILD_KEYS
    assert failed[0]["Status"] == "FAILED"
    # The Fail state's ErrorPath / CausePath (an intrinsic) reach the record.
    assert failed[0]["Error"] == "ItemBroken"
    assert failed[0]["Cause"] == "item 3 is broken"
    assert json.loads(failed[0]["Input"]) == {
        "index": 3,
        "item": {"bad": True, "error": "ItemBroken"},
    }


def test_failing_child_fails_the_map_run(clients: dict[str, Any], bucket: str) -> None:
    # GIVEN a Distributed Map with no tolerated failures and a ResultWriter
    sfn, s3 = clients["sfn"], clients["s3"]
    with state_machine(sfn, fanout_definition(bucket=bucket)) as arn:
        # WHEN one child of four fails
        desc = run(sfn, arn, {"items": items(4, bad={1}), "prefix": "runs/b"})
        map_run = map_run_of(sfn, desc["executionArn"])

    # THEN the execution fails with the AWS error, not a null item
    assert desc["status"] == "FAILED", desc
    assert desc["error"] == EXCEEDED_ERROR
    assert desc["cause"] == EXCEEDED_CAUSE
    assert map_run["status"] == "FAILED"
    counts = map_run["itemCounts"]
    assert counts["failed"] == 1
    assert counts["total"] == 4
    # (children not started when the run failed stay pending)
    assert counts["succeeded"] + counts["failed"] + counts["aborted"] + counts["pending"] == 4
    assert counts["running"] == 0
    # AND the ResultWriter still wrote the failed run's results (the others succeeded or
    # were stopped when the map run failed)
    map_run_id = map_run["mapRunArn"].split(":")[-1]
    manifest, _ = read_json(s3, bucket, f"runs/b/{map_run_id}/manifest.json")
    [failed_file] = manifest["ResultFiles"]["FAILED"]
    failed, _ = read_json(s3, bucket, failed_file["Key"])
    assert [(r["Error"], r["Cause"]) for r in failed if r["Status"] == "FAILED"] == [
        ("ItemBroken", "item 1 is broken")
    ]
    assert {r["Status"] for r in failed} <= {"FAILED", "ABORTED"}
    for record in failed:
        assert set(record) == FAILED_CHILD_KEYS - (
            {"Error", "Cause"} if record["Status"] == "ABORTED" else set()
        )


@pytest.mark.parametrize(
    ("tolerance", "bad", "expected"),
    [
        ({"ToleratedFailureCount": 2}, {0, 4}, "SUCCEEDED"),
        ({"ToleratedFailureCount": 2}, {0, 4, 7}, "FAILED"),
        ({"ToleratedFailurePercentage": 20}, {2, 9}, "SUCCEEDED"),
        ({"ToleratedFailurePercentage": 20}, {2, 5, 9}, "FAILED"),
        ({"ToleratedFailurePercentage": 0}, {6}, "FAILED"),
    ],
    ids=["count-within", "count-exceeded", "percent-within", "percent-exceeded", "percent-0"],
)
def test_tolerated_failures_are_honoured(
    clients: dict[str, Any], tolerance: dict[str, Any], bad: set[int], expected: str
) -> None:
    # GIVEN ten items and a tolerance (integer percentages included)
    sfn = clients["sfn"]
    with state_machine(sfn, fanout_definition(tolerance=tolerance)) as arn:
        # WHEN some children fail
        desc = run(sfn, arn, {"items": items(10, bad=bad)})
        map_run = map_run_of(sfn, desc["executionArn"])

    # THEN the run fails exactly when the tolerance is exceeded
    assert desc["status"] == expected, desc
    if expected == "FAILED":
        assert (desc["error"], desc["cause"]) == (EXCEEDED_ERROR, EXCEEDED_CAUSE)
        assert map_run["status"] == "FAILED"
    else:
        results = json.loads(desc["output"])["map"]
        assert [r for i, r in enumerate(results) if i not in bad] == [
            {"index": i, "value": i * 10} for i in range(10) if i not in bad
        ]
        assert [results[i] for i in sorted(bad)] == [
            {"Error": "ItemBroken", "Cause": f"item {i} is broken"} for i in sorted(bad)
        ]
        assert map_run["status"] == "SUCCEEDED"
        assert map_run["itemCounts"]["failed"] == len(bad)
        assert map_run["itemCounts"]["succeeded"] == 10 - len(bad)
        assert map_run["itemCounts"]["total"] == 10


@pytest.mark.parametrize("percentage", [0, 10, 100])
def test_integer_tolerated_failure_percentage_is_accepted(
    clients: dict[str, Any], percentage: int
) -> None:
    # GIVEN an integer ToleratedFailurePercentage, WHEN the machine is created and run
    sfn = clients["sfn"]
    definition = fanout_definition(tolerance={"ToleratedFailurePercentage": percentage})
    with state_machine(sfn, definition) as arn:
        # THEN it is accepted, stored as written, and evaluated as that percentage
        stored = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
        assert stored["States"]["FanOut"]["ToleratedFailurePercentage"] == percentage
        desc = run(sfn, arn, {"items": items(2, bad=set())})
        map_run = map_run_of(sfn, desc["executionArn"])
    assert desc["status"] == "SUCCEEDED", desc
    assert map_run["toleratedFailurePercentage"] == float(percentage)


def test_retry_count_and_item_value_reach_a_distributed_child(
    clients: dict[str, Any], bucket: str
) -> None:
    # GIVEN items read from S3 JSON, and a child Task whose object key names the retry count:
    # attempt 0 reads a missing object and fails, the retry (RetryCount 1) finds its object
    sfn, s3 = clients["sfn"], clients["s3"]
    s3.put_object(Bucket=bucket, Key="items.json", Body=json.dumps(["a", "b", "c"]))
    for name in ("a", "b", "c"):
        s3.put_object(Bucket=bucket, Key=f"{name}/attempt-1.txt", Body=f"{name} on retry 1")
    child = {
        "Fetch": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
            "Parameters": {
                "Bucket": bucket,
                "Key.$": "States.Format('{}/attempt-{}.txt', $.name, $$.State.RetryCount)",
            },
            "ResultSelector": {"body.$": "$.Body", "retry.$": "$$.State.RetryCount"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}],
            "End": True,
        }
    }
    definition = {
        "StartAt": "FanOut",
        "States": {
            "FanOut": {
                "Type": "Map",
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": bucket, "Key": "items.json"},
                },
                "ItemSelector": {"name.$": "$$.Map.Item.Value"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Fetch",
                    "States": child,
                },
                "End": True,
            }
        },
    }
    with state_machine(sfn, definition) as arn:
        # WHEN it runs
        desc = run(sfn, arn, {})

    # THEN every child saw RetryCount 1 on its retry and its own item value
    assert desc["status"] == "SUCCEEDED", desc
    assert json.loads(desc["output"]) == [
        {"body": f"{name} on retry 1", "retry": 1} for name in ("a", "b", "c")
    ]


def test_express_children_are_accepted_and_recorded(clients: dict[str, Any], bucket: str) -> None:
    # GIVEN a Distributed Map whose children are EXPRESS executions
    sfn, s3 = clients["sfn"], clients["s3"]
    definition = fanout_definition(bucket=bucket, execution_type="EXPRESS")
    with state_machine(sfn, definition) as arn:
        stored = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
        # WHEN it runs three items
        desc = run(sfn, arn, {"items": items(3, bad=set()), "prefix": "runs/x"})

    # THEN the definition is kept as written and the records have the EXPRESS shape
    processor = stored["States"]["FanOut"]["ItemProcessor"]
    assert processor["ProcessorConfig"]["ExecutionType"] == "EXPRESS"
    assert "Comment" not in processor
    assert desc["status"] == "SUCCEEDED", desc
    manifest_key = json.loads(desc["output"])["map"]["ResultWriterDetails"]["Key"]
    manifest, _ = read_json(s3, bucket, manifest_key)
    [succeeded_file] = manifest["ResultFiles"]["SUCCEEDED"]
    succeeded, _ = read_json(s3, bucket, succeeded_file["Key"])
    assert len(succeeded) == 3
    for record in succeeded:
        assert set(record) == EXPRESS_CHILD_KEYS
        assert record["Status"] == "SUCCEEDED"
    assert sorted(json.loads(r["Output"])["index"] for r in succeeded) == [0, 1, 2]
