"""Reading executions: history events, failures, and the summaries printed for people."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from fanout_cli.progress import MapCounts, format_duration

FAILURE_EVENTS = {
    "ExecutionFailed": "executionFailedEventDetails",
    "ExecutionTimedOut": "executionTimedOutEventDetails",
    "ExecutionAborted": "executionAbortedEventDetails",
}
# Fields of the reduce output (docs/architecture.md, "Reduce output"), in display order.
SUMMARY_FIELDS = (
    "verdict",
    "run_id",
    "workload",
    "size",
    "chunk_count",
    "digits",
    "sha256",
    "result_s3_uri",
)


def current_state(events: Iterable[dict[str, Any]]) -> str | None:
    """The state most recently entered, from execution history events in any order."""
    latest: tuple[int, str] | None = None
    for event in events:
        details = event.get("stateEnteredEventDetails")
        if details and "name" in details:
            eid = int(event.get("id", 0))
            if latest is None or eid > latest[0]:
                latest = (eid, details["name"])
    return None if latest is None else latest[1]


def failure_from_history(events: Iterable[dict[str, Any]]) -> tuple[str, str] | None:
    """``(error, cause)`` of the event that ended a failed, timed-out or aborted execution."""
    for event in sorted(events, key=lambda e: -int(e.get("id", 0))):
        key = FAILURE_EVENTS.get(event.get("type", ""))
        if key:
            details = event.get(key) or {}
            return details.get("error", event["type"]), details.get("cause", "")
    return None


def execution_failure(
    description: dict[str, Any], events: Iterable[dict[str, Any]] = ()
) -> tuple[str, str]:
    """Error and cause of a finished, unsuccessful execution."""
    error = description.get("error")
    cause = description.get("cause")
    if error or cause:
        return error or description.get("status", "FAILED"), cause or ""
    found = failure_from_history(events)
    if found:
        return found
    return description.get("status", "FAILED"), "(no error or cause recorded)"


def parse_output(description: dict[str, Any]) -> dict[str, Any]:
    """The execution output as a dict ({} when absent or not an object)."""
    text = description.get("output")
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def duration_s(description: dict[str, Any], now: datetime | None = None) -> float | None:
    start = description.get("startDate")
    stop = description.get("stopDate") or now
    if isinstance(start, datetime) and isinstance(stop, datetime):
        return (stop - start).total_seconds()
    return None


def format_summary(
    execution_arn: str,
    description: dict[str, Any],
    print_limit: int,
) -> str:
    """What ``fanout run`` prints when an execution has succeeded."""
    output = parse_output(description)
    took = duration_s(description)
    lines = [f"execution      {execution_arn}"]
    status = description.get("status", "?")
    lines.append(f"status         {status}" + (f" in {took:,.1f} s" if took is not None else ""))
    for name in SUMMARY_FIELDS:
        if name in output:
            lines.append(f"{name:<14} {output[name]}")
    extra = sorted(k for k in output if k not in SUMMARY_FIELDS and k != "total_sum")
    for name in extra:
        value = output[name]
        if isinstance(value, str | int | float | bool):
            lines.append(f"{name:<14} {value}")
    digits = output.get("digits")
    total = output.get("total_sum")
    fetch = f"fanout result {execution_arn} -o result.txt"
    if isinstance(total, str) and isinstance(digits, int) and digits <= print_limit:
        lines.append("total_sum")
        lines.append(total)
    elif "result_s3_uri" in output:
        why = (
            f"{digits:,} digits, over --print-limit {print_limit:,}"
            if isinstance(digits, int) and digits > print_limit
            else "not in the summary"
        )
        lines.append(f"the number ({why}): {fetch}")
    return "\n".join(lines)


def format_failure(execution_arn: str, description: dict[str, Any], error: str, cause: str) -> str:
    took = duration_s(description)
    status = description.get("status", "FAILED")
    lines = [
        f"execution      {execution_arn}",
        f"status         {status}" + (f" after {took:,.1f} s" if took is not None else ""),
        f"error          {error}",
        f"cause          {cause}",
    ]
    return "\n".join(lines)


def status_record(
    execution_arn: str,
    description: dict[str, Any],
    map_run: dict[str, Any] | None,
    state: str | None,
    failure: tuple[str, str] | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What ``fanout status`` reports, as plain data (also its --json output)."""
    record: dict[str, Any] = {
        "execution_arn": execution_arn,
        "name": description.get("name"),
        "status": description.get("status"),
        "start": _iso(description.get("startDate")),
        "stop": _iso(description.get("stopDate")),
        "duration_s": duration_s(description, now),
        "state": state,
    }
    if map_run is not None:
        counts = MapCounts.from_api(map_run.get("itemCounts", {}))
        record["map_run"] = {
            "arn": map_run.get("mapRunArn"),
            "status": map_run.get("status"),
            "start": _iso(map_run.get("startDate")),
            "stop": _iso(map_run.get("stopDate")),
            "max_concurrency": map_run.get("maxConcurrency"),
            "items": {
                "total": counts.total,
                "pending": counts.pending,
                "running": counts.running,
                "succeeded": counts.succeeded,
                "failed": counts.failed,
                "timed_out": counts.timed_out,
                "aborted": counts.aborted,
            },
        }
    if failure is not None:
        record["error"], record["cause"] = failure
    output = parse_output(description)
    if output:
        record["output"] = {k: v for k, v in output.items() if k != "total_sum"}
    return record


def format_status(record: dict[str, Any]) -> str:
    lines = [
        f"execution      {record['execution_arn']}",
        f"status         {record['status']}",
        f"started        {record['start']}",
    ]
    if record.get("stop"):
        lines.append(f"stopped        {record['stop']}")
    if record.get("duration_s") is not None:
        lines.append(f"duration       {format_duration(record['duration_s'])}")
    if record.get("state") and record["status"] == "RUNNING":
        lines.append(f"state          {record['state']}")
    run = record.get("map_run")
    if run:
        items = run["items"]
        lines.append(
            f"map run        {run['status']}: {items['succeeded']:,}/{items['total']:,} "
            "child executions succeeded, "
            f"{items['failed']:,} failed, {items['timed_out']:,} timed out, "
            f"{items['aborted']:,} aborted, {items['running']:,} running, "
            f"{items['pending']:,} pending"
        )
    if "error" in record:
        lines.append(f"error          {record['error']}")
        lines.append(f"cause          {record['cause']}")
    output = record.get("output") or {}
    for name in SUMMARY_FIELDS:
        if name in output:
            lines.append(f"{name:<14} {output[name]}")
    return "\n".join(lines)


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None
