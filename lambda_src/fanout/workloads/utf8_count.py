"""Workload ``utf8_count``: T(N) = sum of f(i) for i in [0, N), f(i) = number of UTF-8 byte
strings of byte length i.

With a, j, k, l characters of 1, 2, 3 and 4 bytes (a + 2j + 3k + 4l = i)::

    f(i) = sum multinomial(a, j, k, l) * 128^a * 1863^j * 42451^k * 78341^l

and f(i) = 128 f(i-1) + 1863 f(i-2) + 42451 f(i-3) + 78341 f(i-4), f(0) = 1, f(<0) = 0.

Kernels:

* ``fast`` (default): the chunk's sum read off x^start (1 + x + ... + x^(n-1)) modulo the
  recurrence's characteristic polynomial (Kitamasa), in O(log stop) big-integer products,
  whatever the chunk's length.
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
from fanout.deadline import Deadline
from fanout.errors import InvalidInputError
from fanout.types import Chunk
from fanout.validation import choose_chunk_size, refuse_unknown, require_choice, split_range

NAME = "utf8_count"
PARTIAL_ENCODING = "hex"
FIELDS = ("kernel",)
KERNELS = ("fast", "reference")
# Default chunking of the fast kernel: at least 64 items a child, about 16 children. A
# chunk costs about as much as f(stop) whatever its length (O(log stop) products on
# numbers of f(stop)'s size), so beyond a few children more of them only multiply the
# work, the partials written to S3 and the reducer's reading, never shorten the run.
FAST_MIN_CHUNK_SIZE = 64
FAST_TARGET_CHILDREN = 16
# The reference kernel needs about 6 minutes for i = 1023 on one core; beyond that a
# single item would outgrow Lambda's 15-minute ceiling soon. Past it, the reference kernel
# needs the AWS Batch backend (routing sends the heavy chunks there).
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
    if kernel == "reference" and size > REFERENCE_MAX_SIZE and not limits.batch_enabled:
        raise InvalidInputError(
            f"size: the reference kernel accepts size up to {REFERENCE_MAX_SIZE} "
            f"(one item beyond that outgrows a Lambda timeout) unless the AWS Batch backend "
            f'is on (enable_batch = true), got {size}; use kernel "fast"'
        )
    if kernel == "fast":
        default = max(FAST_MIN_CHUNK_SIZE, math.ceil(size / FAST_TARGET_CHILDREN))
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


def cost(params: dict[str, Any], chunk: Chunk) -> tuple[float, float]:
    """(seconds, memory MB) of a chunk on one core: the reference kernel's estimate; the fast
    kernel's chunks take milliseconds. Memory stays small: the integers have a few thousand
    digits."""
    if params.get("kernel", "fast") != "reference":
        return 0.0, 0.0
    return sum(reference_seconds(i) for i in range(chunk["start"], chunk["stop"])), 0.0


def plan(params: dict[str, Any]) -> list[Chunk]:
    return split_range(params["size"], params["chunk_size"])


def compute(params: dict[str, Any], chunk: Chunk, deadline: Deadline) -> str:
    start, stop = chunk["start"], chunk["stop"]
    if params.get("kernel", "fast") == "reference":
        total = 0
        for i in range(start, stop):
            deadline.check(i - start, stop - start)
            total += f_reference(i)
    else:
        deadline.check(0, stop - start)  # the chunk is one step of O(log stop) products
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


def _reduce_mod(prod: list[Any]) -> list[Any]:
    """A degree-6 polynomial mod (x^4 - C1 x^3 - C2 x^2 - C3 x - C4), in place."""
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


def _polymulmod(p: list[Any], q: list[Any]) -> list[Any]:
    """(p * q) mod the characteristic polynomial, coefficients lowest first."""
    prod = [0] * 7
    for i, pi in enumerate(p):
        if not pi:
            continue
        for j, qj in enumerate(q):
            prod[i + j] += pi * qj
    return _reduce_mod(prod)


def _polysqrmod(p: list[Any]) -> list[Any]:
    """p^2 mod the characteristic polynomial: 4 squares and 6 products instead of 16
    products (a big square costs about two thirds of a product)."""
    prod = [0] * 7
    for i, pi in enumerate(p):
        prod[2 * i] += pi * pi
        for j in range(i + 1, 4):
            prod[i + j] += 2 * (pi * p[j])
    return _reduce_mod(prod)


def _x_power_mod(n: int) -> list[Any]:
    """x^n mod the characteristic polynomial, left to right: a square per bit of n and,
    for a set bit, a multiplication by x (a shift with small constants)."""
    power: list[Any] = [bigint.mpz(1), bigint.mpz(0), bigint.mpz(0), bigint.mpz(0)]
    for bit in bin(n)[2:] if n else "":
        power = _polysqrmod(power)
        if bit == "1":
            power = _shift(power)
    return power


def _shift(poly: list[Any]) -> list[Any]:
    """x * poly mod the characteristic polynomial."""
    top = poly[3]
    c1, c2, c3, c4 = COEFFS
    return [c4 * top, poly[0] + c3 * top, poly[1] + c2 * top, poly[2] + c1 * top]


def _x_power_and_geometric_mod(n: int) -> tuple[list[Any], list[Any]]:
    """(x^n, 1 + x + ... + x^(n-1)), both mod the characteristic polynomial, by doubling.

    G(2m) = G(m) (1 + x^m) and G(m + 1) = G(m) + x^m, alongside x^n's binary powering.
    """
    power: list[Any] = [bigint.mpz(1), bigint.mpz(0), bigint.mpz(0), bigint.mpz(0)]
    geometric: list[Any] = [bigint.mpz(0)] * 4
    for bit in bin(n)[2:] if n else "":
        doubled = _polymulmod(power, geometric)
        geometric = [g + d for g, d in zip(geometric, doubled, strict=True)]
        power = _polysqrmod(power)
        if bit == "1":
            geometric = [g + x for g, x in zip(geometric, power, strict=True)]
            power = _shift(power)
    return power, geometric


def chunk_sum_fast(start: int, stop: int) -> Any:
    """sum of f(i) for i in [start, stop), in O(log stop) big-integer products.

    If x^m = a0 + a1 x + a2 x^2 + a3 x^3 modulo the characteristic polynomial, then
    f(m) = a0 f(0) + a1 f(1) + a2 f(2) + a3 f(3) (Kitamasa). Summing over the chunk,
    sum f(m) for m in [start, stop) is read off x^start (1 + x + ... + x^(n-1)) with
    n = stop - start: one power of x with large coefficients and one geometric sum whose
    coefficients stay as small as the chunk is short.
    """
    if stop <= start:
        return bigint.mpz(0)
    _, geometric = _x_power_and_geometric_mod(stop - start)
    poly = _polymulmod(_x_power_mod(start), geometric)
    return sum((a * bigint.mpz(f) for a, f in zip(poly, F_INITIAL, strict=True)), bigint.mpz(0))


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
