"""One LocalStack and one deployed stack for a whole e2e run, shared by every pytest process.

With pytest-xdist several worker processes run the e2e tests at once. Whichever worker first
needs LocalStack or the deployed stack creates it under an exclusive file lock and records it
in the run's folder; the others find the record and reuse it. The process that controls the
run (the only process when xdist is not used) tears down, once every worker has finished,
what the run created: it destroys the stack and stops LocalStack if the run started it.

The run's folder is named by ``FANOUT_E2E_RUN_DIR``, which the controlling process sets before
any worker starts (workers inherit it).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from emulation.localstack_host import layout

RUN_DIR_VARIABLE = "FANOUT_E2E_RUN_DIR"
RUNS_ROOT = layout.STATE_DIR / "e2e-runs"


def new_run_dir() -> Path:
    """A fresh folder name for this run (created on first use), exported for the workers."""
    path = RUNS_ROOT / uuid.uuid4().hex[:12]
    os.environ[RUN_DIR_VARIABLE] = str(path)
    return path


def run_dir() -> Path:
    try:
        path = Path(os.environ[RUN_DIR_VARIABLE])
    except KeyError:
        # A process outside a pytest run (or an unusual plugin order): a folder of its own.
        path = new_run_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _locked(name: str) -> Iterator[None]:
    with (run_dir() / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def record(name: str) -> dict[str, Any] | None:
    """What the run recorded under ``name``, or None when nothing was created."""
    folder = os.environ.get(RUN_DIR_VARIABLE)
    path = Path(folder) / f"{name}.json" if folder else None
    return json.loads(path.read_text()) if path and path.exists() else None


def once(name: str, create: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The record of ``name``, created by ``create()`` in exactly one process of the run."""
    with _locked(name):
        existing = record(name)
        if existing is not None:
            return existing
        value = create()
        (run_dir() / f"{name}.json").write_text(json.dumps(value))
        return value


def forget_run() -> None:
    """Remove the run's folder (its records and locks) once it has been torn down."""
    path = os.environ.get(RUN_DIR_VARIABLE)
    if path:
        shutil.rmtree(path, ignore_errors=True)
