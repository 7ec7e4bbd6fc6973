"""Progress line formatting and drawing."""

from __future__ import annotations

import io

import pytest

from fanout_cli.progress import (
    MapCounts,
    Progress,
    ProgressPrinter,
    format_duration,
    format_progress,
    progress_bar,
)

pytestmark = pytest.mark.unit


def test_duration() -> None:
    assert format_duration(0) == "00:00"
    assert format_duration(65.9) == "01:05"
    assert format_duration(3600 + 62) == "1:01:02"


def test_bar() -> None:
    assert progress_bar(0, 16, 8) == "[--------]"
    assert progress_bar(8, 16, 8) == "[####----]"
    assert progress_bar(16, 16, 8) == "[########]"
    assert progress_bar(3, 0, 4) == "[----]"


def test_counts_from_the_api() -> None:
    counts = MapCounts.from_api(
        {
            "pending": 1,
            "running": 2,
            "succeeded": 10,
            "failed": 1,
            "timedOut": 1,
            "aborted": 1,
            "total": 16,
            "resultsWritten": 10,
        }
    )
    assert counts.unsuccessful == 3
    assert counts.finished == 13


def test_line_before_the_map_run_shows_the_state() -> None:
    line = format_progress(Progress(status="RUNNING", elapsed_s=3, state="Plan"))
    assert line == "Plan: running, 00:03 elapsed"
    assert format_progress(Progress("RUNNING", 0)) == "starting: running, 00:00 elapsed"


def test_line_with_map_counts() -> None:
    counts = MapCounts(running=4, succeeded=8, failed=1, total=16)
    p = Progress("RUNNING", elapsed_s=12, state="FanOut", counts=counts, map_elapsed_s=4.5)
    # finished = 8 + 1 = 9 -> 9 * 20 // 16 = 11 cells; 9 / 4.5 = 2.0 children/s
    assert format_progress(p) == (
        "FanOut [###########---------] 8/16 children done, 1 failed, 4 running, 2.0 children/s, "
        "00:12 elapsed"
    )
    p0 = Progress("RUNNING", 1, "FanOut", MapCounts(total=16), map_elapsed_s=0)
    assert "-- children/s" in format_progress(p0)


def test_tty_redraws_one_line() -> None:
    out = io.StringIO()
    printer = ProgressPrinter(out, is_tty=True, clock=lambda: 0.0)
    printer.update(Progress("RUNNING", 1, "Plan"))
    printer.update(Progress("RUNNING", 2, "X"))
    printer.finish()
    first = "Plan: running, 00:01 elapsed"
    second = "X: running, 00:02 elapsed"
    pad = " " * (len(first) - len(second))
    assert out.getvalue() == "\r" + first + "\r" + second + pad + "\n"


def test_plain_lines_on_state_change_and_periodically() -> None:
    now = [0.0]
    out = io.StringIO()
    printer = ProgressPrinter(out, is_tty=False, clock=lambda: now[0], interval_s=10)
    printer.update(Progress("RUNNING", 0, "Plan"))  # first: written
    now[0] = 1
    printer.update(Progress("RUNNING", 1, "Plan"))  # same state, not due: skipped
    now[0] = 2
    counts = MapCounts(total=4)
    printer.update(Progress("RUNNING", 2, "FanOut", counts, 0.5))  # new state: written
    now[0] = 5
    printer.update(Progress("RUNNING", 5, "FanOut", MapCounts(succeeded=1, total=4), 3))  # skipped
    now[0] = 12
    printer.update(Progress("RUNNING", 12, "FanOut", MapCounts(succeeded=2, total=4), 10))  # due
    printer.finish()
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("Plan:")
    assert lines[1].startswith("FanOut [") and "0/4 children done" in lines[1]
    assert "2/4 children done" in lines[2] and "00:12 elapsed" in lines[2]
    assert "\r" not in out.getvalue()
