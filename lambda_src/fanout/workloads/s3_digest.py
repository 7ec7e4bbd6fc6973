"""Workload ``s3_digest``: for every object under an S3 prefix, its size, sha256 and line
count; the result is a manifest in key order plus totals.

Input: ``{"workload": "s3_digest", "items": {"s3_prefix": "s3://bucket/path/"}}``.

The line count is that of ``wc -l`` plus one for a last line without a newline: the
number of b"\\n" bytes, plus 1 when the object is not empty and does not end with one.

Result (``runs/<id>/result.txt``): one JSON object a line, in key order,
``{"key": ..., "size": ..., "sha256": ..., "lines": ...}``. The execution output carries
the totals: ``objects``, ``bytes``, ``lines`` and ``manifest_sha256`` (of result.txt).
"""

from __future__ import annotations

import hashlib
import json
import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fanout.config import Limits
from fanout.items import S3Object
from fanout.types import Chunk
from fanout.validation import choose_chunk_size, refuse_unknown

NAME = "s3_digest"
PARTIAL_ENCODING = "json"
FIELDS: tuple[str, ...] = ()
ITEM_SOURCES = ("s3_prefix",)
# Objects read at once by one child: reading is waiting on S3, not computing.
READERS = 8
DEFAULT_CHUNK_SIZE = 250


def validate(params: dict[str, Any], limits: Limits) -> dict[str, Any]:
    refuse_unknown(params, ("size", "chunk_size", *FIELDS))
    size: int = params["size"]
    # At least 250 objects per child: with READERS objects read at once at the 20-50 ms a
    # GetObject takes, a child reads them in about a second, long beside the state
    # transitions and the invocation it costs. About 200 children for large prefixes (and
    # no chunk carries more than 64 KiB of names).
    chunk_size = choose_chunk_size(params, limits, max(DEFAULT_CHUNK_SIZE, math.ceil(size / 200)))
    return {"size": size, "chunk_size": chunk_size}


def digest(obj: S3Object) -> list[Any]:
    """[name, size, sha256, lines] of one object, read in blocks."""
    sha = hashlib.sha256()
    size = newlines = 0
    last = b""
    for block in obj.read():
        sha.update(block)
        size += len(block)
        newlines += block.count(b"\n")
        last = block[-1:]
    lines = newlines + (1 if size and last != b"\n" else 0)
    return [obj.name, size, sha.hexdigest(), lines]


def compute(params: dict[str, Any], chunk: Chunk, items: list[S3Object]) -> list[list[Any]]:
    with ThreadPoolExecutor(max_workers=min(READERS, len(items))) as pool:
        return list(pool.map(digest, items))


def reduce(params: dict[str, Any], partials: list[Any]) -> dict[str, Any]:
    prefix = params["items"]["key"]
    lines: list[str] = []
    total_bytes = total_lines = 0
    for partial in partials:
        for name, size, sha256, line_count in partial:
            lines.append(
                json.dumps(
                    {"key": prefix + name, "size": size, "sha256": sha256, "lines": line_count}
                )
                + "\n"
            )
            total_bytes += size
            total_lines += line_count
    manifest = "".join(lines)
    return {
        "verdict": "OK",
        "objects": len(lines),
        "bytes": total_bytes,
        "lines": total_lines,
        "manifest_sha256": hashlib.sha256(manifest.encode()).hexdigest(),
        "result_text": manifest,
    }
