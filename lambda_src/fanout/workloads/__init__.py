"""Workload registry: name -> module implementing :class:`fanout.workloads.base.Workload`.

The rule, shared with the Terraform variable ``default_workload`` (variables.tf): every
``*.py`` file directly in this folder whose name does not start with ``_``, other than
``base.py``, is a workload named after the file. Helper modules start with ``_``. Adding a
workload is adding its module; a module that breaks the protocol stops the import with
:class:`InvalidWorkloadError` naming the module and what it lacks.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from fanout.workloads.base import InvalidWorkloadError, Workload, check_workload

__all__ = ["REGISTRY", "InvalidWorkloadError", "discover", "workload_names"]

PACKAGE_DIR = Path(__file__).resolve().parent


def workload_names(folder: Path = PACKAGE_DIR) -> list[str]:
    """The workload module names in ``folder``, by the rule above, sorted."""
    return sorted(
        path.stem
        for path in folder.glob("*.py")
        if not path.name.startswith("_") and path.name != "base.py"
    )


def discover(folder: Path = PACKAGE_DIR, package: str = __name__) -> dict[str, Workload]:
    """Import every workload module of ``folder`` (package ``package``) and check it."""
    return {
        name: check_workload(name, importlib.import_module(f"{package}.{name}"))
        for name in workload_names(folder)
    }


REGISTRY: dict[str, Workload] = discover()
