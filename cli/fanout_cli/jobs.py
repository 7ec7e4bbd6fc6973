"""A sweep's jobs as the command line gives them: a JSONL file, or N copies of one job
(pure functions). The sweep state machine checks every job spec again, fully."""

from __future__ import annotations

import json
from typing import Any

from fanout_cli.resolve import UsageError

# A sweep input up to this size goes inline; a larger jobs file is uploaded to S3 first
# (Step Functions accepts at most 256 KiB of execution input).
INLINE_LIMIT_BYTES = 200_000
# Where the sweep state machine reads uploaded jobs files (docs/architecture.md).
JOBS_PREFIX = "jobs/"


def load_jobs(text: str, where: str) -> list[Any]:
    """The job specs of a JSONL text: one JSON value a line, blank lines skipped."""
    specs: list[Any] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            specs.append(json.loads(line))
        except ValueError as exc:
            raise UsageError(f"{where} line {line_no}: not JSON ({exc.args[0]})") from None
    if not specs:
        raise UsageError(f"{where} holds no job specs (the file is empty)")
    return specs


def repeated_job(job_json: str, repeat: int) -> dict[str, Any]:
    """``{"repeat": N, "job": {...}}`` from ``--job`` and ``--repeat``."""
    try:
        job = json.loads(job_json)
    except ValueError as exc:
        raise UsageError(f"--job: not JSON ({exc.args[0]})") from None
    if not isinstance(job, dict):
        raise UsageError('--job: expected a JSON object such as {"size": 64}')
    return {"repeat": repeat, "job": job}


def sweep_input(jobs: Any, check: str) -> dict[str, Any]:
    payload: dict[str, Any] = {"jobs": jobs}
    if check != "none":
        payload["check"] = check
    return payload


def fits_inline(payload: dict[str, Any]) -> bool:
    return len(json.dumps(payload).encode()) <= INLINE_LIMIT_BYTES
