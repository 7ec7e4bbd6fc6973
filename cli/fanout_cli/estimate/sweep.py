"""What a sweep will cost: every job's estimate (``fanout_cli.estimate``) plus the sweep's
own state machine, and the wall time of the jobs run ``max_concurrency`` at a time.

Pure arithmetic, no AWS calls. The sweep's own counts follow docs/architecture.md
("Sweeps"): PlanSweep, RunJobs, Report, Verdict and Done in the parent; one STANDARD map
child per job, whose RunJob task starts and awaits the job's fan-out execution.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from fanout_cli import prices
from fanout_cli.estimate import estimate
from fanout_cli.estimate.model import DEFAULT_MODEL
from fanout_cli.estimate.notes import Note
from fanout_cli.estimate.report import Estimate, json_with_prices

# The deployment's default sweep_max_concurrency.
DEFAULT_SWEEP_MAX_CONCURRENCY = 10
SWEEP_PARENT_STATES = 5  # PlanSweep, RunJobs, Report, Verdict, Done
SWEEP_LAMBDA_MEMORY_MB = 256  # both sweep functions use the plan function's memory
# Each map child: one transition to start it and one for its RunJob task.
TRANSITIONS_PER_JOB = 2
JOB_FIELDS = ("size", "chunk_size", "kernel", "workload")


class SweepEstimateError(ValueError):
    """A job spec the estimate cannot cover; the message names the job."""


@dataclass
class SweepEstimate:
    jobs: int
    max_concurrency: int
    job_estimates: list[Estimate]
    sweep_state_transitions: int
    sweep_lambda_invocations: int
    sweep_s3_puts: int
    sweep_s3_gets: int
    wall_seconds_about: float
    cost_usd: dict[str, float]
    notes: list[Note] = field(default_factory=list)

    def to_json(self) -> str:
        return json_with_prices(self)


def makespan(durations: list[float], slots: int) -> float:
    """Wall time of jobs started in order, each as soon as one of ``slots`` is free."""
    running: list[float] = []
    end = 0.0
    for duration in durations:
        start = heapq.heappop(running) if len(running) >= slots else 0.0
        finish = start + duration
        heapq.heappush(running, finish)
        end = max(end, finish)
    return end


def job_arguments(n: int, spec: Any) -> dict[str, Any]:
    """The estimate's arguments for job ``n`` (utf8_count jobs only)."""
    if not isinstance(spec, dict):
        raise SweepEstimateError(f"job {n}: expected a JSON object, got {type(spec).__name__}")
    workload = spec.get("workload", "utf8_count")
    if workload != "utf8_count":
        raise SweepEstimateError(
            f"job {n}: the estimate models utf8_count runs only, this job runs {workload!r}"
        )
    if not isinstance(spec.get("size"), int):
        raise SweepEstimateError(f"job {n}: size: required, an integer")
    return {
        "size": spec["size"],
        "chunk_size": spec.get("chunk_size"),
        **({"kernel": spec["kernel"]} if "kernel" in spec else {}),
    }


def estimate_sweep(
    specs: list[Any],
    jobs_at_once: int = DEFAULT_SWEEP_MAX_CONCURRENCY,
    **job_options: Any,
) -> SweepEstimate:
    """Estimate a sweep of ``specs`` (fan-out inputs), ``jobs_at_once`` running at a time;
    ``job_options`` go to every job's :func:`fanout_cli.estimate.estimate` (memory, child
    type, the fan-out map's MaxConcurrency...)."""
    if not specs:
        raise SweepEstimateError("jobs: no job specs (a sweep needs at least one)")
    if jobs_at_once < 1:
        raise SweepEstimateError("jobs at once (sweep_max_concurrency) must be >= 1")
    jobs = [estimate(**job_arguments(n, spec), **job_options) for n, spec in enumerate(specs)]
    transitions = SWEEP_PARENT_STATES + TRANSITIONS_PER_JOB * len(jobs)
    # Sweep plan and report, a few tenths of a second each at 256 MB.
    invocations = 2
    gb_s = 2 * DEFAULT_MODEL.plan_s * SWEEP_LAMBDA_MEMORY_MB / 1024
    # jobs.json, ResultWriter (manifest and one file), report and summary.
    puts, gets = 1 + 2 + 2, 1 + 2
    overhead = {
        "step_functions": transitions * prices.SFN_STANDARD_PER_TRANSITION,
        "lambda": invocations * prices.LAMBDA_PER_REQUEST + gb_s * prices.LAMBDA_PER_GB_SECOND,
        "s3_requests": puts * prices.S3_PER_PUT + gets * prices.S3_PER_GET,
    }
    cost = {
        key: overhead[key] + sum(job.cost_usd[key] for job in jobs)
        for key in ("step_functions", "lambda", "s3_requests")
    }
    cost["total"] = sum(cost.values())
    wall = 2 * DEFAULT_MODEL.plan_s + makespan(
        [job.wall_seconds_about for job in jobs], jobs_at_once
    )
    notes = [
        Note(note.level, f"job {n}: {note.message}")
        for n, job in enumerate(jobs)
        for note in job.notes
        if note.level == "warning"
    ]
    return SweepEstimate(
        jobs=len(jobs),
        max_concurrency=jobs_at_once,
        job_estimates=jobs,
        sweep_state_transitions=transitions,
        sweep_lambda_invocations=invocations,
        sweep_s3_puts=puts,
        sweep_s3_gets=gets,
        wall_seconds_about=wall,
        cost_usd=cost,
        notes=notes,
    )


def format_sweep_estimate(est: SweepEstimate) -> str:
    """The sweep estimate as text for a person."""
    lines = [
        f"Estimate for a sweep of {est.jobs:,} jobs ({est.max_concurrency:,} at once)",
        "  job    size  chunks  Lambda inv.  wall (about)   cost (USD)",
    ]
    for n, job in enumerate(est.job_estimates[:50]):
        lines.append(
            f"  {n:>3} {job.size:>7,} {job.children:>7,} {job.lambda_invocations['total']:>12,}"
            f" {job.wall_seconds_about:>12.2f} s  ${job.cost_usd['total']:.6f}"
        )
    if est.jobs > 50:
        lines.append(f"  ... and {est.jobs - 50:,} more jobs")
    lines += [
        f"  sweep itself          {est.sweep_state_transitions:,} state transitions, "
        f"{est.sweep_lambda_invocations} Lambda invocations, {est.sweep_s3_puts} S3 PUT, "
        f"{est.sweep_s3_gets} S3 GET",
        f"  wall time             about {est.wall_seconds_about:,.2f} s",
        f"  cost (USD, {prices.REGION}, list prices read {prices.READ_ON}, no free tier)",
        f"    Step Functions      ${est.cost_usd['step_functions']:.6f}",
        f"    Lambda              ${est.cost_usd['lambda']:.6f}",
        f"    S3 requests         ${est.cost_usd['s3_requests']:.6f}",
        f"    total               ${est.cost_usd['total']:.6f}",
    ]
    lines += [f"{note.level}: {note.message}" for note in est.notes]
    return "\n".join(lines)
