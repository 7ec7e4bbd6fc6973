"""The live progress line of ``fanout run``: what to show, and how to draw it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO


@dataclass(frozen=True)
class MapCounts:
    """DescribeMapRun ``itemCounts``: the Distributed Map's items, which are the run's
    chunks. Each item runs as one child execution, so these count child executions,
    not the run's items (``size``)."""

    pending: int = 0
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    timed_out: int = 0
    aborted: int = 0
    total: int = 0

    @classmethod
    def from_api(cls, counts: dict[str, Any]) -> MapCounts:
        return cls(
            pending=int(counts.get("pending", 0)),
            running=int(counts.get("running", 0)),
            succeeded=int(counts.get("succeeded", 0)),
            failed=int(counts.get("failed", 0)),
            timed_out=int(counts.get("timedOut", 0)),
            aborted=int(counts.get("aborted", 0)),
            total=int(counts.get("total", 0)),
        )

    @property
    def unsuccessful(self) -> int:
        return self.failed + self.timed_out + self.aborted

    @property
    def finished(self) -> int:
        return self.succeeded + self.unsuccessful


@dataclass(frozen=True)
class BackendCounts:
    """Child executions of one backend (Lambda or AWS Batch), by state."""

    running: int = 0
    succeeded: int = 0
    failed: int = 0


BACKEND_LABELS = {"lambda": "Lambda", "batch": "Batch"}


def format_backends(backends: dict[str, BackendCounts]) -> str:
    """``Lambda 3 running, 10 done, 0 failed; Batch 1 running, 1 done, 0 failed``."""
    return "; ".join(
        f"{BACKEND_LABELS.get(name, name)} {c.running:,} running, {c.succeeded:,} done, "
        f"{c.failed:,} failed"
        for name, c in sorted(backends.items())
    )


@dataclass(frozen=True)
class Progress:
    """One observation of a running execution."""

    status: str  # RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED
    elapsed_s: float
    state: str | None = None  # the state the parent is in, when known
    counts: MapCounts | None = None  # once the map run exists
    map_elapsed_s: float | None = None  # since the map run started
    # children per backend, shown when any chunk runs on AWS Batch
    backends: dict[str, BackendCounts] | None = None


def format_duration(seconds: float) -> str:
    """``mm:ss``, or ``h:mm:ss`` from an hour on."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def progress_bar(done: int, total: int, width: int = 20) -> str:
    """``[########------------]``: ``done`` of ``total`` as filled cells."""
    if width < 1:
        raise ValueError("width must be >= 1")
    filled = 0 if total <= 0 else min(width, done * width // total)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def children_per_second(done: int, elapsed_s: float | None) -> float | None:
    """Child executions finished per second of the map run."""
    if elapsed_s is None or elapsed_s <= 0:
        return None
    return done / elapsed_s


def format_progress(p: Progress, bar_width: int = 20) -> str:
    """One line, without line ending, e.g.

    ``FanOut [##########----------] 8/16 children done, 0 failed, 0 running, 2.0 children/s,
    00:04 elapsed``: the counts are child executions (one per chunk), not items.
    """
    elapsed = f"{format_duration(p.elapsed_s)} elapsed"
    if p.counts is None:
        where = p.state or "starting"
        return f"{where}: {p.status.lower()}, {elapsed}"
    c = p.counts
    rate = children_per_second(c.finished, p.map_elapsed_s)
    rate_text = "-- children/s" if rate is None else f"{rate:,.1f} children/s"
    state = p.state or "FanOut"
    line = (
        f"{state} {progress_bar(c.finished, c.total, bar_width)} "
        f"{c.succeeded:,}/{c.total:,} children done, {c.unsuccessful:,} failed, "
        f"{c.running:,} running, {rate_text}, {elapsed}"
    )
    if p.backends and "batch" in p.backends:
        line += f" ({format_backends(p.backends)})"
    return line


class ProgressPrinter:
    """Draws progress lines on a stream.

    On a terminal the line is redrawn in place (``\\r``) at every update; otherwise
    a plain line is written when the execution moves to another state, and every
    ``interval_s`` seconds in between.
    """

    def __init__(
        self,
        stream: TextIO,
        is_tty: bool,
        clock: Callable[[], float],
        interval_s: float = 15.0,
        formatter: Callable[[Any], str] = format_progress,
    ) -> None:
        self.formatter = formatter
        self.stream = stream
        self.is_tty = is_tty
        self.clock = clock
        self.interval_s = interval_s
        self._last_len = 0
        self._last_key: tuple[Any, ...] | None = None
        self._last_time: float | None = None

    def update(self, p: Any) -> None:
        line = self.formatter(p)
        if self.is_tty:
            pad = max(0, self._last_len - len(line))
            self.stream.write("\r" + line + " " * pad)
            self.stream.flush()
            self._last_len = len(line)
            return
        key = (p.status, p.state, p.counts is None)
        now = self.clock()
        due = self._last_time is None or now - self._last_time >= self.interval_s
        if key != self._last_key or due:
            self.stream.write(line + "\n")
            self.stream.flush()
            self._last_key = key
            self._last_time = now

    def finish(self) -> None:
        if self.is_tty and self._last_len:
            self.stream.write("\n")
            self.stream.flush()
            self._last_len = 0
