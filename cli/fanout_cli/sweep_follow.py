"""Following a sweep with nested progress: jobs done of the total, and the chunks of the
jobs running now. The Step Functions client, the clock and the sleep are passed in.

The jobs' own executions are found among the fan-out state machine's running executions by
the ``sweep`` field the sweep adds to each job's input (``{"run_id": <sweep>, "job": n}``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from fanout_cli.follow import FollowTimeout, latest_map_run, recent_events
from fanout_cli.progress import MapCounts, format_duration, progress_bar
from fanout_cli.summary import current_state

# Running fan-out executions looked at per poll, and running jobs shown.
SCAN_LIMIT = 100
SHOWN_JOBS = 4


@dataclass(frozen=True)
class JobProgress:
    job: int
    execution_arn: str
    chunks: MapCounts | None  # None while the job is still planning


@dataclass(frozen=True)
class SweepProgress:
    status: str
    elapsed_s: float
    state: str | None = None
    counts: MapCounts | None = None  # the sweep map's items: one per job
    running: tuple[JobProgress, ...] = ()


@dataclass
class JobFinder:
    """Which running fan-out executions are this sweep's jobs (each described once)."""

    fanout_arn: str | None  # without it, the running jobs are not looked for
    sweep_id: str
    known: dict[str, int | None] = field(default_factory=dict)  # execution ARN -> job

    def job_of(self, sfn: Any, execution_arn: str) -> int | None:
        if execution_arn not in self.known:
            raw = sfn.describe_execution(executionArn=execution_arn).get("input") or "{}"
            try:
                tag = json.loads(raw).get("sweep") or {}
            except (ValueError, AttributeError):
                tag = {}
            mine = isinstance(tag, dict) and tag.get("run_id") == self.sweep_id
            self.known[execution_arn] = tag.get("job") if mine else None
        return self.known[execution_arn]

    def running(self, sfn: Any) -> list[tuple[int, str]]:
        if not self.fanout_arn:
            return []
        page = sfn.list_executions(
            stateMachineArn=self.fanout_arn, statusFilter="RUNNING", maxResults=SCAN_LIMIT
        )
        found = []
        for execution in page.get("executions", []):
            job = self.job_of(sfn, execution["executionArn"])
            if job is not None:
                found.append((job, execution["executionArn"]))
        return sorted(found)


def observe_sweep(
    sfn: Any, execution_arn: str, finder: JobFinder, now: datetime
) -> tuple[dict[str, Any], SweepProgress]:
    description = sfn.describe_execution(executionArn=execution_arn)
    start = description.get("startDate")
    elapsed = (now - start).total_seconds() if isinstance(start, datetime) else 0.0
    try:
        map_run = latest_map_run(sfn, execution_arn)
    except ClientError:
        map_run = None
    counts = MapCounts.from_api(map_run.get("itemCounts", {})) if map_run else None
    running: list[JobProgress] = []
    if description["status"] == "RUNNING" and counts is not None:
        for job, arn in finder.running(sfn)[:SHOWN_JOBS]:
            try:
                job_map = latest_map_run(sfn, arn)
            except ClientError:
                job_map = None
            chunks = MapCounts.from_api(job_map.get("itemCounts", {})) if job_map else None
            running.append(JobProgress(job, arn, chunks))
    state = current_state(recent_events(sfn, execution_arn))
    progress = SweepProgress(description["status"], elapsed, state, counts, tuple(running))
    return description, progress


def format_sweep_progress(p: SweepProgress, bar_width: int = 20) -> str:
    """One line, e.g. ``RunJobs [########------------] 2/5 jobs done, 1 failed, 00:12
    elapsed | job 2: chunks 3/16 | job 3: planning``."""
    elapsed = f"{format_duration(p.elapsed_s)} elapsed"
    if p.counts is None:
        line = f"{p.state or 'starting'}: {p.status.lower()}, {elapsed}"
    else:
        c = p.counts
        line = (
            f"{p.state or 'RunJobs'} {progress_bar(c.finished, c.total, bar_width)} "
            f"{c.succeeded:,}/{c.total:,} jobs done, {c.unsuccessful:,} failed, {elapsed}"
        )
    for job in p.running:
        if job.chunks is None or not job.chunks.total:
            line += f" | job {job.job}: planning"
        else:
            line += f" | job {job.job}: chunks {job.chunks.finished:,}/{job.chunks.total:,}"
    return line


def follow_sweep(
    sfn: Any,
    execution_arn: str,
    finder: JobFinder,
    *,
    now: Callable[[], datetime],
    sleep: Callable[[float], None],
    on_progress: Callable[[SweepProgress], None],
    poll_s: float = 2.0,
    timeout_s: float = 3600.0,
) -> dict[str, Any]:
    """Poll until the sweep is no longer RUNNING; return its description."""
    started = now()
    while True:
        description, progress = observe_sweep(sfn, execution_arn, finder, now())
        on_progress(progress)
        if description["status"] != "RUNNING":
            return description
        if (now() - started).total_seconds() >= timeout_s:
            raise FollowTimeout(f"{execution_arn} is still running after {timeout_s:,.0f} s")
        sleep(poll_s)
