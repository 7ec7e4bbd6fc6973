"""Reading what a Distributed Map's ResultWriter leaves in S3 (AWS format).

``manifest.json``::

    {"DestinationBucket": "...", "MapRunArn": "...",
     "ResultFiles": {"FAILED": [{"Key": "...", "Size": 123}], "PENDING": [...],
                     "SUCCEEDED": [...]}}

Each result file is a JSON array (or JSON Lines, with OutputType JSONL) of child records
with "ExecutionArn", "Input" and "Output" (JSON strings), "Status", "Error", "Cause",
"Name", "StartDate", "StopDate" ...
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
    output = decode_field(record, "Output")
    if isinstance(output, dict) and _is_int(output.get("chunk_id")):
        return int(output["chunk_id"])
    child_input = decode_field(record, "Input")
    if isinstance(child_input, dict):
        chunk = child_input.get("chunk")
        if isinstance(chunk, dict) and _is_int(chunk.get("chunk_id")):
            return int(chunk["chunk_id"])
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
