"""The CLI's default chunk size must be the plan function's."""

from __future__ import annotations

import pytest

from fanout.config import Limits
from fanout.errors import InvalidInputError
from fanout.workloads import utf8_count
from fanout_cli.chunking import chunk_count, default_chunk_size, iter_chunks, plan_problems

pytestmark = pytest.mark.unit

SIZES = [1, 2, 63, 64, 65, 200, 1024, 12_800, 12_801, 12_864, 100_000, 640_001, 1_000_000]
LIMITS = [Limits(), Limits(max_chunk_size=100, max_chunks=50), Limits(max_chunk_size=7)]


def test_rule_written_out() -> None:
    assert default_chunk_size(1024) == 64  # max(64, ceil(1024/16) = 64)
    assert default_chunk_size(1025) == 65  # ceil(1025/16) = 64.06 -> 65
    assert default_chunk_size(1_000_000) == 62_500
    assert default_chunk_size(10) == 10  # never more than size
    assert default_chunk_size(1024, kernel="reference") == 1
    # reference, 200 items: heaviest item 17 * (199/512)**5 = 0.152 s -> 30 // 0.152 = 197
    # items fit the 30 s budget, but at least 16 children: min(197, ceil(200/16) = 13)
    assert default_chunk_size(200, kernel="reference") == 13
    assert default_chunk_size(1_000_000, max_chunk_size=1000) == 1000
    assert default_chunk_size(1_000_000, max_chunks=10) == 100_000  # ceil(1e6 / 10)


@pytest.mark.parametrize("limits", LIMITS, ids=["defaults", "small", "tiny-chunks"])
@pytest.mark.parametrize("kernel", ["fast", "reference"])
@pytest.mark.parametrize("size", SIZES)
def test_same_choice_as_the_plan_function(size: int, kernel: str, limits: Limits) -> None:
    ours = default_chunk_size(size, kernel, limits.max_chunk_size, limits.max_chunks)
    problems = plan_problems(
        size, None, kernel, limits.max_size, limits.max_chunk_size, limits.max_chunks
    )
    try:
        theirs = utf8_count.validate({"size": size, "kernel": kernel}, limits)["chunk_size"]
    except InvalidInputError:
        assert problems, "the plan refuses an input the CLI thinks it accepts"
        return
    assert not problems
    assert ours == theirs


@pytest.mark.parametrize("chunk_size", [1, 10, 99, 100, 101, 5000])
def test_same_refusals_of_a_requested_chunk_size(chunk_size: int) -> None:
    limits = Limits(max_chunk_size=100, max_chunks=50)
    problems = plan_problems(1000, chunk_size, "fast", limits.max_size, 100, 50)
    try:
        utf8_count.validate({"size": 1000, "chunk_size": chunk_size}, limits)
        refused = False
    except InvalidInputError:
        refused = True
    assert bool(problems) == refused


def test_chunks_cover_the_range_once() -> None:
    assert list(iter_chunks(10, 4)) == [(0, 4), (4, 8), (8, 10)]
    assert chunk_count(10, 4) == 3
    assert chunk_count(8, 4) == 2
