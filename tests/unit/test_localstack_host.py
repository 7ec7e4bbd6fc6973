"""The LocalStack controller's own logic, on this machine's /proc and a temp folder:
which processes are alive and whose children they are, how much memory a tree holds,
and when an installed virtual env counts as up to date."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from emulation.localstack_host import install, procfs

pytestmark = pytest.mark.unit

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.fixture
def child() -> Iterator[subprocess.Popen[bytes]]:
    """A process of ours that lives until the test ends."""
    proc = subprocess.Popen(SLEEPER)
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_a_live_child_is_alive_and_a_descendant(child: subprocess.Popen[bytes]) -> None:
    ticks = procfs.start_ticks(child.pid)
    assert ticks is not None
    assert procfs.alive(child.pid, ticks)
    # the same pid with another start time is another process (a reused pid)
    assert not procfs.alive(child.pid, ticks + 1)
    assert child.pid in procfs.descendants(os.getpid())
    assert child.pid not in procfs.descendants(child.pid)


def test_a_reaped_child_is_not_alive() -> None:
    proc = subprocess.Popen(SLEEPER)
    ticks = procfs.start_ticks(proc.pid)
    assert ticks is not None
    proc.kill()
    proc.wait(timeout=30)
    assert not procfs.alive(proc.pid, ticks)
    assert procfs.start_ticks(proc.pid) is None
    assert procfs.rss_bytes(proc.pid) == 0


def test_a_zombie_is_not_alive() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    ticks = procfs.start_ticks(proc.pid)
    try:
        # exited but not reaped: /proc still lists it, in state Z
        deadline = time.monotonic() + 30
        while (fields := procfs._stat_fields(proc.pid)) is not None and fields[0] != "Z":
            assert time.monotonic() < deadline, "the child never exited"
            time.sleep(0.01)
        assert ticks is not None and not procfs.alive(proc.pid, ticks)
    finally:
        proc.wait(timeout=30)


def test_tree_memory_is_the_process_and_its_descendants() -> None:
    # GIVEN a sleeping process with a sleeping child of its own (steady memory, both);
    # the child says "ready" on the stdout it inherits once it sleeps
    ready_sleeper = "import time; print('ready', flush=True); time.sleep(60)"
    spawner = "import subprocess, sys, time; subprocess.Popen(sys.argv[1:]); time.sleep(60)"
    parent = subprocess.Popen(
        [sys.executable, "-c", spawner, sys.executable, "-c", ready_sleeper],
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        assert parent.stdout is not None and parent.stdout.readline() == b"ready\n"
        [kid] = procfs.descendants(parent.pid)
        # WHEN the tree's memory is read THEN it is the sum of the two
        both = procfs.rss_bytes(parent.pid) + procfs.rss_bytes(kid)
        assert procfs.tree_rss_bytes(parent.pid) == both
        with procfs.PeakRss(parent.pid, interval=0.01) as sampler:
            pass
        assert sampler.peak == both > 0
    finally:
        os.killpg(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        if parent.stdout is not None:
            parent.stdout.close()


def test_a_venv_is_up_to_date_only_with_its_python_and_the_same_stamp(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    assert not install._up_to_date(venv, "s1")
    (venv / "bin").mkdir(parents=True)
    (venv / install.STAMP_NAME).write_text("s1\n")
    assert not install._up_to_date(venv, "s1")  # no interpreter
    (venv / "bin" / "python").touch()
    assert install._up_to_date(venv, "s1")
    assert not install._up_to_date(venv, "s2")  # the pins changed
