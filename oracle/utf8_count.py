"""Independent answer for the utf8_count workload: T(N) by its closed form.

T(N) = f(0) + ... + f(N-1), with f(i) = 128 f(i-1) + 1863 f(i-2) + 42451 f(i-3)
+ 78341 f(i-4), f(0) = 1, f(<0) = 0. Summing the recurrence gives

    T(N) = (122783 f(N-1) + 122655 f(N-2) + 120792 f(N-3) + 78341 f(N-4) - 1) / 122782

(an exact division). f(N-1..N-4) come from one power of the 4x4 companion matrix.
Written apart from the product's kernels on purpose: nothing here imports lambda_src.
"""

from __future__ import annotations

from typing import Any

try:
    import gmpy2

    def _num(value: int) -> Any:
        return gmpy2.mpz(value)

except ImportError:  # pragma: no cover - the check works with plain ints too

    def _num(value: int) -> Any:
        return value


_COMPANION = (
    (128, 1863, 42451, 78341),
    (1, 0, 0, 0),
    (0, 1, 0, 0),
    (0, 0, 1, 0),
)
_DIVISOR = 122782


def _matmul(a: list[list[Any]], b: list[list[Any]]) -> list[list[Any]]:
    return [
        [sum((a[r][k] * b[k][c] for k in range(4)), _num(0)) for c in range(4)] for r in range(4)
    ]


def _matpow(exponent: int) -> list[list[Any]]:
    result = [[_num(1 if r == c else 0) for c in range(4)] for r in range(4)]
    base = [[_num(v) for v in row] for row in _COMPANION]
    while exponent:
        if exponent & 1:
            result = _matmul(result, base)
        exponent >>= 1
        if exponent:
            base = _matmul(base, base)
    return result


def f_window(n: int) -> tuple[int, int, int, int]:
    """(f(n), f(n-1), f(n-2), f(n-3)) for n >= 0: the first column of M^n."""
    power = _matpow(n)
    return int(power[0][0]), int(power[1][0]), int(power[2][0]), int(power[3][0])


def f(n: int) -> int:
    return 0 if n < 0 else f_window(n)[0]


def total(n: int) -> int:
    """T(n) = sum of f(i) for i in [0, n), exactly."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if n == 0:
        return 0
    f1, f2, f3, f4 = f_window(n - 1)
    numerator = 122783 * f1 + 122655 * f2 + 120792 * f3 + 78341 * f4 - 1
    quotient, remainder = divmod(numerator, _DIVISOR)
    if remainder:
        raise ArithmeticError(f"closed form not exact for n={n}")
    return int(quotient)


def decimal(value: int) -> str:
    """Decimal text of any size (gmpy2 when present; CPython's limit lifted otherwise)."""
    try:
        import gmpy2 as _g

        return str(_g.mpz(value).digits(10))
    except ImportError:  # pragma: no cover
        import sys

        sys.set_int_max_str_digits(0)
        return str(value)
