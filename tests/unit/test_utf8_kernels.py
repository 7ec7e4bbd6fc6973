"""The fast and reference kernels agree with each other and with the independent closed form."""

from __future__ import annotations

import pytest

from fanout import bigint, deadline
from fanout.types import Chunk
from fanout.workloads import utf8_count
from tests.support import utf8_reference

pytestmark = pytest.mark.unit


def brute_f(n: int) -> list[int]:
    """f(0..n-1) straight from the recurrence, the simplest possible way."""
    values: list[int] = []
    for i in range(n):
        if i == 0:
            values.append(1)
            continue
        prev = [values[i - d] if i - d >= 0 else 0 for d in (1, 2, 3, 4)]
        values.append(128 * prev[0] + 1863 * prev[1] + 42451 * prev[2] + 78341 * prev[3])
    return values


def test_independent_check_matches_the_recurrence() -> None:
    f = brute_f(400)
    assert [utf8_reference.f(i) for i in range(400)] == f
    for n in range(0, 400):
        assert utf8_reference.total(n) == sum(f[:n])


def test_known_values() -> None:
    assert [utf8_count.f_reference(i) for i in range(5)] == [1, 128, 18247, 2616531, 374422198]
    assert len(str(utf8_reference.total(1024))) == 2206


def test_reference_kernel_matches_recurrence_on_small_items() -> None:
    f = brute_f(90)
    assert [utf8_count.f_reference(i) for i in range(90)] == f


@pytest.mark.parametrize("i", [97, 128, 150])
def test_reference_kernel_matches_closed_form_items(i: int) -> None:
    assert utf8_count.f_reference(i) == utf8_reference.f(i)


def test_fast_kernel_chunks_match_closed_form(bigint_backend: str) -> None:
    # Every chunk boundary from 0..70 with several widths, plus chunks far out.
    for start in range(0, 70):
        for width in (1, 2, 3, 4, 5, 17):
            expected = utf8_reference.total(start + width) - utf8_reference.total(start)
            got = utf8_count.chunk_sum_fast(start, start + width)
            assert got == expected, (start, width)
    for start, stop in [(960, 1024), (1995, 2100), (4999, 5000), (12_345, 12_400)]:
        expected = utf8_reference.total(stop) - utf8_reference.total(start)
        assert utf8_count.chunk_sum_fast(start, stop) == expected


def test_fast_and_reference_agree_on_chunks(bigint_backend: str) -> None:
    for start, stop in [(0, 1), (0, 9), (5, 12), (60, 64), (100, 103)]:
        reference = sum(utf8_count.f_reference(i) for i in range(start, stop))
        assert utf8_count.chunk_sum_fast(start, stop) == reference


@pytest.mark.parametrize("kernel", ["fast", "reference"])
def test_compute_returns_hex_of_the_chunk_sum(kernel: str, bigint_backend: str) -> None:
    chunk: Chunk = {"chunk_id": 3, "start": 40, "stop": 48}
    params = {"size": 64, "chunk_size": 8, "kernel": kernel}
    partial = utf8_count.compute(params, chunk, deadline.unlimited())
    assert isinstance(partial, str)
    assert int(partial, 16) == utf8_reference.total(48) - utf8_reference.total(40)


def test_fast_kernel_without_gmpy2_uses_plain_ints(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bigint, "_gmpy2", None)
    value = utf8_count.chunk_sum_fast(2000, 2010)
    assert type(value) is int
    assert value == utf8_reference.total(2010) - utf8_reference.total(2000)


def test_decimal_conversion_past_cpython_limit(bigint_backend: str) -> None:
    # f(i) crosses 4300 decimal digits at i = 1995; the encoder must not trip on it.
    value = utf8_reference.total(3000)
    text = bigint.to_decimal(value)
    assert len(text) > 4300
    assert text == utf8_reference.decimal(value)
    assert bigint.from_hex(bigint.to_hex(value)) == value


def test_from_hex_refuses_garbage() -> None:
    for bad in ["", "xyz", "0x1f", "12 34", None]:
        with pytest.raises(ValueError):
            bigint.from_hex(bad)  # type: ignore[arg-type]  # None on purpose: it must be refused
