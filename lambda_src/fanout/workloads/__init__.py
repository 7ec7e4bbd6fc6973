"""Workload registry: name -> module implementing :class:`fanout.workloads.base.Workload`.

Adding a workload is one new module in this package and one line in REGISTRY.
"""

from __future__ import annotations

from typing import Any

from fanout.workloads import repro_check, utf8_count

REGISTRY: dict[str, Any] = {
    "utf8_count": utf8_count,
    "repro_check": repro_check,
}


def get_workload(name: str) -> Any:
    """The registered workload called ``name`` (KeyError when there is none)."""
    return REGISTRY[name]
