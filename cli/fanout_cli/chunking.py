"""How a run is split into chunks: the same rule as the plan function.

``default_chunk_size`` MUST stay equal to the plan function's default in
``lambda_src`` (``max(64, ceil(size / 200))`` capped at ``MAX_CHUNK_SIZE``);
``fanout estimate`` relies on it to predict the plan the deployment will make.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

MIN_DEFAULT_CHUNK_SIZE = 64
TARGET_CHUNKS = 200
# The deployment's default ``max_chunk_size`` (Lambda env MAX_CHUNK_SIZE).
DEFAULT_MAX_CHUNK_SIZE = 10_000


def default_chunk_size(size: int, max_chunk_size: int = DEFAULT_MAX_CHUNK_SIZE) -> int:
    """Items per chunk when the input names none: about 200 chunks, at least 64 items."""
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    if max_chunk_size < 1:
        raise ValueError(f"max_chunk_size must be >= 1, got {max_chunk_size}")
    return min(max(MIN_DEFAULT_CHUNK_SIZE, math.ceil(size / TARGET_CHUNKS)), max_chunk_size)


def chunk_count(size: int, chunk_size: int) -> int:
    """Number of chunks (child executions) for ``size`` items."""
    if size < 1 or chunk_size < 1:
        raise ValueError("size and chunk_size must be >= 1")
    return math.ceil(size / chunk_size)


def iter_chunks(size: int, chunk_size: int) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of each chunk in order; ``stop`` is exclusive."""
    for start in range(0, size, chunk_size):
        yield start, min(start + chunk_size, size)
