"""A Distributed Map run's children as Step Functions records them: plain data, no LocalStack.

The record shapes follow AWS's ResultWriter page
(https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html) and the
records of real map runs kept as fixtures under ``tests/fixtures/aws/states/``:

* SUCCEEDED: ExecutionArn, Input, InputDetails, Name, Output, OutputDetails, RedriveCount,
  RedriveStatus (NOT_REDRIVABLE), RedriveStatusReason, StartDate, StateMachineArn, Status, StopDate;
* FAILED, TIMED_OUT, ABORTED (written to ``FAILED_n.json``): no Output and no
  RedriveStatusReason, but Error, Cause and still ``OutputDetails``; RedriveStatus
  REDRIVABLE_BY_MAP_RUN;
* EXPRESS children: the same without the Redrive* keys (they are not executions of their own);
* PENDING (children never started when the map run failed): Input, InputDetails, Status.
"""

from __future__ import annotations

import datetime
import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

EXCEEDED_ERROR = "States.ExceedToleratedFailureThreshold"
EXCEEDED_CAUSE = "The specified tolerated failure threshold was exceeded"
# Step Functions splits a result file when it would pass 5 GB.
MAX_RESULT_FILE_BYTES = 5 * 1000**3
# Statuses a map-run redrive starts again (with children that never started).
REDRIVABLE = ("FAILED", "TIMED_OUT", "ABORTED")
# Where a redrive writes its ResultWriter files, under the map run's folder.
REDRIVE_FOLDER = "Redrive-{n}/"
# The longest an Express workflow runs on AWS
# (https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html).
EXPRESS_MAX_SECONDS = 300.0
# Emulator-only: an ItemProcessor Comment holding this shortens that limit, so that tests need not
# wait five minutes. AWS ignores comments.
EXPRESS_LIMIT_HOOK = re.compile(r"fanout-emulator:express-max-seconds=(\d+(?:\.\d+)?)")


def express_limit(comment: str | None) -> float:
    """How long an Express child of a map run with this ItemProcessor Comment may run."""
    found = EXPRESS_LIMIT_HOOK.search(comment or "")
    return float(found.group(1)) if found else EXPRESS_MAX_SECONDS


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC)


def iso(moment: datetime.datetime) -> str:
    """A date as ResultWriter files write it: 2025-02-04T01:49:50.099Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def compact_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Child:
    """One item's child execution, across the attempts of its map run."""

    index: int
    name: str
    input_json: str
    status: str = "PENDING"
    output: Any = None
    error: str | None = None
    cause: str | None = None
    start: datetime.datetime | None = None
    stop: datetime.datetime | None = None
    redrive_count: int = 0
    generation: int = 0  # the map-run attempt (0, then each redrive) that last ran it
    frame: Any = None  # the interpreter frame while it runs


@dataclass
class MapRunState:
    """What the patches keep for one map run (attached to its MapRunRecord)."""

    count_declared: bool
    percentage_declared: bool
    express: bool
    map_state_name: str = ""
    express_max_seconds: float = EXPRESS_MAX_SECONDS
    total: int = 0
    failures: int = 0
    children: dict[int, Child] = field(default_factory=dict)
    lock: threading.Condition = field(default_factory=threading.Condition)
    stopping: bool = False  # the map run failed: start no child, stop the running ones
    results_written: bool = False
    generation: int = 0  # how many times this map run was redriven
    redrive_date: datetime.datetime | None = None
    # (generation, status, key, size) of every result file written, for later manifests
    result_files: list[tuple[int, str, str, int]] = field(default_factory=list)

    def exceeded(self, record: Any) -> bool:
        if self.failures == 0:
            return False
        verdicts = []
        if self.count_declared:
            verdicts.append(self.failures > record.tolerated_failure_count)
        if self.percentage_declared:
            percentage = 100.0 * self.failures / self.total if self.total else 100.0
            verdicts.append(percentage > record.tolerated_failure_percentage)
        # Neither declared: no failure is tolerated.
        return any(verdicts) if verdicts else True

    def running(self) -> list[Child]:
        return [child for child in self.children.values() if child.status == "RUNNING"]


def new_child_name() -> str:
    return str(uuid.uuid4())


def execution_arn(state_machine_arn: str, name: str, express: bool) -> str:
    kind = ":express:" if express else ":execution:"
    return state_machine_arn.replace(":stateMachine:", kind, 1) + ":" + name


def child_record(child: Child, state_machine_arn: str, express: bool) -> dict[str, Any]:
    """One child as Step Functions writes it in a ResultWriter file."""
    if child.status == "PENDING":
        return {"Input": child.input_json, "InputDetails": {"Included": True}, "Status": "PENDING"}
    assert child.start is not None and child.stop is not None
    entry: dict[str, Any] = {
        "ExecutionArn": execution_arn(state_machine_arn, child.name, express),
        "Input": child.input_json,
        "InputDetails": {"Included": True},
        "Name": child.name,
        "OutputDetails": {"Included": True},
        "StartDate": iso(child.start),
        "StateMachineArn": state_machine_arn,
        "Status": child.status,
        "StopDate": iso(child.stop),
    }
    if child.status == "SUCCEEDED":
        entry["Output"] = compact_json(child.output)
    else:
        if child.error is not None:
            entry["Error"] = child.error
        if child.cause is not None:
            entry["Cause"] = child.cause
    if not express:
        entry["RedriveCount"] = child.redrive_count
        if child.status == "SUCCEEDED":
            entry["RedriveStatus"] = "NOT_REDRIVABLE"
            entry["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
        else:
            entry["RedriveStatus"] = "REDRIVABLE_BY_MAP_RUN"
    return dict(sorted(entry.items()))


def split_records(records: list[dict[str, Any]], limit: int) -> list[bytes]:
    """JSON array files of at most ``limit`` bytes each (a single larger record gets its own)."""
    files: list[bytes] = []
    current: list[bytes] = []
    size = 2  # "[" and "]"
    for entry in records:
        text = json.dumps(entry, separators=(",", ":")).encode()
        extra = len(text) + (1 if current else 0)
        if current and size + extra > limit:
            files.append(b"[" + b",".join(current) + b"]")
            current, size = [], 2
            extra = len(text)
        current.append(text)
        size += extra
    if current:
        files.append(b"[" + b",".join(current) + b"]")
    return files


def file_group(status: str) -> str:
    """The ResultWriter file a child's status goes to: SUCCEEDED, PENDING or FAILED."""
    return status if status in ("SUCCEEDED", "PENDING") else "FAILED"
