"""How a run is split into chunks: the same rule as the plan function.

``default_chunk_size`` and ``plan_problems`` MUST stay equal to the plan
function's choice in ``lambda_src`` (``fanout.workloads.utf8_count.validate``
with ``fanout.validation.choose_chunk_size``): ``fanout estimate`` relies on them
to predict the plan the deployment will make. tests/unit/test_cli_chunking.py
compares the two.

The rule for ``utf8_count``: the fast kernel takes ``max(64, ceil(size / 16))``
items per chunk (about 16 children); the reference kernel as many items as keep
the heaviest chunk within a 30 s budget (by the plan's own rough model, 17 s at
i = 512 growing as i**5), but no more than ``ceil(size / 16)``; then at least
``ceil(size / MAX_CHUNKS)``, at most ``MAX_CHUNK_SIZE`` and ``size``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

MIN_DEFAULT_CHUNK_SIZE = 64
TARGET_CHUNKS = 16
# The deployment's defaults (Terraform variables max_chunk_size, max_chunks,
# max_size; Lambda env MAX_CHUNK_SIZE, MAX_CHUNKS, MAX_SIZE).
DEFAULT_MAX_CHUNK_SIZE = 100_000
DEFAULT_MAX_CHUNKS = 10_000
DEFAULT_MAX_SIZE = 1_000_000
# The plan refuses the reference kernel above this size.
REFERENCE_MAX_SIZE = 1024
# The plan's reference-kernel chunking (lambda_src fanout.workloads.utf8_count).
REFERENCE_CHILD_BUDGET_S = 30.0
REFERENCE_SECONDS_AT_512 = 17.0
REFERENCE_EXPONENT = 5
REFERENCE_MIN_CHILDREN = 16


def reference_default_chunk_size(size: int) -> int:
    """The plan's default for the reference kernel (before the MAX_CHUNK* limits)."""
    heaviest = REFERENCE_SECONDS_AT_512 * ((size - 1) / 512) ** REFERENCE_EXPONENT
    by_budget = int(REFERENCE_CHILD_BUDGET_S // max(heaviest, 1e-9))
    return max(1, min(by_budget, math.ceil(size / REFERENCE_MIN_CHILDREN)))


def default_chunk_size(
    size: int,
    kernel: str = "fast",
    max_chunk_size: int = DEFAULT_MAX_CHUNK_SIZE,
    max_chunks: int = DEFAULT_MAX_CHUNKS,
) -> int:
    """Items per chunk when the input names none (the plan function's choice)."""
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    if max_chunk_size < 1 or max_chunks < 1:
        raise ValueError("max_chunk_size and max_chunks must be >= 1")
    fewest = math.ceil(size / max_chunks)
    if kernel == "fast":
        default = max(MIN_DEFAULT_CHUNK_SIZE, math.ceil(size / TARGET_CHUNKS))
    else:
        default = reference_default_chunk_size(size)
    return max(1, min(max(default, fewest), max_chunk_size, size))


def plan_problems(
    size: int,
    chunk_size: int | None,
    kernel: str = "fast",
    max_size: int = DEFAULT_MAX_SIZE,
    max_chunk_size: int = DEFAULT_MAX_CHUNK_SIZE,
    max_chunks: int = DEFAULT_MAX_CHUNKS,
    batch_enabled: bool = False,
) -> list[str]:
    """Why the plan function would refuse this input (InvalidInputError); empty if it accepts.

    ``batch_enabled``: the deployment has the AWS Batch backend (the reference kernel then
    takes any size; its heavy chunks go to Batch)."""
    problems = []
    if size > max_size:
        problems.append(f"size {size:,} is over the deployment's max_size {max_size:,}")
    if kernel == "reference" and size > REFERENCE_MAX_SIZE and not batch_enabled:
        problems.append(f"the reference kernel accepts size up to {REFERENCE_MAX_SIZE:,}")
    fewest = math.ceil(size / max_chunks)
    if chunk_size is None:
        if fewest > max_chunk_size:
            problems.append(
                f"{size:,} items need more than {max_chunks:,} chunks of at most "
                f"{max_chunk_size:,} items (MAX_CHUNKS x MAX_CHUNK_SIZE)"
            )
    else:
        if chunk_size > max_chunk_size:
            problems.append(f"chunk_size {chunk_size:,} is over max_chunk_size {max_chunk_size:,}")
        if chunk_size < fewest:
            problems.append(
                f"chunk_size {chunk_size:,} makes {math.ceil(size / chunk_size):,} chunks, more "
                f"than max_chunks {max_chunks:,}; use chunk_size >= {fewest:,}"
            )
    return problems


def chunk_count(size: int, chunk_size: int) -> int:
    """Number of chunks (child executions) for ``size`` items."""
    if size < 1 or chunk_size < 1:
        raise ValueError("size and chunk_size must be >= 1")
    return math.ceil(size / chunk_size)


def iter_chunks(size: int, chunk_size: int) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of each chunk in order; ``stop`` is exclusive."""
    for start in range(0, size, chunk_size):
        yield start, min(start + chunk_size, size)
