"""Item sources (docs/architecture.md, "Item sources"): parse and authorise the ``items``
input field, read JSONL lines and CSV rows out of byte streams, and cut the items into
chunks. Pure: :mod:`fanout.itemio` does the S3 I/O and passes the bytes in.

A chunk never carries the data itself, only a reference to it: the object names of an
``s3_prefix`` chunk (relative to the prefix), or the byte range and first line number of a
``jsonl`` / ``csv`` chunk. Every chunk keeps ``chunk_id``, ``start`` and ``stop`` (item
indices covering ``[0, item count)`` once), like the chunks of a range workload.
"""

from __future__ import annotations

import csv
import json
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from fanout.errors import InputNotAllowedError, InvalidInputError, MalformedInputError
from fanout.validation import json_type, refuse_unknown

KINDS = ("s3_prefix", "jsonl", "csv")
# The object names one s3_prefix chunk carries, in bytes of JSON: far below the 256 KiB
# state payload limit every child input and ResultWriter record must respect.
MAX_CHUNK_NAME_BYTES = 64 * 1024
# The CSV header travels in every child's run parameters.
MAX_HEADER_BYTES = 16 * 1024
# S3 bucket names (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)
_S3_URI = re.compile(r"s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?", re.DOTALL)

# A check a workload runs on every item while the plan scans the source: raises ValueError
# with a message saying what is wrong with the item.
ItemCheck = Callable[[Any], None]


@dataclass(frozen=True)
class Location:
    bucket: str
    key: str  # an object key or a prefix ("" is the whole bucket)

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def parse_s3_uri(value: Any, field_name: str) -> Location:
    if not isinstance(value, str):
        raise InvalidInputError(
            f"{field_name}: expected an s3://bucket/key string, got {json_type(value)}"
        )
    match = _S3_URI.fullmatch(value)
    if not match:
        raise InvalidInputError(
            f"{field_name}: expected s3://<bucket>/<key or prefix>, got {json.dumps(value)[:120]}"
        )
    return Location(match.group(1), match.group(2) or "")


def is_allowed(location: Location, allowed: Iterable[str]) -> bool:
    """Inside one of the allowed ``s3://bucket/prefix/`` locations (the same prefix match
    the functions' IAM policies make)."""
    for entry in allowed:
        permitted = _S3_URI.fullmatch(entry)
        if permitted and permitted.group(1) == location.bucket:
            if location.key.startswith(permitted.group(2) or ""):
                return True
    return False


def parse_source(raw: Any, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The ``items`` field, normalised: {"kind", "bucket", "key", "uri"} (+ "header" for csv).

    Refuses a malformed field with InvalidInputError and a location outside ``allowed``
    with InputNotAllowedError, before anything is read.
    """
    if not isinstance(raw, dict):
        raise InvalidInputError(
            'items: expected an object such as {"s3_prefix": "s3://bucket/path/"}, '
            f"got {json_type(raw)}"
        )
    named = [kind for kind in KINDS if kind in raw]
    if len(named) != 1:
        raise InvalidInputError(
            f"items: name exactly one source of {', '.join(KINDS)}; got "
            f"{', '.join(sorted(raw)) or 'none'}"
        )
    kind = named[0]
    refuse_unknown(raw, (kind, "header") if kind == "csv" else (kind,), where="items")
    field_name = f"items.{kind}"
    location = parse_s3_uri(raw[kind], field_name)
    if kind != "s3_prefix" and (not location.key or location.key.endswith("/")):
        raise InvalidInputError(
            f"{field_name}: {location.uri} names a folder; give the key of one {kind} file"
        )
    if not is_allowed(location, allowed):
        shown = ", ".join(allowed) if allowed else "none: the deployment allows no input"
        raise InputNotAllowedError(
            f"{field_name}: {location.uri} is outside the allowed input locations ({shown}); "
            "the deployer allows more with the Terraform variable allowed_input_locations"
        )
    source: dict[str, Any] = {
        "kind": kind,
        "bucket": location.bucket,
        "key": location.key,
        "uri": location.uri,
    }
    if kind == "csv":
        header = raw.get("header", True)
        if not isinstance(header, bool):
            raise InvalidInputError(
                f"items.header: expected true or false, got {json_type(header)}"
            )
        source["header"] = header
    return source


# ------------------------------------------------------------------------ lines and rows


def iter_lines(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a byte stream, each with its b"\\n" (the last one may lack it)."""
    pending = b""
    for block in blocks:
        if not block:
            continue
        pending += block
        start = 0
        while True:
            end = pending.find(b"\n", start)
            if end < 0:
                break
            yield pending[start : end + 1]
            start = end + 1
        pending = pending[start:]
    if pending:
        yield pending


@dataclass
class Record:
    """One item read from a JSONL or CSV file."""

    value: Any
    line: int  # physical line (1-based) the item starts on
    stop: int  # byte offset just past the item (its newline included)
    next_line: int  # the line after the item


class _Feed:
    """Decoded lines with the bytes and lines consumed so far (for CSV records that span
    lines inside quotes: the csv module pulls lines one at a time and never reads ahead)."""

    def __init__(self, blocks: Iterable[bytes], offset: int, line: int, where: str) -> None:
        self._lines = iter_lines(blocks)
        self.offset = offset
        self.line = line
        self._at_file_start = offset == 0
        self._where = where

    def __iter__(self) -> Iterator[str]:
        for raw in self._lines:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MalformedInputError(
                    f"{self._where}: line {self.line} is not UTF-8 text ({exc.reason} at "
                    f"byte {exc.start} of the line)"
                ) from exc
            if self._at_file_start:
                text = text.removeprefix("\ufeff")
                self._at_file_start = False
            self.offset += len(raw)
            self.line += 1
            yield text


def jsonl_records(
    blocks: Iterable[bytes], where: str, offset: int = 0, line: int = 1
) -> Iterator[Record]:
    """Every non-blank line as a JSON value; a line that is not JSON raises
    MalformedInputError naming it. Blank lines are skipped (they are not items)."""
    feed = _Feed(blocks, offset, line, where)
    for text in feed:
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise MalformedInputError(
                f"{where}: line {feed.line - 1} is not valid JSON ({exc})"
            ) from exc
        yield Record(value, feed.line - 1, feed.offset, feed.line)


def csv_records(
    blocks: Iterable[bytes],
    where: str,
    fields: int | None,
    offset: int = 0,
    line: int = 1,
    row: int = 1,
) -> Iterator[Record]:
    """Every non-blank CSV record (RFC 4180 quoting) as a list of strings. A record with
    other than ``fields`` fields (the first record's count when None) raises
    MalformedInputError naming its row (``row`` counts records, starting at the given
    number) and line."""
    feed = _Feed(blocks, offset, line, where)
    reader = csv.reader(feed, strict=True)
    while True:
        first_line = feed.line
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise MalformedInputError(f"{where}: row {row} (line {first_line}): {exc}") from exc
        if not values:
            continue
        if fields is None:
            fields = len(values)
        elif len(values) != fields:
            raise MalformedInputError(
                f"{where}: row {row} (line {first_line}) has {len(values)} fields, "
                f"expected {fields}"
            )
        yield Record(values, first_line, feed.offset, feed.line)
        row += 1


# ------------------------------------------------------------------------------ the scan


@dataclass
class Scan:
    """What the plan learns from reading a JSONL or CSV file once."""

    data_start: int = 0  # byte offset of the first item (past a CSV header)
    first_line: int = 1  # line number at data_start
    ends: array[int] = field(default_factory=lambda: array("q"))  # byte offset past each item
    next_lines: array[int] = field(default_factory=lambda: array("q"))  # line after each item
    columns: list[str] | None = None  # CSV header
    fields: int | None = None  # CSV fields per row

    @property
    def count(self) -> int:
        return len(self.ends)


def check(check_item: ItemCheck | None, value: Any, where: str) -> None:
    """Run a workload's item check, reporting a refusal as MalformedInputError at ``where``."""
    if check_item is None:
        return
    try:
        check_item(value)
    except ValueError as exc:
        raise MalformedInputError(f"{where}: {exc}") from exc


def scan_jsonl(
    blocks: Iterable[bytes], where: str, check_item: ItemCheck | None = None
) -> Iterator[Scan]:
    """Scan a JSONL file; yields the same growing Scan after every item (so the caller can
    watch its clock) and leaves it complete at the end."""
    scan = Scan()
    for record in jsonl_records(blocks, where):
        check(check_item, record.value, f"{where}: line {record.line}")
        scan.ends.append(record.stop)
        scan.next_lines.append(record.next_line)
        yield scan
    yield scan


def scan_csv(
    blocks: Iterable[bytes], where: str, header: bool, check_item: ItemCheck | None = None
) -> Iterator[Scan]:
    """Scan a CSV file (see scan_jsonl). With ``header`` the first record names the columns
    and every item is a dict; without, every item is a list of strings."""
    scan = Scan()
    lines = iter_lines(blocks)
    if header:
        records = csv_records(lines, where, None, row=0)
        first = next(records, None)
        if first is None:
            yield scan
            return
        names = [str(v) for v in first.value]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates or any(not n.strip() for n in names):
            raise MalformedInputError(
                f"{where}: the header (line {first.line}) needs distinct, non-empty column "
                f"names; got {json.dumps(names)[:200]}"
            )
        if len(json.dumps(names)) > MAX_HEADER_BYTES:
            raise MalformedInputError(
                f"{where}: the header is longer than {MAX_HEADER_BYTES} bytes of JSON"
            )
        scan.columns, scan.fields = names, len(names)
        scan.data_start, scan.first_line = first.stop, first.next_line
        rest: Iterator[Record] = csv_records(
            lines, where, scan.fields, offset=first.stop, line=first.next_line
        )
    else:
        rest = csv_records(lines, where, None)
    for n, record in enumerate(rest, start=1):
        if scan.fields is None:
            scan.fields = len(record.value)
        check(check_item, row_value(record.value, scan.columns), f"{where}: row {n}")
        scan.ends.append(record.stop)
        scan.next_lines.append(record.next_line)
        yield scan
    yield scan


def row_value(values: list[str], columns: list[str] | None) -> Any:
    """A CSV row as the workload sees it: a dict by column name, or the list itself."""
    return dict(zip(columns, values, strict=True)) if columns is not None else values


# ------------------------------------------------------------------------------ chunking


def chunk_file(scan: Scan, chunk_size: int) -> list[dict[str, int]]:
    """Chunks of at most ``chunk_size`` items of a scanned file: item range, byte range
    (``byte_start`` inclusive, ``byte_stop`` exclusive) and the line ``byte_start`` is on."""
    chunks = []
    for n, start in enumerate(range(0, scan.count, chunk_size)):
        stop = min(start + chunk_size, scan.count)
        chunks.append(
            {
                "chunk_id": n,
                "start": start,
                "stop": stop,
                "byte_start": scan.data_start if start == 0 else scan.ends[start - 1],
                "byte_stop": scan.ends[stop - 1],
                "line": scan.first_line if start == 0 else scan.next_lines[start - 1],
            }
        )
    return chunks


def chunk_names(
    names: list[str], chunk_size: int, max_bytes: int = MAX_CHUNK_NAME_BYTES
) -> list[dict[str, Any]]:
    """Chunks of at most ``chunk_size`` object names and at most ``max_bytes`` of them (as
    JSON), in listing order."""
    chunks: list[dict[str, Any]] = []
    # size: the compact JSON array's length so far ("[" and a "," or "]" after each name)
    start, size = 0, 1
    for index, name in enumerate(names):
        cost = _json_length(name) + 1
        if index > start and (index - start >= chunk_size or size + cost > max_bytes):
            chunks.append(_names_chunk(len(chunks), start, names[start:index]))
            start, size = index, 1
        size += cost
    if start < len(names):
        chunks.append(_names_chunk(len(chunks), start, names[start:]))
    return chunks


def _json_length(name: str) -> int:
    """len(json.dumps(name)), without encoding the common plain-ASCII name."""
    if name.isascii() and name.isprintable() and '"' not in name and "\\" not in name:
        return len(name) + 2
    return len(json.dumps(name))


def _names_chunk(chunk_id: int, start: int, names: list[str]) -> dict[str, Any]:
    return {"chunk_id": chunk_id, "start": start, "stop": start + len(names), "names": names}


@dataclass(frozen=True)
class S3Object:
    """An object an ``s3_prefix`` workload receives: where it is, and how to read it."""

    bucket: str
    key: str
    name: str  # the key relative to the run's prefix
    read: Callable[[], Iterator[bytes]]  # the body, in blocks

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"
