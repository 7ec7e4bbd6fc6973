from __future__ import annotations

import math

import pytest

from fanout.config import Limits
from fanout.errors import InvalidInputError
from fanout.planning import plan_chunks, validate_input
from fanout.validation import split_range

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("size", [1, 2, 3, 63, 64, 65, 127, 1000, 1024, 4097, 99_991])
@pytest.mark.parametrize("chunk_size", [1, 2, 7, 64, 100, 1024, 200_000])
def test_split_range_covers_every_item_exactly_once(size: int, chunk_size: int) -> None:
    chunks = split_range(size, chunk_size)
    covered = [i for c in chunks for i in range(c["start"], c["stop"])]
    assert covered == list(range(size))
    assert [c["chunk_id"] for c in chunks] == list(range(len(chunks)))
    assert len(chunks) == math.ceil(size / chunk_size)
    assert all(0 < c["stop"] - c["start"] <= chunk_size for c in chunks)


def test_default_chunk_size_of_the_contract_example() -> None:
    workload, params = validate_input({"size": 1024}, Limits())
    assert (workload, params) == ("utf8_count", {"size": 1024, "chunk_size": 64, "kernel": "fast"})
    assert len(plan_chunks(workload, params, Limits())) == 16


@pytest.mark.parametrize(
    ("size", "limits", "expected_chunk_size"),
    [
        (10, Limits(), 10),  # never more than size
        (64, Limits(), 64),
        (1024, Limits(), 64),
        (12_800, Limits(), 800),
        (1_000_000, Limits(), 62_500),  # about 16 children
        (1_000_000, Limits(max_chunk_size=1000, max_chunks=10_000), 1000),  # capped
        (5000, Limits(max_chunks=10), 500),  # MAX_CHUNKS respected
    ],
)
def test_default_chunk_size_is_sensible(
    size: int, limits: Limits, expected_chunk_size: int
) -> None:
    workload, params = validate_input({"size": size}, limits)
    assert params["chunk_size"] == expected_chunk_size
    chunks = plan_chunks(workload, params, limits)
    assert len(chunks) <= limits.max_chunks
    assert chunks[-1]["stop"] == size


@pytest.mark.parametrize(
    ("size", "chunk_size"), [(1, 1), (16, 1), (200, 13), (400, 6), (512, 1), (1024, 1)]
)
def test_reference_kernel_chunks_follow_the_item_cost(size: int, chunk_size: int) -> None:
    # Heavy items get a child each; light runs still fan out to about 16 children.
    _, params = validate_input({"size": size, "kernel": "reference"}, Limits())
    assert params["chunk_size"] == chunk_size


def test_requested_chunk_size_beyond_max_chunks_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"^chunk_size: .*MAX_CHUNKS"):
        validate_input({"size": 1000, "chunk_size": 1}, Limits(max_chunks=100))


def test_size_that_cannot_fit_the_limits_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"^size: "):
        validate_input({"size": 10_000}, Limits(max_chunk_size=10, max_chunks=100))
