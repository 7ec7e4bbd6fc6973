"""A sweep's input: which jobs to run (pure; no boto3).

A sweep runs one fan-out execution per job spec. Its input names the jobs in one of three
ways (see docs/architecture.md, "Sweep input")::

    {"jobs": [{"size": 64}, {"size": 128, "chunk_size": 16}]}
    {"jobs": {"jsonl": "s3://<results bucket>/jobs/params.jsonl"}}
    {"jobs": {"repeat": 3, "job": {"workload": "repro_check", "size": 1}}, "check": "identical"}

Every job spec is checked with the fan-out's own validation before any job starts; the
first invalid one is refused naming the job (its index, and its line in a JSONL file).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fanout.config import Limits
from fanout.errors import InvalidInputError
from fanout.planning import MAX_JOBS, validate_input
from fanout.validation import json_type, refuse_unknown, require_choice, require_int

SWEEP_FIELDS = ("jobs", "check")
CHECKS = ("none", "identical")
JOBS_SOURCES = ("jsonl", "repeat")
EXAMPLE = '{"jobs": [{"size": 64}, {"size": 128}]}'


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One job spec as given, with where it came from (for messages)."""

    index: int
    spec: Any
    where: str


def check_of(raw: dict[str, Any]) -> str:
    """The sweep's ``check`` (an input already accepted by :func:`jobs_source`)."""
    return require_choice(raw.get("check", "none"), "check", CHECKS)


def jobs_source(raw: Any) -> tuple[str, Any]:
    """("inline", list) | ("jsonl", "s3://...") | ("repeat", (count, spec)) from the input."""
    if not isinstance(raw, dict):
        raise InvalidInputError(
            f"input: expected a JSON object such as {EXAMPLE}, got {json_type(raw)}"
        )
    refuse_unknown(raw, SWEEP_FIELDS)
    if "jobs" not in raw:
        raise InvalidInputError(f"jobs: required, e.g. {EXAMPLE}")
    jobs = raw["jobs"]
    if isinstance(jobs, list):
        if not jobs:
            raise InvalidInputError("jobs: the array is empty; a sweep needs at least one job spec")
        if len(jobs) > MAX_JOBS:
            raise InvalidInputError(
                f"jobs: {len(jobs)} job specs, more than the {MAX_JOBS} allowed"
            )
        return "inline", jobs
    if not isinstance(jobs, dict):
        raise InvalidInputError(
            f'jobs: expected an array of job specs, {{"jsonl": "s3://..."}} or '
            f'{{"repeat": N, "job": {{...}}}}, got {json_type(jobs)}'
        )
    if "jsonl" in jobs:
        refuse_unknown(jobs, ("jsonl",), where="jobs")
        uri = jobs["jsonl"]
        if not isinstance(uri, str) or not uri.startswith("s3://"):
            raise InvalidInputError(
                f"jobs.jsonl: expected an s3://bucket/key URI, got {json_type(uri)}"
            )
        return "jsonl", uri
    if "repeat" in jobs:
        refuse_unknown(jobs, ("repeat", "job"), where="jobs")
        count = require_int(jobs["repeat"], "jobs.repeat", 1, MAX_JOBS)
        if "job" not in jobs:
            raise InvalidInputError('jobs.job: required with repeat, e.g. {"size": 64}')
        return "repeat", (count, jobs["job"])
    raise InvalidInputError(f"jobs: expected one of {', '.join(JOBS_SOURCES)} in the object")


def parse_jobs_jsonl(text: str, uri: str) -> list[JobSpec]:
    """The job specs of a JSONL file: one JSON object a line; blank lines are skipped."""
    specs: list[JobSpec] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {line_no} of {uri}"
        try:
            spec = json.loads(line)
        except ValueError as exc:
            raise InvalidInputError(
                f"jobs[{len(specs)}] ({where}): not JSON ({exc.args[0]})"
            ) from None
        specs.append(JobSpec(len(specs), spec, where))
        if len(specs) > MAX_JOBS:
            raise InvalidInputError(f"jobs.jsonl: {uri} holds more than {MAX_JOBS} job specs")
    if not specs:
        raise InvalidInputError(f"jobs.jsonl: {uri} holds no job specs (the file is empty)")
    return specs


def inline_specs(kind: str, value: Any) -> list[JobSpec]:
    """The job specs of an inline array or a repeat."""
    if kind == "inline":
        return [JobSpec(n, spec, "") for n, spec in enumerate(value)]
    count, spec = value
    return [JobSpec(n, spec, "jobs.job") for n in range(count)]


def validate_jobs(specs: list[JobSpec], limits: Limits) -> None:
    """Check every job spec with the fan-out's own validation; refuse the first bad one."""
    for job in specs:
        label = f"jobs[{job.index}]" + (f" ({job.where})" if job.where else "")
        if isinstance(job.spec, dict) and "sweep" in job.spec:
            raise InvalidInputError(f"{label}: sweep: set by the sweep itself; leave it out")
        try:
            validate_input(job.spec, limits)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{label}: {exc}") from None


def job_items(specs: list[JobSpec], sweep_id: str) -> list[dict[str, Any]]:
    """The sweep map's items: each job's fan-out input, tagged with the sweep and job."""
    return [
        {
            "job": job.index,
            "input": {**job.spec, "sweep": {"run_id": sweep_id, "job": job.index}},
        }
        for job in specs
    ]
