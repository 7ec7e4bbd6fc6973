"""How long the work takes and how big its data is: the time and size model."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from fanout_cli.estimate.limits import LAMBDA_MAX_TIMEOUT_S, ONE_VCPU_MEMORY_MB

Kernel = Literal["fast", "reference"]
ChildType = Literal["STANDARD", "EXPRESS"]


@dataclass(frozen=True)
class CostModel:
    """Time model, per item and per invocation, for the ``utf8_count`` workload.

    Basis (one core, as a 1,769 MB Lambda has):

    * fast kernel: each item is one step of the 4-term recurrence, i.e. a few
      big-integer multiply-adds on numbers of about 0.9*i bytes, so its cost is
      linear in i. Measured with CPython ints: 64 items at offset 10,000 in
      1.6 ms, at 19,000 in 3.4 ms (about 2.5-3e-9 s per item per unit of i).
      gmpy2 is faster still, so this is an upper figure. Seeding a chunk costs
      O(log i) multiplications and is left out.
    * reference kernel: about 15 s at i = 512 and 100 s at i = 768, growing as
      i**4.5 (the per-item triple loop over (j, k, l) with factorials).
    * a compute invocation adds a fixed overhead (event, encoding, S3 when used);
      plan takes a few tenths of a second at its own memory; reduce a few tenths
      on one vCPU plus a little per chunk and per result digit (decimal
      conversion with gmpy2, about 0.18 s for 2.2 million digits, and upload).
    """

    fast_item_s: float = 1e-6
    fast_item_per_index_s: float = 3e-9
    reference_s_at_512: float = 15.0
    reference_exponent: float = 4.5
    invoke_overhead_s: float = 0.05
    plan_s: float = 0.3
    reduce_base_s: float = 0.3
    reduce_per_chunk_s: float = 0.002
    reduce_per_digit_s: float = 1e-7
    express_overhead_s: float = 0.1
    # log16 and log10 of the dominant root (143.1166...) of
    # x^4 = 128 x^3 + 1863 x^2 + 42451 x + 78341: hex characters of a chunk's
    # partial per item of its end, and decimal digits of T(N) per item.
    hex_chars_per_item: float = 1.7902619
    digits_per_item: float = 2.1556901


DEFAULT_MODEL = CostModel()


def cpu_factor(memory_mb: int) -> float:
    """How much slower than one vCPU a function with ``memory_mb`` runs (>= 1).

    ``memory_mb`` is a valid Lambda memory size (``inputs.check`` makes sure).
    """
    return max(1.0, ONE_VCPU_MEMORY_MB / memory_mb)


def item_seconds(kernel: Kernel, i: int, model: CostModel = DEFAULT_MODEL) -> float:
    """Compute time of item ``i`` on one vCPU."""
    if kernel == "fast":
        return model.fast_item_s + model.fast_item_per_index_s * i
    if kernel == "reference":
        return model.reference_s_at_512 * (i / 512) ** model.reference_exponent
    raise ValueError(f"unknown kernel {kernel!r}")


def chunk_seconds(kernel: Kernel, start: int, stop: int, model: CostModel = DEFAULT_MODEL) -> float:
    """One compute invocation for items ``[start, stop)`` on one vCPU, overhead included."""
    n = stop - start
    if kernel == "fast":
        # sum of (a + b*i) for i in [start, stop) = a*n + b*(start + stop - 1)*n/2
        work = model.fast_item_s * n + model.fast_item_per_index_s * (start + stop - 1) * n / 2
    else:
        work = sum(item_seconds(kernel, i, model) for i in range(start, stop))
    return model.invoke_overhead_s + work


def result_digits_about(size: int, model: CostModel = DEFAULT_MODEL) -> int:
    """Decimal digits of T(size), about (2206 for 1024)."""
    return max(1, math.floor(size * model.digits_per_item - 1.0))


def partial_bytes_about(stop: int, model: CostModel = DEFAULT_MODEL) -> int:
    """JSON size of a chunk's partial (a hex string) for a chunk ending at ``stop``.

    The compute function compares this with the 32 KiB inline limit.
    """
    return math.ceil(model.hex_chars_per_item * stop) + 2


def ceil_to(value: float, step: float) -> float:
    """``value`` rounded up to a multiple of ``step`` (tolerant of float noise)."""
    return math.ceil(round(value / step, 9)) * step


def largest_fitting_chunk_size(
    kernel: Kernel, size: int, upto: int, slow: float, model: CostModel = DEFAULT_MODEL
) -> int | None:
    """Largest chunk size <= ``upto`` whose last chunk, the slowest, fits Lambda's 900 s."""

    def fits(c: int) -> bool:
        return chunk_seconds(kernel, max(0, size - c), size, model) * slow <= LAMBDA_MAX_TIMEOUT_S

    if not fits(1):
        return None
    low, high = 1, upto
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low
