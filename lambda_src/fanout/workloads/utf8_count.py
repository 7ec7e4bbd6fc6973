"""Workload ``utf8_count``: T(N) = sum of f(i) for i in [0, N), f(i) = number of UTF-8 byte
strings of byte length i.

With a, j, k, l characters of 1, 2, 3 and 4 bytes (a + 2j + 3k + 4l = i)::

    f(i) = sum multinomial(a, j, k, l) * 128^a * 1863^j * 42451^k * 78341^l

and f(i) = 128 f(i-1) + 1863 f(i-2) + 42451 f(i-3) + 78341 f(i-4), f(0) = 1, f(<0) = 0.

Kernels:

* ``fast`` (default): seeds f(start-4 .. start-1) in O(log start) big-integer products
  (x^n mod the characteristic polynomial, i.e. Kitamasa), then runs the recurrence.
* ``reference``: the direct triple loop over (j, k, l) with multinomials; exact and slow
  (about i^4.5), kept to put genuinely heavy items through the fan-out.

Partial = the exact sum over the chunk, as lower-case hex. Reduce = exact total, its
decimal digit count and the sha256 of its decimal text.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

from fanout import bigint
from fanout.config import Limits
from fanout.errors import InvalidInputError
from fanout.types import Chunk
from fanout.validation import choose_chunk_size, refuse_unknown, require_choice, split_range

NAME = "utf8_count"
PARTIAL_ENCODING = "hex"
FIELDS = ("kernel",)
KERNELS = ("fast", "reference")
# The reference kernel needs about 6 minutes for i = 1023 on one core; beyond that a
# single item would outgrow Lambda's 15-minute ceiling soon.
REFERENCE_MAX_SIZE = 1024
# Default chunking of the reference kernel: estimated seconds per child at most this.
REFERENCE_CHILD_BUDGET_S = 30.0
REFERENCE_SECONDS_AT_512 = 17.0
# A run returns the number itself in its summary up to this many digits.
TOTAL_SUM_MAX_DIGITS = 100_000
# Coefficients of f(i) = C1 f(i-1) + C2 f(i-2) + C3 f(i-3) + C4 f(i-4).
COEFFS = (128, 1863, 42451, 78341)
# f(0..3) from the recurrence with f(0) = 1 and f(<0) = 0.
F_INITIAL = (1, 128, 128 * 128 + 1863, 128 * (128 * 128 + 1863) + 1863 * 128 + 42451)


def validate(params: dict[str, Any], limits: Limits) -> dict[str, Any]:
    refuse_unknown(params, ("size", "chunk_size", *FIELDS))
    kernel = require_choice(params.get("kernel", "fast"), "kernel", KERNELS)
    size: int = params["size"]
    if kernel == "reference" and size > REFERENCE_MAX_SIZE:
        raise InvalidInputError(
            f"size: the reference kernel accepts size up to {REFERENCE_MAX_SIZE} "
            f'(one item beyond that outgrows a Lambda timeout), got {size}; use kernel "fast"'
        )
    if kernel == "fast":
        # Enough items per child to be worth a child; about 200 children for large runs.
        default = max(64, math.ceil(size / 200))
    else:
        default = reference_chunk_size(size)
    chunk_size = choose_chunk_size(params, limits, default)
    return {"size": size, "chunk_size": chunk_size, "kernel": kernel}


def reference_seconds(i: int) -> float:
    """Rough single-core time of the reference kernel for item i (measured: 17 s at 512)."""
    return REFERENCE_SECONDS_AT_512 * (i / 512) ** 5


def reference_chunk_size(size: int) -> int:
    """Items per child for the reference kernel: the heaviest chunk stays within
    REFERENCE_CHILD_BUDGET_S, and a run has at least about 16 children when it can."""
    by_budget = int(REFERENCE_CHILD_BUDGET_S // max(reference_seconds(size - 1), 1e-9))
    return max(1, min(by_budget, math.ceil(size / 16)))


def plan(params: dict[str, Any]) -> list[Chunk]:
    return split_range(params["size"], params["chunk_size"])


def compute(params: dict[str, Any], chunk: Chunk) -> str:
    start, stop = chunk["start"], chunk["stop"]
    if params.get("kernel", "fast") == "reference":
        total = sum(f_reference(i) for i in range(start, stop))
    else:
        total = chunk_sum_fast(start, stop)
    return bigint.to_hex(total)


def reduce(params: dict[str, Any], partials: list[Any]) -> dict[str, Any]:
    total = bigint.mpz(0)
    for partial in partials:
        total += bigint.from_hex(partial)
    text = bigint.to_decimal(total)
    summary: dict[str, Any] = {
        "verdict": "OK",
        "digits": len(text),
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "result_text": text,
    }
    if len(text) <= TOTAL_SUM_MAX_DIGITS:
        summary["total_sum"] = text
    return summary


# ---------------------------------------------------------------------------- fast kernel


def _polymulmod(p: list[Any], q: list[Any]) -> list[Any]:
    """(p * q) mod (x^4 - C1 x^3 - C2 x^2 - C3 x - C4), coefficients lowest first."""
    prod = [0] * 7
    for i, pi in enumerate(p):
        if not pi:
            continue
        for j, qj in enumerate(q):
            prod[i + j] += pi * qj
    c1, c2, c3, c4 = COEFFS
    for d in (6, 5, 4):
        top = prod[d]
        if top:
            prod[d] = 0
            prod[d - 1] += c1 * top
            prod[d - 2] += c2 * top
            prod[d - 3] += c3 * top
            prod[d - 4] += c4 * top
    return prod[:4]


def _x_power_mod(n: int) -> list[Any]:
    """x^n mod the characteristic polynomial, by binary powering."""
    result: list[Any] = [bigint.mpz(1), bigint.mpz(0), bigint.mpz(0), bigint.mpz(0)]
    base: list[Any] = [bigint.mpz(0), bigint.mpz(1), bigint.mpz(0), bigint.mpz(0)]
    while n:
        if n & 1:
            result = _polymulmod(result, base)
        n >>= 1
        if n:
            base = _polymulmod(base, base)
    return result


def _shift(poly: list[Any]) -> list[Any]:
    """x * poly mod the characteristic polynomial."""
    top = poly[3]
    c1, c2, c3, c4 = COEFFS
    return [c4 * top, poly[0] + c3 * top, poly[1] + c2 * top, poly[2] + c1 * top]


def seeds(start: int) -> tuple[Any, Any, Any, Any]:
    """(f(start-4), f(start-3), f(start-2), f(start-1)), with f(<0) = 0."""
    if start <= 4:
        values = [bigint.mpz(0)] * 4 + [bigint.mpz(v) for v in F_INITIAL]
        # values[m] holds f(m - 4) for m in 0..7
        return tuple(values[start : start + 4])
    poly = _x_power_mod(start - 4)
    initial = [bigint.mpz(v) for v in F_INITIAL]
    out = []
    for _ in range(4):
        out.append(sum((c * f for c, f in zip(poly, initial, strict=True)), bigint.mpz(0)))
        poly = _shift(poly)
    return tuple(out)


def chunk_sum_fast(start: int, stop: int) -> Any:
    """sum of f(i) for i in [start, stop)."""
    if stop <= start:
        return bigint.mpz(0)
    c1, c2, c3, c4 = COEFFS
    f4, f3, f2, f1 = seeds(start)  # f(i-4), f(i-3), f(i-2), f(i-1) for i = start
    total = bigint.mpz(0)
    for i in range(start, stop):
        value = bigint.mpz(1) if i == 0 else c1 * f1 + c2 * f2 + c3 * f3 + c4 * f4
        total += value
        f4, f3, f2, f1 = f3, f2, f1, value
    return total


# ----------------------------------------------------------------------- reference kernel


def f_reference(i: int) -> int:
    """f(i) by the direct triple loop over (j, k, l) with multinomial coefficients."""
    if i < 0:
        return 0
    fact = [1] * (i + 1)
    for n in range(1, i + 1):
        fact[n] = fact[n - 1] * n
    p1 = [128**n for n in range(i + 1)]
    p2 = [1863**n for n in range(i // 2 + 1)]
    p3 = [42451**n for n in range(i // 3 + 1)]
    p4 = [78341**n for n in range(i // 4 + 1)]
    total = 0
    for l4 in range(i // 4 + 1):
        for k in range((i - 4 * l4) // 3 + 1):
            for j in range((i - 4 * l4 - 3 * k) // 2 + 1):
                a = i - 4 * l4 - 3 * k - 2 * j
                count = fact[a + j + k + l4] // (fact[a] * fact[j] * fact[k] * fact[l4])
                total += count * p1[a] * p2[j] * p3[k] * p4[l4]
    return total
