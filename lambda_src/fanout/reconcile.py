"""Reconcile ResultWriter child records against the planned chunks.

Every planned chunk must have exactly one succeeded result; anything else fails the run
with a named error that says which chunks are affected.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fanout.errors import (
    ChunkFailedError,
    ChunksMissingError,
    DuplicateChunkError,
    PendingChunksError,
    ResultFormatError,
    abbreviate_ids,
    truncate_cause,
)
from fanout.resultwriter import chunk_id_of, latest_records, output_of
from fanout.types import Chunk

FAILED_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")
PENDING_STATUSES = ("PENDING", "PENDING_REDRIVE", "RUNNING")
_SHOWN_FAILURES = 10


def _short(text: Any, limit: int = 300) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def reconcile(
    planned: list[Chunk],
    records: list[tuple[str, dict[str, Any]]],
    pending_files: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The compute outputs of all planned chunks, in chunk order.

    ``records`` are (status of the file it came from, child record) pairs; a record's own
    "Status" wins over its file's, and a child recorded by several attempts of a redriven
    map run counts once, by its latest attempt. Raises ChunkFailedError, PendingChunksError,
    ResultFormatError, DuplicateChunkError or ChunksMissingError.
    """
    by_id = {c["chunk_id"]: c for c in planned}
    failed: list[tuple[int | None, str, str]] = []
    pending: list[int | None] = []
    succeeded: dict[int, list[dict[str, Any]]] = defaultdict(list)

    for file_status, record in latest_records(records):
        status = str(record.get("Status") or file_status)
        if "Status" not in record and "Output" not in record and "chunk_id" in record:
            # A COMPACT-transformed record: the child output itself.
            status, record = "SUCCEEDED", {"Output": record}
        if status in FAILED_STATUSES:
            failed.append((chunk_id_of(record), str(record.get("Error")), str(record.get("Cause"))))
            continue
        if status in PENDING_STATUSES:
            pending.append(chunk_id_of(record))
            continue
        if status != "SUCCEEDED":
            raise ResultFormatError(f"child record with unknown Status {status!r}")
        output = output_of(record)
        if not isinstance(output, dict):
            chunk_id = chunk_id_of(record)
            raise ResultFormatError(
                f"chunk {chunk_id if chunk_id is not None else '?'}: succeeded child has no "
                f"compute output (Output is {_short(record.get('Output'), 60)!r})"
            )
        _check_output(output, by_id)
        succeeded[output["chunk_id"]].append(output)

    if failed:
        failed.sort(key=lambda f: (f[0] is None, f[0] or 0))
        shown = "; ".join(
            f"chunk {cid if cid is not None else '?'}: {err}: {_short(cause)}"
            for cid, err, cause in failed[:_SHOWN_FAILURES]
        )
        more = f"; ... and {len(failed) - _SHOWN_FAILURES} more" if len(failed) > 10 else ""
        ids = abbreviate_ids([cid for cid, _, _ in failed if cid is not None], limit=1000)
        raise ChunkFailedError(
            truncate_cause(
                f"{len(failed)} of {len(planned)} chunks failed (chunk ids {ids}): {shown}{more}"
            )
        )
    if pending or pending_files:
        ids = abbreviate_ids([p for p in pending if p is not None])
        files = ", ".join((pending_files or [])[:5])
        raise PendingChunksError(
            truncate_cause(
                f"the ResultWriter manifest lists pending results ({len(pending)} children"
                f"{', chunk ids ' + ids if ids else ''}; files: {files or 'none'}); "
                "the map run had not finished"
            )
        )
    duplicates = sorted(cid for cid, outs in succeeded.items() if len(outs) > 1)
    if duplicates:
        raise DuplicateChunkError(
            truncate_cause(
                f"{len(duplicates)} chunks reported more than once: {abbreviate_ids(duplicates)}"
            )
        )
    missing = sorted(set(by_id) - set(succeeded))
    if missing:
        raise ChunksMissingError(
            truncate_cause(
                f"{len(missing)} of {len(planned)} planned chunks have no result: "
                f"{abbreviate_ids(missing)}"
            )
        )
    return [succeeded[c["chunk_id"]][0] for c in planned]


def _check_output(output: dict[str, Any], by_id: dict[int, Chunk]) -> None:
    chunk_id = output.get("chunk_id")
    if isinstance(chunk_id, bool) or not isinstance(chunk_id, int):
        raise ResultFormatError(f"compute output without an integer chunk_id: {_short(output)}")
    chunk = by_id.get(chunk_id)
    if chunk is None:
        raise ResultFormatError(f"chunk {chunk_id}: not a planned chunk")
    if output.get("start") != chunk["start"] or output.get("stop") != chunk["stop"]:
        raise ResultFormatError(
            f"chunk {chunk_id}: result covers [{output.get('start')}, {output.get('stop')}) "
            f"but the plan says [{chunk['start']}, {chunk['stop']})"
        )
    if not isinstance(output.get("encoding"), str):
        raise ResultFormatError(f"chunk {chunk_id}: compute output without encoding")
    if "value" not in output and not isinstance(output.get("value_key"), str):
        raise ResultFormatError(f"chunk {chunk_id}: compute output has neither value nor value_key")
