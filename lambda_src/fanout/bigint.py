"""Big-integer helpers: gmpy2 when it is installed, plain Python ints otherwise.

Decimal text of huge integers: CPython's int-to-decimal is quadratic and refuses more
than 4300 digits by default; gmpy2 converts in quasi-linear time. Hex is linear in both.
"""

from __future__ import annotations

import re
import sys
from typing import Any

try:  # optional accelerator, packaged into the Lambda zip when available
    import gmpy2 as _gmpy2_module
except ImportError:  # pragma: no cover - exercised by forcing _gmpy2 = None in tests
    _gmpy2_module = None

_HEX = re.compile(r"-?[0-9a-fA-F]+")

# Tests set this to None to force the pure-Python path.
_gmpy2: Any = _gmpy2_module


def have_gmpy2() -> bool:
    return _gmpy2 is not None


def backend() -> str:
    return "gmpy2" if _gmpy2 is not None else "python"


def mpz(value: int) -> Any:
    """A fast big integer (gmpy2.mpz) when available, else the int itself."""
    return _gmpy2.mpz(value) if _gmpy2 is not None else int(value)


def to_hex(value: Any) -> str:
    """Lower-case hex without prefix; a leading '-' for negatives."""
    if _gmpy2 is not None:
        return str(_gmpy2.mpz(value).digits(16))
    return format(int(value), "x")


def from_hex(text: str) -> Any:
    if not isinstance(text, str) or not text:
        raise ValueError("hex value must be a non-empty string")
    if not _HEX.fullmatch(text):
        raise ValueError(f"not a hex integer: {text[:40]!r}")
    if _gmpy2 is not None:
        return _gmpy2.mpz(text, 16)
    return int(text, 16)


def to_decimal(value: Any) -> str:
    """Exact decimal text of any size."""
    if _gmpy2 is not None:
        return str(_gmpy2.mpz(value).digits(10))
    sys.set_int_max_str_digits(0)
    return str(int(value))
