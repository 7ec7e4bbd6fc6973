"""The two steps of a sweep: plan (validate every job, list them in S3) and report.
S3 clients are passed in; no client is created here."""

from __future__ import annotations

import json
import logging
from typing import Any

from botocore.exceptions import ClientError

from fanout import s3io
from fanout.config import Limits
from fanout.errors import InvalidInputError, ResultFormatError
from fanout.planning import validate_execution_name
from fanout.steps import read_child_records
from fanout.sweep import (
    check_of,
    inline_specs,
    job_items,
    jobs_source,
    parse_jobs_jsonl,
    validate_jobs,
)
from fanout.sweep_report import job_lines, verdict

logger = logging.getLogger(__name__)

_MISSING = ("NoSuchKey", "404", "NoSuchBucket")


def read_jobs_file(s3: Any, uri: str, bucket: str) -> str:
    """The text of a jobs file, which must be in the results bucket under ``jobs/``."""
    allowed = f"s3://{bucket}/{s3io.JOBS_FILES_PREFIX}"
    try:
        file_bucket, key = s3io.parse_s3_uri(uri)
    except ValueError as exc:
        raise InvalidInputError(f"jobs.jsonl: {exc}, got {uri[:200]!r}") from None
    if file_bucket != bucket or not key.startswith(s3io.JOBS_FILES_PREFIX):
        raise InvalidInputError(
            f"jobs.jsonl: {uri[:200]} is outside the location this deployment reads jobs "
            f"files from ({allowed})"
        )
    try:
        raw = s3io.get_bytes(s3, bucket, key)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            raise InvalidInputError(f"jobs.jsonl: {uri} does not exist") from None
        raise
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"jobs.jsonl: {uri} is not UTF-8 text ({exc.reason})") from None


def sweep_plan_step(s3: Any, event: dict[str, Any], limits: Limits, bucket: str) -> dict[str, Any]:
    if not isinstance(event, dict):
        raise TypeError("sweep plan event must be an object")
    sweep_id = validate_execution_name(event.get("execution_name"))
    raw: Any = event.get("input")
    kind, value = jobs_source(raw)
    check = check_of(raw)
    if kind == "jsonl":
        specs = parse_jobs_jsonl(read_jobs_file(s3, value, bucket), value)
    else:
        specs = inline_specs(kind, value)
    validate_jobs(specs, limits)
    key = s3io.sweep_jobs_key(sweep_id)
    s3io.put_json(s3, bucket, key, job_items(specs, sweep_id))
    logger.info(
        "planned sweep",
        extra={"sweep_id": sweep_id, "jobs": len(specs), "source": kind, "check": check},
    )
    return {
        "sweep_id": sweep_id,
        "bucket": bucket,
        "jobs_key": key,
        "results_prefix": s3io.sweep_results_prefix(sweep_id),
        "job_count": len(specs),
        "check": check,
    }


def _find_manifest(s3: Any, bucket: str, prefix: str) -> str | None:
    """The manifest a failed map run's ResultWriter left (its Catch output does not say where)."""
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{prefix}/"):
        found += [o["Key"] for o in page.get("Contents", []) if o["Key"].endswith("/manifest.json")]
    return sorted(found)[-1] if found else None


def sweep_report_step(s3: Any, event: dict[str, Any]) -> dict[str, Any]:
    try:
        plan = event["plan"]
        sweep_id, bucket = plan["sweep_id"], plan["bucket"]
        map_result = event["map"]
    except (KeyError, TypeError) as exc:
        raise ResultFormatError(f"sweep report event lacks {exc}") from exc
    writer = map_result.get("ResultWriterDetails") if isinstance(map_result, dict) else None
    if writer:
        manifest_bucket, manifest_key = writer["Bucket"], writer["Key"]
    else:
        manifest_bucket, manifest_key = bucket, _find_manifest(s3, bucket, plan["results_prefix"])
    records = read_child_records(s3, manifest_bucket, manifest_key)[1] if manifest_key else []
    lines = job_lines(plan["job_count"], [record for _, record in records])
    report_key = s3io.sweep_report_key(sweep_id)
    s3io.put_text(
        s3, bucket, report_key, "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines)
    )
    out: dict[str, Any] = {
        "sweep_id": sweep_id,
        **verdict(lines, plan["check"]),
        "report_s3_uri": f"s3://{bucket}/{report_key}",
    }
    if not writer and isinstance(map_result, dict) and map_result.get("Error"):
        out["map_error"] = map_result["Error"]
    s3io.put_json(s3, bucket, s3io.sweep_summary_key(sweep_id), out)
    logger.info("reported sweep", extra={k: v for k, v in out.items() if k != "cause"})
    return out
