"""Processes and their memory, read from /proc (Linux): which are alive, which a process
spawned, and how much resident memory a process tree holds."""

from __future__ import annotations

import threading
from pathlib import Path


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state first), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2 :].split()


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks (tells a live process from a reused pid)."""
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[19])


def alive(pid: int, ticks: int) -> bool:
    """The process that started at ``ticks`` still runs (and is not a zombie)."""
    fields = _stat_fields(pid)
    return fields is not None and int(fields[19]) == ticks and fields[0] != "Z"


def descendants(pid: int) -> list[int]:
    """All live descendants of pid (children, grandchildren, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of one process (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (Lambda environments included)."""
    return sum(rss_bytes(p) for p in [pid, *descendants(pid)])


class PeakRss:
    """Samples a process tree's RSS in the background; ``peak`` is the largest total seen.

    with PeakRss(pid) as sampler: ...; print(sampler.peak)
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_bytes(self.pid))
