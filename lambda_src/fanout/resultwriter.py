"""Reading what a Distributed Map's ResultWriter leaves in S3 (AWS format).

https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html ; the
shapes below are checked against tests/fixtures/aws/states/resultwriter_*.json.

``manifest.json``::

    {"DestinationBucket": "...", "MapRunArn": "...",
     "ResultFiles": {"FAILED": [{"Key": "...", "Size": 123}], "PENDING": [...],
                     "SUCCEEDED": [...]}}

Each result file is a JSON array (or JSON Lines, with OutputType JSONL) of child records:
"ExecutionArn", "Name", "Input" and "Output" (JSON strings) with "InputDetails" and
"OutputDetails" ({"Included": bool}), "Status", "RedriveCount", "RedriveStatus",
"StartDate", "StopDate" (ISO 8601, UTC), and "Error" and "Cause" for failed children
(which have no "Output").

After a redrive, AWS's manifest lists the SUCCEEDED files of every attempt of the map run
but the FAILED and PENDING files of the latest attempt only; a redriven STANDARD child keeps
its execution ARN (RedriveExecution: "Redriven executions use ... the same execution ARN"),
so the latest record of each child is the one with the highest RedriveCount.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fanout.errors import ResultFormatError

STATUSES = ("SUCCEEDED", "FAILED", "PENDING")


@dataclass
class Manifest:
    bucket: str
    map_run_arn: str
    files: dict[str, list[str]] = field(default_factory=dict)  # status -> keys


def parse_manifest(raw: bytes | str, default_bucket: str) -> Manifest:
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ResultFormatError(f"manifest.json is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ResultFormatError("manifest.json: expected an object")
    files_raw = data.get("ResultFiles")
    if files_raw is None:
        files_raw = {}
    if not isinstance(files_raw, dict):
        raise ResultFormatError("manifest.json: ResultFiles must be an object")
    files: dict[str, list[str]] = {}
    for status, entries in files_raw.items():
        if not isinstance(entries, list):
            raise ResultFormatError(f"manifest.json: ResultFiles.{status} must be an array")
        keys = []
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("Key"), str):
                raise ResultFormatError(f"manifest.json: ResultFiles.{status} entry without Key")
            keys.append(entry["Key"])
        files[status] = keys
    bucket = data.get("DestinationBucket") or default_bucket
    return Manifest(bucket=str(bucket), map_run_arn=str(data.get("MapRunArn", "")), files=files)


def parse_result_file(raw: bytes | str, key: str) -> list[dict[str, Any]]:
    """The child records of one result file (JSON array or JSON Lines)."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    stripped = text.strip()
    if not stripped:
        return []
    try:
        if stripped.startswith("["):
            records = json.loads(stripped)
        else:
            records = [json.loads(line) for line in stripped.splitlines() if line.strip()]
    except ValueError as exc:
        raise ResultFormatError(f"{key}: not a JSON array or JSON Lines: {exc}") from exc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ResultFormatError(f"{key}: expected an array of child records")
    return records


def latest_records(
    records: list[tuple[str, dict[str, Any]]],
) -> list[tuple[str, dict[str, Any]]]:
    """Each child execution once: the record of its latest attempt (highest RedriveCount).

    Records without an ExecutionArn are kept as they are. Two different records of one child
    with the same RedriveCount contradict each other and are refused.
    """
    latest: dict[str, tuple[int, int, tuple[str, dict[str, Any]]]] = {}
    anonymous: list[tuple[int, tuple[str, dict[str, Any]]]] = []
    for position, item in enumerate(records):
        arn = item[1].get("ExecutionArn")
        if not isinstance(arn, str) or not arn:
            anonymous.append((position, item))
            continue
        count = item[1].get("RedriveCount", 0)
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ResultFormatError(f"child {arn}: RedriveCount {count!r} is not a count")
        seen = latest.get(arn)
        if seen is None or count > seen[0]:
            latest[arn] = (count, position, item)
        elif count == seen[0] and item[1] != seen[2][1]:
            raise ResultFormatError(
                f"child {arn}: two different records for redrive attempt {count}"
            )
    kept = [(pos, item) for _, pos, item in latest.values()] + anonymous
    return [item for _, item in sorted(kept, key=lambda k: k[0])]


def output_of(record: dict[str, Any]) -> Any:
    """A succeeded child's output, refusing a record that does not carry it.

    A record says whether it carries the child's output in ``OutputDetails.Included``
    (https://docs.aws.amazon.com/step-functions/latest/apireference/API_CloudWatchEventsExecutionDataDetails.html);
    records with ``Included: false`` and ``"Output": ""`` have been seen in real
    ResultWriter files. The compute output of this product is always a JSON object, so an
    empty or left-out Output means the output is not in the file, not that the chunk had
    nothing to report: no exact sum can use such a record, and it is refused by name.
    """
    details = record.get("OutputDetails")
    included = details.get("Included", True) if isinstance(details, dict) else True
    raw = record.get("Output")
    if included is False or raw is None or raw == "":
        why = (
            "OutputDetails.Included is false"
            if included is False
            else ("it has no Output" if raw is None else "its Output is empty")
        )
        raise ResultFormatError(
            f"{_child_name(record)}: ResultWriter's record of this succeeded child does not "
            f"include its output ({why}), so its partial cannot be read"
        )
    return decode_field(record, "Output")


def _child_name(record: dict[str, Any]) -> str:
    chunk_id = chunk_id_of_input(record)
    where = f"chunk {chunk_id}" if chunk_id is not None else "a child"
    arn = record.get("ExecutionArn")
    return f"{where} (execution {arn})" if isinstance(arn, str) and arn else where


def decode_field(record: dict[str, Any], name: str) -> Any:
    """A child record's Input or Output: a JSON string on AWS; tolerated already parsed."""
    value = record.get(name)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ResultFormatError(f"child record {name} is not JSON: {exc}") from exc
    return value


def chunk_id_of(record: dict[str, Any]) -> int | None:
    """The chunk id a child record is about, from its Output or else its Input."""
    raw = record.get("Output")
    output = decode_field(record, "Output") if raw not in (None, "") else None
    if isinstance(output, dict) and _is_int(output.get("chunk_id")):
        return int(output["chunk_id"])
    return chunk_id_of_input(record)


def chunk_id_of_input(record: dict[str, Any]) -> int | None:
    """The chunk id in a child record's Input (None when the Input does not carry one)."""
    if record.get("Input") in (None, ""):
        return None
    try:
        child_input = decode_field(record, "Input")
    except ResultFormatError:
        return None
    if isinstance(child_input, dict):
        chunk = child_input.get("chunk")
        if isinstance(chunk, dict) and _is_int(chunk.get("chunk_id")):
            return int(chunk["chunk_id"])
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
