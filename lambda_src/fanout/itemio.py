"""The S3 side of item sources, with a client passed in: the plan lists or scans a source
once and cuts it into chunks; compute reads one chunk's items back.

What S3 does that this relies on (https://docs.aws.amazon.com/AmazonS3/latest/API/):
ListObjectsV2 returns keys in UTF-8 binary order, at most 1,000 a page; GetObject takes a
``Range`` (``bytes=first-last``, both inclusive) and ``IfMatch`` (answering 412
PreconditionFailed when the ETag differs); a missing bucket is ``NoSuchBucket``, a missing
key ``NoSuchKey`` (404, given s3:ListBucket on the bucket).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from botocore.exceptions import ClientError

from fanout import items
from fanout.errors import (
    EmptyInputError,
    InputChangedError,
    InputNotFoundError,
    InputTooLargeError,
)

logger = logging.getLogger(__name__)

READ_BLOCK_BYTES = 1024 * 1024
# The plan stops listing or scanning this long before its own timeout, to fail clearly.
DEADLINE_MARGIN_MS = 5_000
_NOT_FOUND = ("NoSuchBucket", "NoSuchKey", "404", "NotFound")
_DENIED = ("AccessDenied", "403", "AllAccessDisabled")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def not_readable(exc: ClientError, uri: str) -> Exception:
    """The named error for an S3 error while reading an item source in the plan."""
    code = _code(exc)
    if code == "NoSuchBucket":
        return InputNotFoundError(f"{uri}: bucket {uri.split('/')[2]} does not exist")
    if code in _NOT_FOUND:
        return InputNotFoundError(f"{uri}: no such object")
    if code in _DENIED:
        return InputNotFoundError(
            f"{uri}: access denied ({code}); the functions may read only the allowed input "
            "locations, and the bucket's own policy must let them"
        )
    return exc  # anything else is not the input's fault


def body_blocks(body: Any) -> Iterator[bytes]:
    while True:
        block = body.read(READ_BLOCK_BYTES)
        if not block:
            return
        yield block


class _Clock:
    """Raises InputTooLargeError when the plan function nears its timeout."""

    def __init__(self, remaining_ms: Callable[[], int] | None, what: str) -> None:
        self._remaining_ms = remaining_ms
        self._what = what
        self._started = time.monotonic()

    def check(self, done: int) -> None:
        if self._remaining_ms is not None and self._remaining_ms() < DEADLINE_MARGIN_MS:
            elapsed = time.monotonic() - self._started
            raise InputTooLargeError(
                f"{self._what}: read {done} items in {elapsed:.0f} s and the plan function's "
                "timeout is near; raise plan_timeout (up to 900 s) or split the input"
            )


def list_names(
    s3: Any,
    source: dict[str, Any],
    max_items: int,
    remaining_ms: Callable[[], int] | None = None,
) -> list[str]:
    """Names (keys relative to the prefix) of every object under an ``s3_prefix`` source, in
    key order. Zero-byte keys ending in "/" (folder markers) are not items."""
    bucket, prefix, uri = source["bucket"], source["key"], source["uri"]
    clock = _Clock(remaining_ms, uri)
    names: list[str] = []
    request: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
    while True:
        try:
            page = s3.list_objects_v2(**request)
        except ClientError as exc:
            raise not_readable(exc, uri) from exc
        for obj in page.get("Contents", []):
            key = obj["Key"]
            if key.endswith("/") and obj.get("Size", 0) == 0:
                continue
            names.append(key[len(prefix) :])
        if len(names) > max_items:
            raise InputTooLargeError(
                f"{uri}: more than {max_items} objects, the most one run takes (max_size)"
            )
        clock.check(len(names))
        if not page.get("IsTruncated"):
            break
        request["ContinuationToken"] = page["NextContinuationToken"]
    if not names:
        raise EmptyInputError(f"{uri}: no objects under this prefix")
    return names


def scan_file(
    s3: Any,
    source: dict[str, Any],
    max_items: int,
    check_item: items.ItemCheck | None = None,
    remaining_ms: Callable[[], int] | None = None,
) -> tuple[items.Scan, str]:
    """Read a ``jsonl`` or ``csv`` source once: (its scan, its ETag)."""
    uri = source["uri"]
    try:
        response = s3.get_object(Bucket=source["bucket"], Key=source["key"])
    except ClientError as exc:
        raise not_readable(exc, uri) from exc
    blocks = body_blocks(response["Body"])
    if source["kind"] == "jsonl":
        progress = items.scan_jsonl(blocks, uri, check_item)
    else:
        progress = items.scan_csv(blocks, uri, source["header"], check_item)
    clock = _Clock(remaining_ms, uri)
    scan = items.Scan()
    for scan in progress:
        if scan.count % 1000 == 0:
            clock.check(scan.count)
        if scan.count > max_items:
            raise InputTooLargeError(
                f"{uri}: more than {max_items} items, the most one run takes (max_size)"
            )
    if scan.count == 0:
        what = "rows" if source["kind"] == "csv" else "lines"
        raise EmptyInputError(f"{uri}: no {what} (only blank lines or a header)")
    return scan, str(response.get("ETag", ""))


def plan_items(
    s3: Any,
    source: dict[str, Any],
    chunk_size_for: Callable[[int], int],
    max_items: int,
    check_item: items.ItemCheck | None = None,
    remaining_ms: Callable[[], int] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the source as the run carries it, the chunks) for an item source.

    ``chunk_size_for(count)`` is the workload's chunk size for that many items (it may
    refuse the count with InvalidInputError)."""
    if source["kind"] == "s3_prefix":
        names = list_names(s3, source, max_items, remaining_ms)
        chunks = items.chunk_names(names, chunk_size_for(len(names)))
        spec = {**source, "count": len(names)}
    else:
        scan, etag = scan_file(s3, source, max_items, check_item, remaining_ms)
        chunks = items.chunk_file(scan, chunk_size_for(scan.count))
        spec = {**source, "count": scan.count, "etag": etag}
        if source["kind"] == "csv":
            spec.update(columns=scan.columns, fields=scan.fields)
    logger.info(
        "read item source",
        extra={"uri": source["uri"], "items": spec["count"], "chunks": len(chunks)},
    )
    return spec, chunks


# ------------------------------------------------------------------------------ compute


def _opener(s3: Any, bucket: str, key: str) -> Callable[[], Iterator[bytes]]:
    def read() -> Iterator[bytes]:
        try:
            response = s3.get_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                raise InputChangedError(
                    f"s3://{bucket}/{key}: listed by the plan, gone when read"
                ) from exc
            raise
        yield from body_blocks(response["Body"])

    return read


def load_items(s3: Any, spec: dict[str, Any], chunk: Mapping[str, Any]) -> list[Any]:
    """The items of one chunk: S3Object handles for ``s3_prefix``, JSON values for
    ``jsonl``, rows (dicts with a header, else lists) for ``csv``."""
    bucket = spec["bucket"]
    if spec["kind"] == "s3_prefix":
        prefix = spec["key"]
        return [
            items.S3Object(bucket, prefix + name, name, _opener(s3, bucket, prefix + name))
            for name in chunk["names"]
        ]
    uri = spec["uri"]
    first, stop = chunk["byte_start"], chunk["byte_stop"]
    try:
        response = s3.get_object(
            Bucket=bucket, Key=spec["key"], Range=f"bytes={first}-{stop - 1}", IfMatch=spec["etag"]
        )
    except ClientError as exc:
        if _code(exc) in (*_NOT_FOUND, "PreconditionFailed", "412"):
            raise InputChangedError(
                f"{uri}: changed or removed since the plan read it (ETag {spec['etag']})"
            ) from exc
        raise
    blocks = body_blocks(response["Body"])
    if spec["kind"] == "jsonl":
        records = items.jsonl_records(blocks, uri, offset=first, line=chunk["line"])
        values = [r.value for r in records]
    else:
        rows = items.csv_records(
            blocks, uri, spec["fields"], offset=first, line=chunk["line"], row=chunk["start"] + 1
        )
        values = [items.row_value(r.value, spec.get("columns")) for r in rows]
    if len(values) != chunk["stop"] - chunk["start"]:
        raise InputChangedError(
            f"{uri}: bytes {first}-{stop - 1} hold {len(values)} items, the plan found "
            f"{chunk['stop'] - chunk['start']}"
        )
    return values
