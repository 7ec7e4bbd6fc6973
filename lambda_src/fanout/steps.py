"""The three steps of a run. S3 clients are passed in; no client is created here."""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from fanout import faults, itemio, s3io
from fanout.config import Limits
from fanout.deadline import Deadline
from fanout.errors import ComputeDeadlineError, PermanentComputeError, ResultFormatError
from fanout.planning import (
    Request,
    check_chunks,
    finish_params,
    parse_request,
    plan_chunks,
    run_id_for,
    validate_execution_name,
)
from fanout.reconcile import reconcile
from fanout.resultwriter import STATUSES, Manifest, parse_manifest, parse_result_file
from fanout.routing import route_chunks
from fanout.types import Chunk, ComputeOutput, PlanOutput
from fanout.workloads import REGISTRY
from fanout.workloads.base import ItemWorkload, item_sources

logger = logging.getLogger(__name__)

# A partial larger than this (bytes of JSON) goes to S3 instead of the state payload.
MAX_INLINE_PARTIAL_BYTES = 32 * 1024
# Partials the reducer reads from S3 at once. A read mostly waits on the network, and a
# boto3 client is thread-safe (https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html#multithreading-or-multiprocessing-with-clients);
# botocore keeps at most 10 connections per client (max_pool_connections), so more threads
# would only queue.
PARTIAL_READ_THREADS = 8
_HEX = re.compile(r"-?[0-9a-f]+")


# ------------------------------------------------------------------------------- plan


def plan_step(
    s3: Any,
    event: dict[str, Any],
    limits: Limits,
    bucket: str,
    remaining_ms: Callable[[], int] | None = None,
) -> PlanOutput:
    """Validate, read the item source if there is one, write the chunk list. Nothing is
    written before the input has passed every check."""
    if not isinstance(event, dict):
        raise TypeError("plan event must be an object")
    execution_name = validate_execution_name(event.get("execution_name"))
    request = parse_request(event.get("input"), limits)
    workload_name = request.workload
    if request.source is None:
        params = finish_params(request, limits)
        chunks: list[Any] = plan_chunks(workload_name, params, limits)
    else:
        params, chunks = _plan_items(s3, request, limits, remaining_ms)
    chunks = route_chunks(REGISTRY[workload_name], params, chunks, limits)
    run_id = run_id_for(execution_name, params)
    key = s3io.chunks_key(run_id)
    s3io.put_json(s3, bucket, key, chunks)
    logger.info(
        "planned run",
        extra={
            "run_id": run_id,
            "workload": workload_name,
            "params": params,
            "chunk_count": len(chunks),
            "batch_chunks": sum(c["backend"] == "batch" for c in chunks),
            "chunks_key": key,
        },
    )
    return {
        "run": {
            "run_id": run_id,
            "bucket": bucket,
            "workload": workload_name,
            "params": params,
            # The partials' encoding: the state machine labels a Batch chunk's output with it.
            "encoding": REGISTRY[workload_name].PARTIAL_ENCODING,
        },
        "bucket": bucket,
        "chunks_key": key,
        "results_prefix": s3io.results_prefix(run_id),
        "chunk_count": len(chunks),
    }


def _plan_items(
    s3: Any, request: Request, limits: Limits, remaining_ms: Callable[[], int] | None
) -> tuple[dict[str, Any], list[Any]]:
    """Params and chunks of a run over an item source: the plan lists or scans it once."""
    if request.source is None:
        raise ValueError("a run over [0, size) has no item source")
    workload = REGISTRY[request.workload]
    chosen: dict[str, Any] = {}

    def chunk_size_for(count: int) -> int:
        chosen.update(finish_params(request, limits, size=count))
        return int(chosen["chunk_size"])

    spec, chunks = itemio.plan_items(
        s3,
        request.source,
        chunk_size_for,
        limits.max_size,
        check_item=getattr(workload, "check_item", None),
        remaining_ms=remaining_ms,
    )
    params = {**chosen, "items": spec}
    check_chunks(chunks, params["size"], limits, f"items of {spec['uri']}")
    return params, chunks


# ---------------------------------------------------------------------------- compute


def _parse_compute_event(event: Any) -> tuple[dict[str, Any], Chunk, int]:
    try:
        run, chunk = event["run"], event["chunk"]
        attempt = event.get("attempt", 0) or 0
        ok = (
            isinstance(run["run_id"], str)
            and run["workload"] in REGISTRY
            and isinstance(run["params"], dict)
            and all(
                isinstance(chunk[f], int) and not isinstance(chunk[f], bool)
                for f in ("chunk_id", "start", "stop")
            )
            and isinstance(attempt, int)
        )
    except (KeyError, TypeError) as exc:
        raise PermanentComputeError(f"malformed compute event: missing {exc}") from exc
    if not ok or not 0 <= chunk["start"] < chunk["stop"]:
        raise PermanentComputeError(f"malformed compute event: {json.dumps(event)[:300]}")
    return run, chunk, attempt


def _inject_fault(
    s3: Any,
    run: dict[str, Any],
    chunk: Chunk,
    attempt: int,
    remaining_ms: Callable[[], int],
    sleep: Callable[[float], None],
    deadline: Deadline,
    on_hang: Callable[[], None] | None,
) -> None:
    """Carry out this attempt's injected fault, if any (docs/architecture.md, "Fault
    injection")."""
    fault = run["params"].get("fault")
    kind = faults.injected_fault(fault, chunk["chunk_id"], attempt)
    slow_s = faults.slow_seconds(fault, chunk["chunk_id"])
    if slow_s:
        logger.warning(
            "injected slowness",
            extra={"run_id": run["run_id"], "chunk_id": chunk["chunk_id"], "sleep_s": slow_s},
        )
        sleep(slow_s)
    if kind is None or (kind == "blocked" and faults.unblocked(s3, run["bucket"], run["run_id"])):
        return
    extra = {
        "run_id": run["run_id"],
        "fault": kind,
        "chunk_id": chunk["chunk_id"],
        "attempt": attempt,
    }
    if kind == "hang" and on_hang is not None:
        on_hang()
    if kind in ("timeout", "hang"):
        seconds = remaining_ms() / 1000 + faults.TIMEOUT_OVERSHOOT_S
        logger.warning(
            f"injected {kind}: sleeping past the time limit", extra={**extra, "sleep_s": seconds}
        )
        sleep(seconds)
        return
    logger.warning("injecting fault", extra=extra)
    if kind == "blocked":
        sleep(faults.blocked_delay_seconds(fault))
    if kind == "overrun":
        faults.overrun(fault, deadline, sleep)
        return
    faults.raise_for(kind, chunk["chunk_id"], attempt)


def compute_step(
    s3: Any,
    event: dict[str, Any],
    fault_injection: bool,
    remaining_ms: Callable[[], int],
    sleep: Callable[[float], None],
    on_hang: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ComputeOutput:
    """One chunk's output. ``on_hang`` is called before an injected hang (a Batch job stops
    its heartbeats there)."""
    run, chunk, attempt = _parse_compute_event(event)
    params = run["params"]
    where = f"chunk {chunk['chunk_id']} [{chunk['start']}, {chunk['stop']}), attempt {attempt}"
    workload = REGISTRY[run["workload"]]
    deadline = Deadline(remaining_ms() / 1000, where, clock=clock)
    try:
        if fault_injection:
            _inject_fault(s3, run, chunk, attempt, remaining_ms, sleep, deadline, on_hang)
        if item_sources(workload):
            items = itemio.load_items(s3, params["items"], chunk)
            value = cast(ItemWorkload, workload).compute(params, chunk, items)
        else:
            value = workload.compute(params, chunk, deadline)
    except ComputeDeadlineError:
        logger.warning(
            "compute stopped before its deadline",
            extra={
                "run_id": run["run_id"],
                "chunk_id": chunk["chunk_id"],
                "attempt": attempt,
                "budget_s": round(deadline.budget_s, 3),
                "margin_s": round(deadline.margin_s, 3),
            },
        )
        raise
    output: ComputeOutput = {
        "chunk_id": chunk["chunk_id"],
        "start": chunk["start"],
        "stop": chunk["stop"],
        "encoding": workload.PARTIAL_ENCODING,
    }
    encoded = json.dumps(value, separators=(",", ":"))
    if len(encoded.encode()) > MAX_INLINE_PARTIAL_BYTES:
        key = s3io.partial_key(run["run_id"], chunk["chunk_id"])
        s3io.put_json(s3, run["bucket"], key, {**output, "value": value})
        output["value_key"] = key
    else:
        output["value"] = value
    logger.info(
        "computed chunk",
        extra={
            "run_id": run["run_id"],
            "attempt": attempt,
            "chunk_id": chunk["chunk_id"],
            "start": chunk["start"],
            "stop": chunk["stop"],
            "partial_bytes": len(encoded),
            "in_s3": "value_key" in output,
        },
    )
    return output


# ----------------------------------------------------------------------------- reduce


def _load_partial(s3: Any, bucket: str, output: dict[str, Any], encoding: str) -> Any:
    chunk_id = output["chunk_id"]
    if output["encoding"] != encoding:
        raise ResultFormatError(
            f"chunk {chunk_id}: encoding {output['encoding']!r}, the workload uses {encoding!r}"
        )
    if "value_key" in output and "value" not in output:
        try:
            stored = s3io.get_json(s3, bucket, output["value_key"])
        except ValueError as exc:
            raise ResultFormatError(
                f"chunk {chunk_id}: partial {output['value_key']} is not JSON"
            ) from exc
        if (
            not isinstance(stored, dict)
            or stored.get("chunk_id") != chunk_id
            or "value" not in stored
        ):
            raise ResultFormatError(
                f"chunk {chunk_id}: partial {output['value_key']} is not this chunk's partial"
            )
        value = stored["value"]
    else:
        value = output["value"]
    if encoding == "hex" and not (isinstance(value, str) and _HEX.fullmatch(value)):
        raise ResultFormatError(f"chunk {chunk_id}: value is not a lower-case hex integer")
    return value


def read_child_records(
    s3: Any, manifest_bucket: str, manifest_key: str
) -> tuple[Manifest, list[tuple[str, dict[str, Any]]]]:
    """A map run's ResultWriter manifest and every child record it lists, with its status."""
    manifest = parse_manifest(s3io.get_bytes(s3, manifest_bucket, manifest_key), manifest_bucket)
    records: list[tuple[str, dict[str, Any]]] = []
    statuses = list(STATUSES) + sorted(set(manifest.files) - set(STATUSES))
    for status in statuses:
        for key in manifest.files.get(status, []):
            for record in parse_result_file(s3io.get_bytes(s3, manifest.bucket, key), key):
                records.append((status, record))
    return manifest, records


def load_partials(s3: Any, bucket: str, outputs: list[dict[str, Any]], encoding: str) -> list[Any]:
    """Every chunk's partial, in chunk order; those stored in S3 are read concurrently."""
    if sum("value_key" in out for out in outputs) < 2:
        return [_load_partial(s3, bucket, out, encoding) for out in outputs]
    with ThreadPoolExecutor(PARTIAL_READ_THREADS, thread_name_prefix="partials") as pool:
        return list(pool.map(lambda out: _load_partial(s3, bucket, out, encoding), outputs))


def reduce_step(s3: Any, event: dict[str, Any]) -> dict[str, Any]:
    try:
        plan = event["plan"]
        run = plan["run"]
        bucket = plan["bucket"]
        writer = event["result_writer"]
        manifest_bucket, manifest_key = writer["Bucket"], writer["Key"]
    except (KeyError, TypeError) as exc:
        raise ResultFormatError(f"reduce event lacks {exc}") from exc
    planned: list[Chunk] = s3io.get_json(s3, bucket, plan["chunks_key"])
    manifest, records = read_child_records(s3, manifest_bucket, manifest_key)
    logger.info(
        "read results",
        extra={
            "run_id": run["run_id"],
            "records": len(records),
            "files": {s: len(k) for s, k in manifest.files.items()},
        },
    )
    outputs = reconcile(planned, records, manifest.files.get("PENDING", []))
    workload = REGISTRY[run["workload"]]
    partials = load_partials(s3, bucket, outputs, workload.PARTIAL_ENCODING)
    summary = workload.reduce(run["params"], partials)
    result_text = summary.pop("result_text", None)
    if result_text is None:
        result_text = json.dumps(summary, indent=2) + "\n"
    result_key = s3io.result_key(run["run_id"])
    s3io.put_text(s3, bucket, result_key, result_text)
    # A digest of the result itself, whatever the workload: a sweep compares jobs by it.
    result_sha256 = hashlib.sha256(result_text.encode()).hexdigest()
    full = {
        "verdict": summary.pop("verdict"),
        "run_id": run["run_id"],
        "workload": run["workload"],
        "size": run["params"]["size"],
        "chunk_count": len(planned),
        **summary,
        "result_s3_uri": f"s3://{bucket}/{result_key}",
        "result_sha256": result_sha256,
    }
    s3io.put_json(s3, bucket, s3io.summary_key(run["run_id"]), full)
    logger.info("reduced run", extra={k: v for k, v in full.items() if k != "total_sum"})
    return full
