"""Run-wide hooks of the process that controls a pytest run.

End-to-end tests share one LocalStack and one deployed stack across pytest-xdist workers
(``tests/e2e/shared.py``). The workers create them on first use; this process, which outlives
every worker, tears them down at the end and reports LocalStack's peak memory.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

import pytest

from emulation import deploy, lsctl
from tests.e2e import shared


def _controls_the_run(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


class _PeakMemory(threading.Thread):
    """Samples LocalStack's memory (its Lambda environments included) once a worker starts it."""

    def __init__(self) -> None:
        super().__init__(name="localstack-peak-memory", daemon=True)
        self.peak = 0
        self.finished = threading.Event()

    def run(self) -> None:
        while not self.finished.wait(0.2):
            started = shared.record("localstack")
            if started and started.get("pid"):
                self.peak = max(self.peak, lsctl.tree_rss_bytes(started["pid"]))


_PEAK = _PeakMemory()


def pytest_configure(config: pytest.Config) -> None:
    if _controls_the_run(config):
        shared.new_run_dir()
        _PEAK.start()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Destroy the shared stack and stop LocalStack, if this run created them."""
    if not _controls_the_run(session.config):
        return
    _PEAK.finished.set()
    stack = shared.record("stack")
    started = shared.record("localstack")
    try:
        if stack:
            deploy.destroy(stack["endpoint"], stack["variables"], workspace=stack["workspace"])
    except deploy.DeployError as exc:
        print(f"\nerror: could not destroy the e2e stack: {exc}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    finally:
        if started and started["started_here"]:
            lsctl.stop(started["port"])
        shared.forget_run()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _PEAK.peak:
        terminalreporter.write_line(
            f"peak memory of LocalStack and its Lambda environments: {_PEAK.peak / 2**20:.0f} MiB"
        )
