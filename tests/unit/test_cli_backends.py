"""Progress per backend: the map run's children counted as Lambda or Batch (the backend the
plan wrote into each chunk), running, done and failed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fanout_cli.follow import BackendTracker
from fanout_cli.progress import BackendCounts, MapCounts, Progress, format_progress

pytestmark = pytest.mark.unit

MAP_RUN = "arn:aws:states:us-east-1:123456789012:mapRun:fanout-run/FanOut:abc"


class FakeChildren:
    """ListExecutions(mapRunArn) in pages of two, and each child's input."""

    def __init__(self, children: list[tuple[str, str, str | None]]) -> None:
        self.children = children  # (arn, status, backend or None for an older plan)
        self.described: list[str] = []

    def list_executions(self, mapRunArn: str, nextToken: str | None = None) -> dict[str, Any]:
        assert mapRunArn == MAP_RUN
        start = int(nextToken or 0)
        page: dict[str, Any] = {
            "executions": [
                {"executionArn": arn, "status": status}
                for arn, status, _ in self.children[start : start + 2]
            ]
        }
        if start + 2 < len(self.children):
            page["nextToken"] = str(start + 2)
        return page

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        self.described.append(executionArn)
        backend = next(b for arn, _, b in self.children if arn == executionArn)
        chunk: dict[str, Any] = {"chunk_id": 0, "start": 0, "stop": 1}
        if backend:
            chunk["backend"] = backend
        return {"executionArn": executionArn, "input": json.dumps({"run": {}, "chunk": chunk})}


def test_children_are_counted_per_backend_and_described_once() -> None:
    sfn = FakeChildren(
        [
            ("c0", "SUCCEEDED", "lambda"),
            ("c1", "RUNNING", "batch"),
            ("c2", "FAILED", "batch"),
            ("c3", "RUNNING", None),
            ("c4", "TIMED_OUT", "lambda"),
        ]
    )
    tracker = BackendTracker()
    expected = {
        "lambda": BackendCounts(running=1, succeeded=1, failed=1),
        "batch": BackendCounts(running=1, succeeded=0, failed=1),
    }
    assert tracker.counts(sfn, MAP_RUN) == expected
    assert tracker.counts(sfn, MAP_RUN) == expected
    assert sorted(sfn.described) == ["c0", "c1", "c2", "c3", "c4"]


def test_the_progress_line_shows_both_backends_when_batch_is_used() -> None:
    counts = MapCounts(running=2, succeeded=3, failed=1, total=6)
    backends = {
        "lambda": BackendCounts(running=1, succeeded=3, failed=0),
        "batch": BackendCounts(running=1, succeeded=0, failed=1),
    }
    line = format_progress(Progress("RUNNING", 4.0, "FanOut", counts, 2.0, backends))
    assert line.endswith("(Batch 1 running, 0 done, 1 failed; Lambda 1 running, 3 done, 0 failed)")
    lambda_only = {"lambda": BackendCounts(running=2, succeeded=3, failed=1)}
    line = format_progress(Progress("RUNNING", 4.0, "FanOut", counts, 2.0, lambda_only))
    assert "Lambda" not in line and "Batch" not in line
