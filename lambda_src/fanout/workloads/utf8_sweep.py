"""Workload ``utf8_sweep``: a parameter sweep, one result row per input row.

Every JSONL line or CSV row names a ``size`` N (a JSON object's field, a CSV column
``size``, or a header-less CSV row's first field); its result row holds T(N) of
``utf8_count`` summarised: the number of decimal digits and the sha256 of the decimal text,
with the input row itself. Rows come back in input order.

Input: ``{"workload": "utf8_sweep", "items": {"jsonl": "s3://bucket/params.jsonl"}}`` or
``{"items": {"csv": "s3://bucket/params.csv", "header": true}}``.

Result (``runs/<id>/result.txt``): one JSON object a line,
``{"row": 1, "input": {...}, "size": N, "digits": ..., "sha256": ...}``; the execution
output has ``rows`` and ``results_sha256`` (of result.txt).
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from fanout import bigint
from fanout.config import Limits
from fanout.types import Chunk
from fanout.validation import choose_chunk_size, refuse_unknown
from fanout.workloads.utf8_count import chunk_sum_fast

NAME = "utf8_sweep"
PARTIAL_ENCODING = "json"
FIELDS: tuple[str, ...] = ()
ITEM_SOURCES = ("jsonl", "csv")
# T(100000) has about 215,000 digits: its decimal text takes well under a second.
MAX_ROW_SIZE = 100_000


def row_size(row: Any) -> int:
    """The size N a row names; ValueError saying what is wrong otherwise."""
    if isinstance(row, dict):
        if "size" not in row:
            raise ValueError(f"no field size in {json.dumps(row)[:100]}")
        value = row["size"]
    elif isinstance(row, list) and row:
        value = row[0]
    else:
        raise ValueError(f'expected an object with a size, e.g. {{"size": 64}}; got {row!r:.60}')
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ROW_SIZE:
        raise ValueError(f"size must be an integer from 1 to {MAX_ROW_SIZE}, got {value!r:.40}")
    return value


check_item = row_size


def validate(params: dict[str, Any], limits: Limits) -> dict[str, Any]:
    refuse_unknown(params, ("size", "chunk_size", *FIELDS))
    size: int = params["size"]
    chunk_size = choose_chunk_size(params, limits, max(10, math.ceil(size / 200)))
    return {"size": size, "chunk_size": chunk_size}


def total(n: int) -> Any:
    """T(n) = f(0) + ... + f(n-1), by utf8_count's O(log n) chunk sum."""
    return chunk_sum_fast(0, n)


def compute(params: dict[str, Any], chunk: Chunk, items: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for index, row in enumerate(items, start=chunk["start"] + 1):
        n = row_size(row)
        text = bigint.to_decimal(total(n))
        rows.append(
            {
                "row": index,
                "input": row,
                "size": n,
                "digits": len(text),
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
            }
        )
    return rows


def reduce(params: dict[str, Any], partials: list[Any]) -> dict[str, Any]:
    text = "".join(json.dumps(row) + "\n" for partial in partials for row in partial)
    return {
        "verdict": "OK",
        "rows": sum(len(p) for p in partials),
        "results_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "result_text": text,
    }
