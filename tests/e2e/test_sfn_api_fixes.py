"""LocalStack's Step Functions API answers as AWS's does (``sfn_api_fixes`` in the extension).

Pass/Fail/Choice states only (no Lambda). Each test fails on a LocalStack started without the
patch it exercises (``FANOUT_SFN_PATCHES=none``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e.stack import unique_name, wait
from tests.e2e.test_sfn_patches import (
    ROLE_ARN,
    fanout_definition,
    items,
    read_json,
    run,
    state_machine,
)

pytestmark = pytest.mark.e2e

PASS_ONLY = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}


def test_describe_state_machine_returns_tracing_configuration(clients: dict[str, Any]) -> None:
    sfn = clients["sfn"]
    # GIVEN a state machine created without tracingConfiguration, and one with tracing on
    with state_machine(sfn, PASS_ONLY) as plain:
        traced = sfn.create_state_machine(
            name=unique_name("traced"),
            definition=json.dumps(PASS_ONLY),
            roleArn=ROLE_ARN,
            tracingConfiguration={"enabled": True},
        )["stateMachineArn"]
        try:
            # WHEN they are described, THEN tracingConfiguration is there as on AWS
            plain_tracing = sfn.describe_state_machine(stateMachineArn=plain)
            assert plain_tracing["tracingConfiguration"] == {"enabled": False}
            desc = sfn.describe_state_machine(stateMachineArn=traced)
            assert desc["tracingConfiguration"] == {"enabled": True}

            # AND an update of tracing alone is refused, as AWS documents: definition or
            # roleArn is required
            with pytest.raises(ClientError) as refused:
                sfn.update_state_machine(
                    stateMachineArn=traced, tracingConfiguration={"enabled": False}
                )
            assert refused.value.response["Error"] == {
                "Code": "MissingRequiredParameter",
                "Message": "Either the definition, the role ARN, the LoggingConfiguration, "
                "or the TracingConfiguration must be specified",
            }
            assert sfn.describe_state_machine(stateMachineArn=traced)["tracingConfiguration"] == {
                "enabled": True
            }
            # AND with the definition and role, as Terraform sends them, it is accepted and kept
            sfn.update_state_machine(
                stateMachineArn=traced,
                definition=json.dumps(PASS_ONLY),
                roleArn=ROLE_ARN,
                tracingConfiguration={"enabled": False},
            )
            desc = sfn.describe_state_machine(stateMachineArn=traced)
            assert desc["tracingConfiguration"] == {"enabled": False}
            assert desc["definition"] == json.dumps(PASS_ONLY)
            assert desc["roleArn"] == ROLE_ARN

            # AND an execution's state machine carries it too
            arn = sfn.start_execution(stateMachineArn=traced, input="{}")["executionArn"]
            for_execution = sfn.describe_state_machine_for_execution(executionArn=arn)
            assert for_execution["tracingConfiguration"] == {"enabled": False}
        finally:
            sfn.delete_state_machine(stateMachineArn=traced)


def test_list_executions_of_a_map_run(clients: dict[str, Any], bucket: str) -> None:
    # GIVEN a Distributed Map of Pass states over five items, item 3 failing (tolerated),
    # with a ResultWriter recording every child
    sfn, s3 = clients["sfn"], clients["s3"]
    definition = fanout_definition(bucket=bucket, tolerance={"ToleratedFailureCount": 1})
    with state_machine(sfn, definition) as arn:
        desc = run(sfn, arn, {"items": items(5, bad={3}), "prefix": "runs/l"})
        assert desc["status"] == "SUCCEEDED", desc
        [map_run] = sfn.list_map_runs(executionArn=desc["executionArn"])["mapRuns"]
        map_run_arn = map_run["mapRunArn"]

        # WHEN its child executions are listed by mapRunArn
        listed = sfn.list_executions(mapRunArn=map_run_arn)["executions"]
        failed = sfn.list_executions(mapRunArn=map_run_arn, statusFilter="FAILED")["executions"]
        pages = list(
            sfn.get_paginator("list_executions").paginate(
                mapRunArn=map_run_arn, PaginationConfig={"PageSize": 2}
            )
        )
        with pytest.raises(ClientError) as missing:
            sfn.list_executions(mapRunArn=map_run_arn[:-4] + "0000")

    # THEN every child is listed once, newest first, as on AWS
    assert len(listed) == 5
    assert sorted(item["status"] for item in listed) == ["FAILED"] + ["SUCCEEDED"] * 4
    assert [item["startDate"] for item in listed] == sorted(
        (item["startDate"] for item in listed), reverse=True
    )
    child_prefix = map_run["stateMachineArn"].replace(":stateMachine:", ":execution:") + ":"
    for item in listed:
        assert item["stateMachineArn"] == map_run["stateMachineArn"]
        assert item["executionArn"] == child_prefix + item["name"]
        assert item["mapRunArn"] == map_run_arn
        assert item["itemCount"] == 1
        assert item["stopDate"] >= item["startDate"]
    # AND they are the children the ResultWriter recorded
    manifest_key = json.loads(desc["output"])["map"]["ResultWriterDetails"]["Key"]
    manifest, _ = read_json(s3, bucket, manifest_key)
    recorded = {}
    for status in ("SUCCEEDED", "FAILED"):
        for result_file in manifest["ResultFiles"][status]:
            records, _ = read_json(s3, bucket, result_file["Key"])
            recorded.update({r["ExecutionArn"]: r["Status"] for r in records})
    assert {item["executionArn"]: item["status"] for item in listed} == recorded
    # AND the status filter and paging work
    assert [item["executionArn"] for item in failed] == [
        item["executionArn"] for item in listed if item["status"] == "FAILED"
    ]
    assert [len(page["executions"]) for page in pages] == [2, 2, 1]
    assert [item for page in pages for item in page["executions"]] == listed
    # AND an unknown map run is not found
    assert missing.value.response["Error"]["Code"] == "ResourceNotFound"


def test_start_execution_is_idempotent_only_while_running(clients: dict[str, Any]) -> None:
    # AWS: "If StartExecution is called with the same name and input as a running execution,
    # the call succeeds and return the same response as the original request. If the execution
    # is closed or if the input is different, it returns a 400 ExecutionAlreadyExists error."
    # (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
    # LocalStack does this unpatched; this test keeps it so.
    sfn = clients["sfn"]
    waiting = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 60, "End": True}}}
    with state_machine(sfn, waiting) as arn:
        name = unique_name("same")
        # GIVEN a running STANDARD execution
        first = sfn.start_execution(stateMachineArn=arn, name=name, input='{"a": 1}')
        # WHEN it is started again with the same name and input THEN the running one comes back
        again = sfn.start_execution(stateMachineArn=arn, name=name, input='{"a": 1}')
        assert (again["executionArn"], again["startDate"]) == (
            first["executionArn"],
            first["startDate"],
        )
        # AND with another input it is refused
        with pytest.raises(ClientError) as other_input:
            sfn.start_execution(stateMachineArn=arn, name=name, input='{"a": 2}')
        # AND once it has closed, the same name and input are refused too
        sfn.stop_execution(executionArn=first["executionArn"])
        assert wait(sfn, first["executionArn"], 30)["status"] == "ABORTED"
        with pytest.raises(ClientError) as closed:
            sfn.start_execution(stateMachineArn=arn, name=name, input='{"a": 1}')
    for refused in (other_input, closed):
        assert refused.value.response["Error"]["Code"] == "ExecutionAlreadyExists"
        assert refused.value.response["Error"]["Message"] == (
            f"Execution Already Exists: '{first['executionArn']}'"
        )
