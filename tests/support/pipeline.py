"""Run the three real handlers in-process the way the state machine does, writing the
Distributed Map's ResultWriter output in the AWS format (manifest.json plus SUCCEEDED_n /
FAILED_n JSON files of child records) into a fake S3.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.fakes import FakeLambdaContext, FakeS3

RETRIED = ("TransientComputeError", "ComputeThrottledError")
EXECUTION_ARN = "arn:aws:states:us-east-1:000000000000:execution:fanout/map"
MAP_RUN_ARN = "arn:aws:states:us-east-1:000000000000:mapRun:fanout/{name}:{map_id}"


@dataclass
class ChildResult:
    chunk: dict[str, Any]
    child_input: dict[str, Any]
    status: str
    output: dict[str, Any] | None = None
    error: str | None = None
    cause: str | None = None
    attempts: int = 1
    # Which child execution this is (default: one per result) and which redrive attempt.
    child_name: str | None = None
    redrive_count: int = 0


def child_record(result: ChildResult, name: str, index: int) -> dict[str, Any]:
    """One child execution as ResultWriter writes it (Transformation NONE), with the key set
    of AWS's records (tests/fixtures/aws/states/resultwriter_*; test_resultwriter_aws
    keeps the two equal)."""
    child = result.child_name or f"{name}-{index}"
    record: dict[str, Any] = {
        "ExecutionArn": f"{EXECUTION_ARN}:{child}",
        "Input": json.dumps(result.child_input),
        "InputDetails": {"Included": True},
        "Name": child,
        "OutputDetails": {"Included": True},
        "RedriveCount": result.redrive_count,
        "StartDate": "2026-01-01T00:00:00.000Z",
        "StateMachineArn": "arn:aws:states:us-east-1:000000000000:stateMachine:fanout/map",
        "Status": result.status,
        "StopDate": "2026-01-01T00:00:01.000Z",
    }
    if result.status == "SUCCEEDED":
        record["Output"] = json.dumps(result.output)
        record["RedriveStatus"] = "NOT_REDRIVABLE"
        record["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
    else:
        record["Error"] = result.error
        record["Cause"] = result.cause
        record["RedriveStatus"] = "REDRIVABLE_BY_MAP_RUN"
    return dict(sorted(record.items()))


def write_result_writer(
    s3: FakeS3,
    bucket: str,
    prefix: str,
    results: list[ChildResult],
    name: str = "run",
    per_file: int = 1000,
    pending: list[ChildResult] | None = None,
) -> dict[str, str]:
    """Write manifest.json and result files; return ResultWriterDetails {"Bucket", "Key"}."""
    map_id = str(uuid.uuid4())
    base = f"{prefix}/{map_id}"
    files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    groups = {
        "SUCCEEDED": [r for r in results if r.status == "SUCCEEDED"],
        "FAILED": [r for r in results if r.status != "SUCCEEDED"],
        "PENDING": list(pending or []),
    }
    index = 0
    for status, group in groups.items():
        for n, start in enumerate(range(0, len(group), per_file)):
            records = []
            for result in group[start : start + per_file]:
                records.append(child_record(result, name, index))
                index += 1
            files[status].append(_put_records(s3, bucket, f"{base}/{status}_{n}.json", records))
    return _put_manifest(s3, bucket, base, MAP_RUN_ARN.format(name=name, map_id=map_id), files)


def _put_records(s3: FakeS3, bucket: str, key: str, records: list[Any]) -> dict[str, Any]:
    """Write one result file; its manifest entry {"Key", "Size"}."""
    body = json.dumps(records).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return {"Key": key, "Size": len(body)}


def _put_manifest(
    s3: FakeS3, bucket: str, base: str, map_run_arn: str, files: dict[str, list[dict[str, Any]]]
) -> dict[str, str]:
    """Write manifest.json; return ResultWriterDetails {"Bucket", "Key"}."""
    manifest = {"DestinationBucket": bucket, "MapRunArn": map_run_arn, "ResultFiles": files}
    key = f"{base}/manifest.json"
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest).encode())
    return {"Bucket": bucket, "Key": key}


def write_redriven_result_writer(
    s3: FakeS3,
    bucket: str,
    prefix: str,
    attempts: list[list[ChildResult]],
    name: str = "run",
    stale_failures: bool = False,
) -> dict[str, str]:
    """ResultWriter output of a map run redriven ``len(attempts) - 1`` times, as AWS
    describes it: one map run (one folder, one manifest.json) whose manifest lists the
    SUCCEEDED files of every attempt and the FAILED files of the latest attempt only (or of
    every attempt with ``stale_failures``, to show the reducer does not depend on that).
    Give each ChildResult a ``child_name`` so a redriven child keeps its execution ARN."""
    map_id = str(uuid.uuid4())
    base = f"{prefix}/{map_id}"
    listed: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    for n, results in enumerate(attempts):
        for status in ("SUCCEEDED", "FAILED"):
            group = [r for r in results if (r.status == "SUCCEEDED") == (status == "SUCCEEDED")]
            if not group:
                continue
            records = [child_record(r, name, i) for i, r in enumerate(group)]
            entry = _put_records(s3, bucket, f"{base}/{status}_{n}.json", records)
            if status == "SUCCEEDED" or n == len(attempts) - 1 or stale_failures:
                listed[status].append(entry)
    return _put_manifest(s3, bucket, base, MAP_RUN_ARN.format(name=name, map_id=map_id), listed)


@dataclass
class Pipeline:
    """The real handlers wired to one fake S3, driven like the state machine drives them."""

    s3: FakeS3
    bucket: str
    max_retries: int = 3
    sleeps: list[float] = field(default_factory=list)

    def plan(self, execution_input: Any, name: str | None = None) -> dict[str, Any]:
        import plan_handler

        event = {"execution_name": name or f"run-{uuid.uuid4().hex[:12]}", "input": execution_input}
        return plan_handler.handler(event, FakeLambdaContext())

    def compute_all(self, plan: dict[str, Any]) -> list[ChildResult]:
        import compute_handler

        chunks = json.loads(self.s3.text(plan["bucket"], plan["chunks_key"]))
        results = []
        for chunk in chunks:
            child_input = {"run": plan["run"], "chunk": chunk}
            results.append(self._run_child(compute_handler.handler, child_input))
        return results

    def _run_child(self, handler: Callable[..., Any], child_input: dict[str, Any]) -> ChildResult:
        attempt = 0
        while True:
            event = {**child_input, "attempt": attempt}
            try:
                output = handler(event, FakeLambdaContext(remaining_ms=60_000))
            except Exception as exc:  # noqa: BLE001 - the state machine sees every error
                name = type(exc).__name__
                if name in RETRIED and attempt < self.max_retries:
                    attempt += 1
                    continue
                return ChildResult(
                    child_input["chunk"],
                    child_input,
                    "FAILED",
                    error=name,
                    cause=str(exc),
                    attempts=attempt + 1,
                )
            return ChildResult(
                child_input["chunk"], child_input, "SUCCEEDED", output=output, attempts=attempt + 1
            )

    def reduce(self, plan: dict[str, Any], results: list[ChildResult], **kw: Any) -> dict[str, Any]:
        import reduce_handler

        writer = write_result_writer(
            self.s3,
            plan["bucket"],
            plan["results_prefix"],
            results,
            name=plan["run"]["run_id"],
            **kw,
        )
        return reduce_handler.handler({"plan": plan, "result_writer": writer}, FakeLambdaContext())

    def run(self, execution_input: Any, **kw: Any) -> dict[str, Any]:
        plan = self.plan(execution_input)
        return self.reduce(plan, self.compute_all(plan), **kw)
