"""A Distributed Map run that fails does what AWS does with its children and its results.

* Past the tolerated failure threshold the running children are stopped and counted as aborted
  (https://docs.aws.amazon.com/step-functions/latest/apireference/API_MapRunExecutionCounts.html);
  the run does not wait for them.
* Children that never started are written to ``PENDING_n.json``
  (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).
* DescribeMapRun has AWS's key set (fixture ``states/describe_map_run``).

Pass/Fail/Choice/Wait states only. Fails on a LocalStack started with ``FANOUT_SFN_PATCHES=none``
(and before this behaviour: the run waited for the 10-minute children).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.test_sfn_patches import (
    FAILED_CHILD_KEYS,
    RECORD_DATE,
    fanout_definition,
    map_run_of,
    read_json,
    run,
    state_machine,
)
from tests.support import aws_fixtures

pytestmark = pytest.mark.e2e

# A child fails after 3 s when its item is bad (so that the children started beside it are
# running by then), and otherwise waits ten minutes.
SLOW_CHILD = {
    "Check": {
        "Type": "Choice",
        "Choices": [{"Variable": "$.item.bad", "IsPresent": True, "Next": "Pause"}],
        "Default": "Slow",
    },
    "Pause": {"Type": "Wait", "Seconds": 3, "Next": "Broken"},
    "Broken": {"Type": "Fail", "Error": "ItemBroken", "Cause": "bad item"},
    "Slow": {"Type": "Wait", "Seconds": 600, "End": True},
}


def test_threshold_stops_running_children_and_leaves_the_rest_pending(
    clients: dict[str, Any], bucket: str
) -> None:
    # GIVEN six items, three children at a time, no failure tolerated: item 2 fails while
    # items 0 and 1 wait ten minutes, and items 3 to 5 wait for a free slot
    sfn, s3 = clients["sfn"], clients["s3"]
    definition = fanout_definition(bucket=bucket, child_states=SLOW_CHILD)
    definition["States"]["FanOut"]["MaxConcurrency"] = 3
    items = [{"value": 0}, {"value": 1}, {"bad": True}] + [{"value": i} for i in range(3, 6)]
    with state_machine(sfn, definition) as arn:
        # WHEN it runs (a minute is far less than the children's ten)
        desc = run(sfn, arn, {"items": items, "prefix": "runs/p"}, deadline_s=60)
        map_run = map_run_of(sfn, desc["executionArn"])

    # THEN the run fails at once with the threshold error
    assert desc["status"] == "FAILED", desc
    assert desc["error"] == "States.ExceedToleratedFailureThreshold"
    # AND DescribeMapRun has AWS's key set, and counts one failed, two aborted, three pending
    documented = aws_fixtures.load("states/describe_map_run")
    assert set(map_run) - {"ResponseMetadata"} == set(documented) - {"redriveDate"}
    assert set(map_run["itemCounts"]) == set(documented["itemCounts"])
    assert set(map_run["executionCounts"]) == set(documented["executionCounts"])
    assert map_run["status"] == "FAILED"
    assert map_run["redriveCount"] == 0
    for counts in (map_run["itemCounts"], map_run["executionCounts"]):
        assert (counts["failed"], counts["aborted"], counts["running"]) == (1, 2, 0)
    assert map_run["itemCounts"]["pending"] == 3
    assert map_run["itemCounts"]["total"] == 6
    assert map_run["executionCounts"]["total"] == 3

    # AND the results hold the failed and aborted children, and the three never started
    map_run_id = map_run["mapRunArn"].split(":")[-1]
    manifest, _ = read_json(s3, bucket, f"runs/p/{map_run_id}/manifest.json")
    assert manifest["ResultFiles"]["SUCCEEDED"] == []
    [failed_file] = manifest["ResultFiles"]["FAILED"]
    [pending_file] = manifest["ResultFiles"]["PENDING"]
    failed, _ = read_json(s3, bucket, failed_file["Key"])
    assert sorted(r["Status"] for r in failed) == ["ABORTED", "ABORTED", "FAILED"]
    for record in failed:
        expected_keys = FAILED_CHILD_KEYS
        if record["Status"] == "ABORTED":
            expected_keys = FAILED_CHILD_KEYS - {"Error", "Cause"}
        assert set(record) == expected_keys
        assert RECORD_DATE.fullmatch(record["StopDate"])
        assert record["RedriveStatus"] == "REDRIVABLE_BY_MAP_RUN"
    pending, size = read_json(s3, bucket, pending_file["Key"])
    assert size == pending_file["Size"]
    assert pending == [
        {"Input": json.dumps(item, separators=(",", ":")), "InputDetails": {"Included": True}}
        | {"Status": "PENDING"}
        for item in items[3:]
    ]


def test_express_children_time_out_at_the_express_limit(
    clients: dict[str, Any], bucket: str
) -> None:
    # GIVEN EXPRESS children, one of which would wait ten minutes, one failure tolerated, and
    # the emulator's five-minute Express limit shortened to 2 s for the test
    sfn, s3 = clients["sfn"], clients["s3"]
    definition = fanout_definition(
        bucket=bucket,
        child_states=SLOW_CHILD,
        execution_type="EXPRESS",
        tolerance={"ToleratedFailureCount": 1},
    )
    processor = definition["States"]["FanOut"]["ItemProcessor"]
    processor["Comment"] = "fanout-emulator:express-max-seconds=2"
    with state_machine(sfn, definition) as arn:
        # WHEN it runs
        desc = run(sfn, arn, {"items": [{"value": 0}], "prefix": "runs/x"}, deadline_s=60)
        map_run = map_run_of(sfn, desc["executionArn"])

    # THEN the child timed out (tolerated) instead of running on
    assert desc["status"] == "SUCCEEDED", desc
    assert map_run["itemCounts"]["timedOut"] == 1
    manifest_key = json.loads(desc["output"])["map"]["ResultWriterDetails"]["Key"]
    manifest, _ = read_json(s3, bucket, manifest_key)
    [failed_file] = manifest["ResultFiles"]["FAILED"]
    [record], _ = read_json(s3, bucket, failed_file["Key"])
    assert (record["Status"], record["Error"]) == ("TIMED_OUT", "States.Timeout")
    # an EXPRESS child's record has no Redrive* keys (and this one no Cause)
    assert set(record) == FAILED_CHILD_KEYS - {"RedriveCount", "RedriveStatus", "Cause"}
