"""Item sources, pure parts: the items field, allowed locations, JSONL/CSV reading and
chunking."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest

from fanout import items
from fanout.errors import InputNotAllowedError, InvalidInputError, MalformedInputError

pytestmark = pytest.mark.unit

ALLOWED = ("s3://data-bucket/inputs/", "s3://whole-bucket/")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            {"s3_prefix": "s3://data-bucket/inputs/photos/"},
            {"kind": "s3_prefix", "bucket": "data-bucket", "key": "inputs/photos/"},
        ),
        (
            {"jsonl": "s3://whole-bucket/p.jsonl"},
            {"kind": "jsonl", "bucket": "whole-bucket", "key": "p.jsonl"},
        ),
        (
            {"csv": "s3://data-bucket/inputs/p.csv"},
            {"kind": "csv", "bucket": "data-bucket", "key": "inputs/p.csv", "header": True},
        ),
        (
            {"csv": "s3://data-bucket/inputs/p.csv", "header": False},
            {"kind": "csv", "bucket": "data-bucket", "key": "inputs/p.csv", "header": False},
        ),
        (
            {"s3_prefix": "s3://whole-bucket"},
            {"kind": "s3_prefix", "bucket": "whole-bucket", "key": ""},
        ),
    ],
)
def test_parse_source_normalises_each_kind(raw: Any, expected: dict[str, Any]) -> None:
    source = items.parse_source(raw, ALLOWED)
    assert source == {**expected, "uri": f"s3://{expected['bucket']}/{expected['key']}"}


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("s3://data-bucket/inputs/", "items"),
        ({}, "items"),
        ({"s3_prefix": "s3://data-bucket/inputs/", "jsonl": "s3://x/y"}, "items"),
        ({"s3_prefix": "data-bucket/inputs/"}, "items.s3_prefix"),
        ({"jsonl": 5}, "items.jsonl"),
        ({"jsonl": "s3://data-bucket/inputs/"}, "items.jsonl"),
        ({"jsonl": "s3://data-bucket/inputs/a.jsonl", "header": True}, "header"),
        ({"csv": "s3://data-bucket/inputs/a.csv", "header": "yes"}, "items.header"),
        ({"s3_prefix": "s3://Bad_Bucket/x/"}, "items.s3_prefix"),
    ],
)
def test_malformed_items_fields_name_the_field(raw: Any, field: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        items.parse_source(raw, ALLOWED)
    assert type(err.value) is InvalidInputError
    assert str(err.value).startswith(field + ":"), str(err.value)


@pytest.mark.parametrize(
    "uri",
    [
        "s3://data-bucket/elsewhere/",  # same bucket, other prefix
        "s3://data-bucket/inputs",  # the folder itself without its slash is not inside it
        "s3://data-bucket/",  # the whole bucket is more than one of its prefixes
        "s3://other-bucket/inputs/",
    ],
)
def test_locations_outside_the_allowed_list_are_refused_naming_them(uri: str) -> None:
    with pytest.raises(InputNotAllowedError) as err:
        items.parse_source({"s3_prefix": uri}, ALLOWED)
    message = str(err.value)
    assert uri in message and "allowed_input_locations" in message
    assert "s3://data-bucket/inputs/" in message


def test_no_allowed_locations_refuse_everything() -> None:
    with pytest.raises(InputNotAllowedError, match="allows no input"):
        items.parse_source({"jsonl": "s3://whole-bucket/a.jsonl"}, ())


def blocks_of(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("block", [1, 3, 7, 1024])
def test_iter_lines_keeps_every_byte_whatever_the_blocks(block: int) -> None:
    data = b"a\nbb\n\nccc\r\nlast"
    lines = list(items.iter_lines(blocks_of(data, block)))
    assert lines == [b"a\n", b"bb\n", b"\n", b"ccc\r\n", b"last"]


JSONL = b'{"size": 1}\n\n  \n{"size": 2}\n[3]\n"four"\n'


def complete(progress: Iterable[items.Scan]) -> items.Scan:
    """The scan once its generator is exhausted."""
    return list(progress)[-1]


def test_scan_jsonl_counts_non_blank_lines_with_their_offsets() -> None:
    scan = complete(items.scan_jsonl(blocks_of(JSONL, 5), "s3://b/p.jsonl"))
    assert scan.count == 4
    # byte offset past each item, and the line after it
    assert list(scan.ends) == [12, 28, 32, 39]
    assert list(scan.next_lines) == [2, 5, 6, 7]


def test_file_chunks_reread_exactly_their_items() -> None:
    scan = complete(items.scan_jsonl([JSONL], "s3://b/p.jsonl"))
    chunks = items.chunk_file(scan, 3)
    assert chunks == [
        {"chunk_id": 0, "start": 0, "stop": 3, "byte_start": 0, "byte_stop": 32, "line": 1},
        {"chunk_id": 1, "start": 3, "stop": 4, "byte_start": 32, "byte_stop": 39, "line": 6},
    ]
    values = []
    for c in chunks:
        part = JSONL[c["byte_start"] : c["byte_stop"]]
        records = items.jsonl_records([part], "x", offset=c["byte_start"], line=c["line"])
        values += [r.value for r in records]
    assert values == [{"size": 1}, {"size": 2}, [3], "four"]


def test_a_malformed_jsonl_line_is_named() -> None:
    data = b'{"size": 1}\n\n{"size": 2,}\n'
    with pytest.raises(MalformedInputError) as err:
        complete(items.scan_jsonl([data], "s3://b/p.jsonl"))
    assert str(err.value).startswith("s3://b/p.jsonl: line 3 is not valid JSON")


def test_non_utf8_is_named_by_line() -> None:
    with pytest.raises(MalformedInputError, match="line 2 is not UTF-8"):
        complete(items.scan_jsonl([b"1\n\xff\n"], "s3://b/p.jsonl"))


def test_an_item_check_refusal_is_named_by_line() -> None:
    def positive(value: int) -> None:
        if value <= 0:
            raise ValueError(f"must be positive, got {value}")

    with pytest.raises(MalformedInputError) as err:
        complete(items.scan_jsonl([b"1\n2\n\n-3\n"], "s3://b/p.jsonl", positive))
    assert str(err.value) == "s3://b/p.jsonl: line 4: must be positive, got -3"


CSV = b'\xef\xbb\xbfsize,label\r\n1,"one"\r\n2,"two\r\nlines"\r\n\r\n3,three\r\n'


def test_scan_csv_with_header_reads_quoted_newlines_and_a_bom() -> None:
    scan = complete(items.scan_csv(blocks_of(CSV, 4), "s3://b/p.csv", header=True))
    assert scan.columns == ["size", "label"] and scan.fields == 2
    assert scan.count == 3
    chunks = items.chunk_file(scan, 2)
    rows = []
    for c in chunks:
        part = CSV[c["byte_start"] : c["byte_stop"]]
        records = items.csv_records([part], "x", 2, offset=c["byte_start"], line=c["line"])
        rows += [items.row_value(r.value, scan.columns) for r in records]
    assert rows == [
        {"size": "1", "label": "one"},
        {"size": "2", "label": "two\r\nlines"},
        {"size": "3", "label": "three"},
    ]
    # the second chunk starts past row 2, on the blank line 5
    assert chunks[1]["line"] == 5


def test_scan_csv_without_header_takes_the_first_row_s_width() -> None:
    scan = complete(items.scan_csv([b"1,a\n2,b\n"], "s3://b/p.csv", header=False))
    assert scan.columns is None and scan.fields == 2 and scan.count == 2


@pytest.mark.parametrize(
    ("data", "header", "message"),
    [
        (b"size,label\n1,a\n2\n", True, "row 2 (line 3) has 1 fields, expected 2"),
        (b"1,a\n2,b\n3,c,d\n", False, "row 3 (line 3) has 3 fields, expected 2"),
        (b"size,size\n1,2\n", True, "distinct, non-empty column names"),
        (b'size\n"1\n', True, "row 1 (line 2)"),
    ],
)
def test_csv_rows_of_the_wrong_width_are_named(data: bytes, header: bool, message: str) -> None:
    with pytest.raises(MalformedInputError) as err:
        complete(items.scan_csv([data], "s3://b/p.csv", header=header))
    assert str(err.value).startswith("s3://b/p.csv: "), str(err.value)
    assert message in str(err.value)


def test_name_chunks_respect_the_count_and_the_byte_cap() -> None:
    names = [f"{n:04d}-" + "x" * 40 for n in range(1000)]  # 47 bytes of JSON each
    # 100 names as a compact JSON array: 100 * 47 + 99 commas + 2 brackets = 4801 bytes
    chunks = items.chunk_names(names, chunk_size=300, max_bytes=4801)
    assert [c["stop"] - c["start"] for c in chunks] == [100] * 10
    assert [n for c in chunks for n in c["names"]] == names
    assert all(len(json.dumps(c["names"], separators=(",", ":"))) == 4801 for c in chunks)
    assert len(items.chunk_names(names, chunk_size=300, max_bytes=4800)) == 11
    chunks = items.chunk_names(names, chunk_size=300)
    assert [c["stop"] - c["start"] for c in chunks] == [300, 300, 300, 100]
    assert [c["chunk_id"] for c in chunks] == [0, 1, 2, 3]


def test_name_chunks_measure_escaped_names_exactly() -> None:
    names = ['say "hi"', "back\\slash", "caf\u00e9", "\U0001f600", "tab\t", "del\x7f", "ok"] * 50
    for cap in (40, 97, 300):
        chunks = items.chunk_names(names, chunk_size=1000, max_bytes=cap)
        sizes = [len(json.dumps(c["names"], separators=(",", ":"))) for c in chunks]
        assert max(sizes) <= cap
        # a chunk is cut only when the next name would not fit
        for c, size in zip(chunks[:-1], sizes[:-1], strict=True):
            assert size + len(json.dumps(names[c["stop"]])) + 1 > cap
