"""S3 I/O with a client passed in (the handlers create one per execution environment)."""

from __future__ import annotations

import json
from typing import Any

_client: Any = None


def default_client() -> Any:
    """The environment's S3 client, created on first use and reused across invocations.

    The endpoint comes from the SDK's own configuration (AWS_ENDPOINT_URL and friends).
    """
    global _client
    if _client is None:
        import boto3

        _client = boto3.client("s3")
    return _client


def put_json(s3: Any, bucket: str, key: str, value: Any) -> None:
    body = json.dumps(value, separators=(",", ":")).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")


def put_text(s3: Any, bucket: str, key: str, text: str) -> None:
    s3.put_object(
        Bucket=bucket, Key=key, Body=text.encode(), ContentType="text/plain; charset=utf-8"
    )


def get_bytes(s3: Any, bucket: str, key: str) -> bytes:
    response = s3.get_object(Bucket=bucket, Key=key)
    return bytes(response["Body"].read())


def get_json(s3: Any, bucket: str, key: str) -> Any:
    return json.loads(get_bytes(s3, bucket, key))


def run_prefix(run_id: str) -> str:
    return f"runs/{run_id}"


def chunks_key(run_id: str) -> str:
    return f"{run_prefix(run_id)}/chunks.json"


def results_prefix(run_id: str) -> str:
    return f"{run_prefix(run_id)}/results"


def partial_key(run_id: str, chunk_id: int) -> str:
    return f"{run_prefix(run_id)}/partials/{chunk_id}.json"


def result_key(run_id: str) -> str:
    return f"{run_prefix(run_id)}/result.txt"


def summary_key(run_id: str) -> str:
    return f"{run_prefix(run_id)}/summary.json"


# A sweep's own files sit beside its jobs' run folders: runs/<sweep>/jobs/<job>/...

# Where a jobs file (JSONL) may be uploaded for a sweep to read, in the results bucket.
JOBS_FILES_PREFIX = "jobs/"


def sweep_jobs_key(sweep_id: str) -> str:
    return f"{run_prefix(sweep_id)}/jobs.json"


def sweep_results_prefix(sweep_id: str) -> str:
    return f"{run_prefix(sweep_id)}/sweep-results"


def sweep_report_key(sweep_id: str) -> str:
    return f"{run_prefix(sweep_id)}/sweep_report.jsonl"


def sweep_summary_key(sweep_id: str) -> str:
    return f"{run_prefix(sweep_id)}/sweep_summary.json"


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key) of ``s3://bucket/key``; ValueError for anything else."""
    if not uri.startswith("s3://"):
        raise ValueError("expected s3://bucket/key")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket or not key:
        raise ValueError("expected s3://bucket/key")
    return bucket, key


def unblock_key(run_id: str) -> str:
    """The object that clears a run's injected ``blocked`` fault (fault injection only)."""
    return f"{run_prefix(run_id)}/faults/unblock"
