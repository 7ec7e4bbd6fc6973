"""The independent closed form of utf8_count, under the name the tests import it by
(it lives in ``oracle.utf8_count``, where the bench reads it too)."""

from oracle.utf8_count import decimal, f, f_window, total

__all__ = ["decimal", "f", "f_window", "total"]
