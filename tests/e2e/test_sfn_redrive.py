"""RedriveExecution as AWS documents it, on a small state machine with S3 tasks only.

https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html,
https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html,
https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html.

Each child of the Distributed Map reads ``ok/<index>`` (missing for the broken items, so the
child fails) and then writes ``runs/<index>/<uuid>``: the objects under ``runs/`` count which
children ran to the end. A state before the map writes ``before/<uuid>``. LocalStack without
the ``redrive`` patch has no RedriveExecution, so every test here fails.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.stack import list_keys, wait
from tests.e2e.test_sfn_patches import read_json, run, state_machine

pytestmark = pytest.mark.e2e

ITEMS = 5
BROKEN = (1, 3)


def redrive_definition(bucket: str) -> dict[str, Any]:
    put = "arn:aws:states:::aws-sdk:s3:putObject"
    child = {
        "Read": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
            "Parameters": {"Bucket": bucket, "Key.$": "States.Format('ok/{}', $.index)"},
            "ResultPath": None,
            "Next": "Mark",
        },
        "Mark": {
            "Type": "Task",
            "Resource": put,
            "Parameters": {
                "Bucket": bucket,
                "Key.$": "States.Format('runs/{}/{}', $.index, States.UUID())",
                "Body": "ran",
            },
            "ResultSelector": {"index.$": "$$.Map.Item.Index"},
            "End": True,
        },
    }
    return {
        "StartAt": "Before",
        "States": {
            "Before": {
                "Type": "Task",
                "Resource": put,
                "Parameters": {
                    "Bucket": bucket,
                    "Key.$": "States.Format('before/{}', States.UUID())",
                    "Body": "ran",
                },
                "ResultPath": None,
                "Next": "FanOut",
            },
            "FanOut": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {"index.$": "$$.Map.Item.Index"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Read",
                    "States": child,
                },
                # One child at a time: item 1 fails (tolerated), item 3 fails (one too many),
                # item 4 never starts.
                "MaxConcurrency": 1,
                "ToleratedFailureCount": 1,
                "ResultWriter": {
                    "Resource": "arn:aws:states:::s3:putObject",
                    "Parameters": {"Bucket": bucket, "Prefix": "results"},
                },
                "ResultPath": "$.map",
                "Next": "After",
            },
            "After": {"Type": "Pass", "Result": "done", "ResultPath": "$.after", "End": True},
        },
    }


def runs_per_item(s3: Any, bucket: str) -> Counter[int]:
    return Counter(int(key.split("/")[1]) for key in list_keys(s3, bucket, "runs/"))


def records(s3: Any, bucket: str, files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for result_file in files:
        out += read_json(s3, bucket, result_file["Key"])[0]
    return out


def test_redrive_reruns_only_unsuccessful_children(clients: dict[str, Any], bucket: str) -> None:
    sfn, s3 = clients["sfn"], clients["s3"]
    for index in range(ITEMS):
        if index not in BROKEN:
            s3.put_object(Bucket=bucket, Key=f"ok/{index}", Body=b"ok")
    with state_machine(sfn, redrive_definition(bucket)) as arn:
        # GIVEN a run that fails: items 1 and 3 fail, item 4 never starts
        first = run(sfn, arn, {"items": list(range(ITEMS))})
        assert first["status"] == "FAILED", first
        assert first["error"] == "States.ExceedToleratedFailureThreshold"
        assert (first["redriveCount"], first["redriveStatus"]) == (0, "REDRIVABLE")
        assert runs_per_item(s3, bucket) == Counter({0: 1, 2: 1})
        [map_run] = sfn.list_map_runs(executionArn=first["executionArn"])["mapRuns"]
        failed_run = sfn.describe_map_run(mapRunArn=map_run["mapRunArn"])
        assert failed_run["itemCounts"]["pending"] == 1
        run_id = map_run["mapRunArn"].split(":")[-1]
        first_manifest, _ = read_json(s3, bucket, f"results/{run_id}/manifest.json")
        first_failed = records(s3, bucket, first_manifest["ResultFiles"]["FAILED"])
        first_pending = records(s3, bucket, first_manifest["ResultFiles"]["PENDING"])
        assert [json.loads(r["Input"])["index"] for r in first_failed] == list(BROKEN)
        assert [json.loads(r["Input"]) for r in first_pending] == [4]

        # WHEN the fault is cleared and the execution redriven
        for index in BROKEN:
            s3.put_object(Bucket=bucket, Key=f"ok/{index}", Body=b"ok")
        answer = sfn.redrive_execution(executionArn=first["executionArn"])
        desc = wait(sfn, first["executionArn"], 120)
        map_runs = sfn.list_map_runs(executionArn=first["executionArn"])["mapRuns"]
        map_run_after = sfn.describe_map_run(mapRunArn=map_run["mapRunArn"])
        history = sfn.get_execution_history(executionArn=first["executionArn"], maxResults=1000)

    # THEN the same execution succeeds, from the failed state on
    assert desc["status"] == "SUCCEEDED", desc
    assert desc["executionArn"] == first["executionArn"]
    assert desc["redriveCount"] == 1
    assert desc["redriveDate"] == answer["redriveDate"]
    assert (desc["redriveStatus"], desc["redriveStatusReason"]) == (
        "NOT_REDRIVABLE",
        "Execution is SUCCEEDED and cannot be redriven",
    )
    output = json.loads(desc["output"])
    assert output["after"] == "done"
    # AND the history goes on from the first attempt's, through one ExecutionRedriven event
    types = [event["type"] for event in history["events"]]
    assert types[0] == "ExecutionStarted"
    assert types.count("ExecutionFailed") == 1
    assert types.index("ExecutionFailed") < types.index("ExecutionRedriven")
    assert types[-1] == "ExecutionSucceeded"
    [redriven] = [e for e in history["events"] if e["type"] == "ExecutionRedriven"]
    assert redriven["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert len(list_keys(s3, bucket, "before/")) == 1  # the state before the map ran once
    # AND every child ran to the end exactly once: the redrive ran only 1, 3 and 4
    assert runs_per_item(s3, bucket) == Counter({index: 1 for index in range(ITEMS)})
    # AND the map run is the same one, redriven once, all its items succeeded
    assert [m["mapRunArn"] for m in map_runs] == [map_run["mapRunArn"]]
    assert map_run_after["status"] == "SUCCEEDED"
    assert map_run_after["redriveCount"] == 1
    assert map_run_after["redriveDate"] >= answer["redriveDate"]
    counts = map_run_after["itemCounts"]
    assert (counts["succeeded"], counts["failed"], counts["pending"], counts["total"]) == (
        ITEMS,
        0,
        0,
        ITEMS,
    )
    # AND the redrive wrote its own files beside the first attempt's, and a manifest listing
    # the SUCCEEDED files of both attempts
    manifest_key = output["map"]["ResultWriterDetails"]["Key"]
    assert manifest_key == f"results/{run_id}/Redrive-1/manifest.json"
    manifest, _ = read_json(s3, bucket, manifest_key)
    assert manifest["ResultFiles"]["FAILED"] == manifest["ResultFiles"]["PENDING"] == []
    assert [f["Key"] for f in manifest["ResultFiles"]["SUCCEEDED"]] == [
        f"results/{run_id}/SUCCEEDED_0.json",
        f"results/{run_id}/Redrive-1/SUCCEEDED_0.json",
    ]
    [earlier, redriven] = [records(s3, bucket, [f]) for f in manifest["ResultFiles"]["SUCCEEDED"]]
    assert [json.loads(r["Output"])["index"] for r in earlier] == [0, 2]
    assert [json.loads(r["Output"])["index"] for r in redriven] == [1, 3, 4]
    # a redriven STANDARD child keeps its execution, and counts the redrive
    assert [(r["Name"], r["RedriveCount"]) for r in redriven[:2]] == [
        (r["Name"], 1) for r in first_failed
    ]
    assert redriven[2]["RedriveCount"] == 0  # item 4 starts for the first time
    assert {r["RedriveStatus"] for r in redriven} == {"NOT_REDRIVABLE"}


def test_only_unsuccessful_standard_executions_are_redrivable(clients: dict[str, Any]) -> None:
    sfn = clients["sfn"]
    passing = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    with state_machine(sfn, passing) as arn:
        # GIVEN a succeeded execution
        desc = run(sfn, arn, {})
        assert (desc["redriveStatus"], desc["redriveStatusReason"]) == (
            "NOT_REDRIVABLE",
            "Execution is SUCCEEDED and cannot be redriven",
        )
        # WHEN it, or an execution that does not exist, is redriven THEN AWS's errors
        with pytest.raises(ClientError) as succeeded:
            sfn.redrive_execution(executionArn=desc["executionArn"])
        with pytest.raises(ClientError) as missing:
            sfn.redrive_execution(executionArn=desc["executionArn"] + "-none")
    assert succeeded.value.response["Error"]["Code"] == "ExecutionNotRedrivable"
    assert missing.value.response["Error"]["Code"] == "ExecutionDoesNotExist"
