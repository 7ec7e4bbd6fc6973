"""A sweep's report: one line per job from the sweep map's child records, and the verdict
(pure; no boto3).

Each child record of the sweep map (see fanout.resultwriter) is one job: its Input is the
map item ``{"job": n, "input": {...}}``; a SUCCEEDED child's Output is
``{"execution_arn": ..., "summary": <the fan-out's output>}``; a FAILED child has
``Error`` ``States.TaskFailed`` and a ``Cause`` holding the fan-out execution's description
as JSON (its own ``Error`` and ``Cause``). Planned jobs with no record never ran.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from fanout.errors import ResultFormatError, abbreviate_ids, truncate_cause
from fanout.resultwriter import decode_field

JOBS_FAILED = "JobsFailedError"
DIFFERENCES_FOUND = "DifferencesFound"
# How much of one job's cause a sweep's cause quotes.
JOB_CAUSE_CHARS = 300


def _job_of(record: dict[str, Any]) -> int:
    item = decode_field(record, "Input")
    job = item.get("job") if isinstance(item, dict) else None
    if not isinstance(job, int) or isinstance(job, bool):
        raise ResultFormatError(f"sweep child record without a job index: {str(item)[:200]}")
    return job


def _failure_of(record: dict[str, Any]) -> dict[str, Any]:
    """The failed job's own error, cause and execution, unwrapped from the task failure."""
    error, cause = record.get("Error"), record.get("Cause")
    entry: dict[str, Any] = {"error": error, "cause": cause}
    try:
        described = json.loads(cause) if isinstance(cause, str) else None
    except ValueError:
        described = None
    if isinstance(described, dict):
        fields = {str(k).lower(): v for k, v in described.items()}
        if fields.get("error") is not None or fields.get("status") is not None:
            entry = {
                "error": fields.get("error") or error,
                "cause": fields.get("cause"),
                "execution_arn": fields.get("executionarn"),
                "execution_status": fields.get("status"),
            }
    return {k: v for k, v in entry.items() if v is not None}


def job_lines(job_count: int, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One report line per planned job, in job order."""
    lines: dict[int, dict[str, Any]] = {}
    for record in records:
        job = _job_of(record)
        if not 0 <= job < job_count:
            raise ResultFormatError(f"sweep child record for job {job}, not a planned job")
        if record.get("Status") == "SUCCEEDED":
            run = decode_field(record, "Output")
            if not isinstance(run, dict) or not isinstance(run.get("summary"), dict):
                raise ResultFormatError(f"job {job}: succeeded without a run summary")
            line = {
                "job": job,
                "status": "SUCCEEDED",
                "execution_arn": run.get("execution_arn"),
                "summary": run["summary"],
            }
        else:
            line = {"job": job, "status": record.get("Status") or "FAILED", **_failure_of(record)}
        # A job reported twice (a retried start) keeps its success.
        if job not in lines or line["status"] == "SUCCEEDED":
            lines[job] = line
    return [lines.get(job, {"job": job, "status": "NOT_RUN"}) for job in range(job_count)]


def _jobs_failed_cause(failed: list[dict[str, Any]], job_count: int) -> str:
    parts = []
    for line in failed[:20]:
        if line["status"] == "NOT_RUN":
            parts.append(f"job {line['job']} not run")
            continue
        cause = truncate_cause(str(line.get("cause") or ""), JOB_CAUSE_CHARS)
        parts.append(f"job {line['job']} {line.get('error') or line['status']}: {cause}")
    more = f"; ... and {len(failed) - 20} more" if len(failed) > 20 else ""
    ids = abbreviate_ids([line["job"] for line in failed], limit=500)
    return truncate_cause(
        f"{len(failed)} of {job_count} jobs did not succeed (jobs {ids}): "
        + "; ".join(parts)
        + more
    )


def verdict(lines: list[dict[str, Any]], check: str) -> dict[str, Any]:
    """Totals and the verdict: OK, FAILED (JobsFailedError) or DIFFERENT (DifferencesFound)."""
    counts = Counter(line["status"] for line in lines)
    totals: dict[str, Any] = {
        "jobs": len(lines),
        "succeeded": counts.get("SUCCEEDED", 0),
        "failed": len(lines) - counts.get("SUCCEEDED", 0) - counts.get("NOT_RUN", 0),
        "not_run": counts.get("NOT_RUN", 0),
        "check": check,
    }
    failed = [line for line in lines if line["status"] != "SUCCEEDED"]
    if failed:
        totals["failed_jobs"] = [line["job"] for line in failed][:1000]
        return {
            "verdict": "FAILED",
            "error": JOBS_FAILED,
            "cause": _jobs_failed_cause(failed, len(lines)),
            **totals,
        }
    if check == "identical":
        digests = [line["summary"].get("result_sha256") for line in lines]
        distinct = Counter(digests)
        if len(distinct) == 1:
            return {"verdict": "OK", "digest": digests[0], **totals}
        common, _ = distinct.most_common(1)[0]
        differing = [
            line["job"] for line in lines if line["summary"].get("result_sha256") != common
        ]
        listing = "; ".join(f"{d} x{n}" for d, n in distinct.most_common(10))
        return {
            "verdict": "DIFFERENT",
            "error": DIFFERENCES_FOUND,
            "cause": truncate_cause(
                f"{len(lines)} jobs gave {len(distinct)} distinct result digests ({listing}). "
                f"Jobs differing from the most common result ({len(differing)}): "
                f"{abbreviate_ids(differing, limit=1500)}"
            ),
            "distinct_digests": len(distinct),
            "differing_jobs": differing[:1000],
            **totals,
        }
    return {"verdict": "OK", **totals}
