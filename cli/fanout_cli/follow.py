"""Following an execution until it ends, with any Step Functions client.

The client is passed in (boto3's ``stepfunctions`` client, or a fake in tests),
and so are the clock and the sleep, so this runs without AWS or real time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from botocore.exceptions import ClientError

from fanout_cli.exit_codes import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_STILL_RUNNING
from fanout_cli.progress import (
    BackendCounts,
    MapCounts,
    Progress,
    ProgressPrinter,
    format_progress,
)
from fanout_cli.summary import (
    current_state,
    execution_failure,
    format_failure,
    format_summary,
    parse_output,
)

HISTORY_PAGE = 25


class FollowTimeout(TimeoutError):
    """The execution was still running when the deadline passed."""


@dataclass
class Observation:
    description: dict[str, Any]
    map_run: dict[str, Any] | None
    progress: Progress


def latest_map_run(sfn: Any, execution_arn: str) -> dict[str, Any] | None:
    """DescribeMapRun of the execution's most recent map run, or None before it exists."""
    runs = sfn.list_map_runs(executionArn=execution_arn).get("mapRuns", [])
    if not runs:
        return None
    newest = max(runs, key=lambda r: r.get("startDate") or datetime.min)
    return sfn.describe_map_run(mapRunArn=newest["mapRunArn"])


def recent_events(sfn: Any, execution_arn: str, count: int = HISTORY_PAGE) -> list[dict[str, Any]]:
    """The newest ``count`` history events of an execution."""
    page = sfn.get_execution_history(
        executionArn=execution_arn, reverseOrder=True, maxResults=count
    )
    return list(page.get("events", []))


FAILED_CHILD_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")


class BackendTracker:
    """Counts a map run's child executions per backend (the ``backend`` the plan wrote into
    each chunk, read once from each child's input), by their current status."""

    def __init__(self) -> None:
        self._backend_of: dict[str, str] = {}

    def _backend(self, sfn: Any, child_arn: str) -> str:
        if child_arn not in self._backend_of:
            described = sfn.describe_execution(executionArn=child_arn)
            try:
                chunk = json.loads(described.get("input") or "{}").get("chunk") or {}
            except ValueError:
                chunk = {}
            self._backend_of[child_arn] = str(chunk.get("backend") or "lambda")
        return self._backend_of[child_arn]

    def counts(self, sfn: Any, map_run_arn: str) -> dict[str, BackendCounts]:
        tally: dict[str, dict[str, int]] = {}
        token: str | None = None
        while True:
            page = sfn.list_executions(
                mapRunArn=map_run_arn, **({"nextToken": token} if token else {})
            )
            for child in page.get("executions", []):
                counts = tally.setdefault(
                    self._backend(sfn, child["executionArn"]),
                    {"running": 0, "succeeded": 0, "failed": 0},
                )
                status = child.get("status")
                if status == "RUNNING":
                    counts["running"] += 1
                elif status == "SUCCEEDED":
                    counts["succeeded"] += 1
                elif status in FAILED_CHILD_STATUSES:
                    counts["failed"] += 1
            token = page.get("nextToken")
            if not token:
                break
        return {name: BackendCounts(**c) for name, c in tally.items()}


def observe(
    sfn: Any, execution_arn: str, now: datetime, tracker: BackendTracker | None = None
) -> Observation:
    """One look at an execution: status, the state it is in, and its map run's counts."""
    description = sfn.describe_execution(executionArn=execution_arn)
    try:
        map_run = latest_map_run(sfn, execution_arn)
    except ClientError:
        map_run = None  # no permission for map runs, or an endpoint without them
    state = current_state(recent_events(sfn, execution_arn))
    start = description.get("startDate")
    elapsed = (now - start).total_seconds() if isinstance(start, datetime) else 0.0
    counts = None
    map_elapsed = None
    backends = None
    if map_run is not None and tracker is not None and map_run.get("mapRunArn"):
        try:
            backends = tracker.counts(sfn, map_run["mapRunArn"])
        except ClientError:
            backends = None  # no permission to list children: totals only
    if map_run is not None:
        counts = MapCounts.from_api(map_run.get("itemCounts", {}))
        map_start = map_run.get("startDate")
        map_stop = map_run.get("stopDate") or now
        if isinstance(map_start, datetime):
            map_elapsed = (map_stop - map_start).total_seconds()
    progress = Progress(
        status=description["status"],
        elapsed_s=elapsed,
        state=state,
        counts=counts,
        map_elapsed_s=map_elapsed,
        backends=backends,
    )
    return Observation(description, map_run, progress)


def follow(
    sfn: Any,
    execution_arn: str,
    *,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    on_progress: Callable[[Progress], None],
    poll_s: float = 2.0,
    timeout_s: float = 3600.0,
) -> Observation:
    """Poll until the execution is no longer RUNNING; raise FollowTimeout at the deadline."""
    started = now()
    tracker = BackendTracker()
    while True:
        seen = observe(sfn, execution_arn, now(), tracker)
        on_progress(seen.progress)
        if seen.description["status"] != "RUNNING":
            return seen
        if (now() - started).total_seconds() >= timeout_s:
            raise FollowTimeout(f"{execution_arn} is still running after {timeout_s:,.0f} s")
        sleep(poll_s)


@dataclass(frozen=True)
class FollowOptions:
    """How ``fanout run`` follows an execution and prints its outcome."""

    poll_s: float = 2.0
    timeout_s: float = 3600.0
    as_json: bool = False
    print_limit: int = 5000


def follow_and_report(
    sfn: Any,
    arn: str,
    options: FollowOptions,
    out: TextIO,
    err: TextIO,
    *,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    is_tty: bool | None = None,
    watch: Callable[..., dict[str, Any]] | None = None,
    formatter: Callable[[Any], str] = format_progress,
    summary: Callable[[str, dict[str, Any], int], str] = format_summary,
) -> int:
    """Follow ``arn`` to its end, print the summary or the failure, return the exit code.

    ``watch`` (default: :func:`follow`) polls until the end with the keyword arguments of
    :func:`follow` and returns the last DescribeExecution; ``formatter`` draws its progress
    and ``summary`` prints a success: a sweep passes its own.
    """
    tty = err.isatty() if is_tty is None else is_tty
    printer = ProgressPrinter(err, tty, clock=lambda: now().timestamp(), formatter=formatter)
    if watch is None:

        def watch(**kw: Any) -> dict[str, Any]:
            return follow(sfn, arn, **kw).description

    try:
        description = watch(
            now=now,
            sleep=sleep,
            on_progress=printer.update,
            poll_s=options.poll_s,
            timeout_s=options.timeout_s,
        )
    except FollowTimeout as exc:
        printer.finish()
        print(f"{exc}; it goes on. Check it with: fanout status {arn}", file=err)
        return EXIT_STILL_RUNNING
    except KeyboardInterrupt:
        printer.finish()
        print(f"stopped following; the execution goes on: fanout status {arn}", file=err)
        return EXIT_INTERRUPTED
    printer.finish()
    status = description["status"]
    if status == "SUCCEEDED":
        if options.as_json:
            record = {"execution_arn": arn, "status": status, "output": parse_output(description)}
            print(json.dumps(record, indent=2), file=out)
        else:
            print(summary(arn, description, options.print_limit), file=out)
        return EXIT_OK
    error, cause = execution_failure(description, recent_events(sfn, arn))
    if options.as_json:
        record = {"execution_arn": arn, "status": status, "error": error, "cause": cause}
        print(json.dumps(record), file=out)
    else:
        print(format_failure(arn, description, error, cause), file=out)
    return EXIT_FAILED
