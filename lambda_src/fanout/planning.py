"""Validate an execution input and plan its chunks (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fanout import items
from fanout.config import Limits
from fanout.errors import InputTooLargeError, InvalidInputError
from fanout.routing import BACKENDS
from fanout.types import Chunk
from fanout.validation import (
    check_input_envelope,
    json_type,
    refuse_unknown,
    require_choice,
    require_int,
    validate_fault,
)
from fanout.workloads import REGISTRY
from fanout.workloads.base import item_sources

# Step Functions execution names: 1-80 characters; we also keep them safe as S3 key parts.
_EXECUTION_NAME = re.compile(r"[A-Za-z0-9_.-]{1,80}")
# The most jobs one sweep may run (one fan-out execution each).
MAX_JOBS = 10_000
SWEEP_TAG_FIELDS = ("run_id", "job")


def validate_execution_name(name: Any) -> str:
    if not isinstance(name, str) or not _EXECUTION_NAME.fullmatch(name) or name in {".", ".."}:
        raise InvalidInputError(
            "execution_name: expected 1-80 characters from A-Z a-z 0-9 _ . -, got "
            f"{json_type(name) if not isinstance(name, str) else repr(name[:90])}"
        )
    return name


def validate_sweep_tag(raw: Any) -> dict[str, Any]:
    """The ``sweep`` field a sweep adds to each job's input: which sweep, which job."""
    if not isinstance(raw, dict):
        raise InvalidInputError(
            f'sweep: expected an object {{"run_id": <sweep execution name>, "job": <index>}}, '
            f"got {json_type(raw)}"
        )
    refuse_unknown(raw, SWEEP_TAG_FIELDS, where="sweep")
    try:
        run_id = validate_execution_name(raw.get("run_id"))
    except InvalidInputError as exc:
        raise InvalidInputError(f"sweep.run_id: {str(exc).split(': ', 1)[1]}") from None
    return {"run_id": run_id, "job": require_int(raw.get("job"), "sweep.job", 0, MAX_JOBS - 1)}


def run_id_for(execution_name: str, params: dict[str, Any]) -> str:
    """The run's folder under ``runs/``: its execution name, or the sweep's job folder."""
    sweep = params.get("sweep")
    if sweep is None:
        return execution_name
    return f"{sweep['run_id']}/jobs/{sweep['job']}"


@dataclass
class Request:
    """An execution input checked as far as it can be without reading any data."""

    workload: str
    data: dict[str, Any]  # the workload's fields, size and chunk_size
    source: dict[str, Any] | None  # the item source (fanout.items.parse_source), if any
    fault: dict[str, Any] | None
    sweep: dict[str, Any] | None = None
    backend: str | None = None  # "auto", "lambda" or "batch" when the input names one


def parse_request(raw: Any, limits: Limits) -> Request:
    data = dict(check_input_envelope(raw))
    workload_name = require_choice(
        data.pop("workload", limits.default_workload), "workload", REGISTRY
    )
    fault = validate_fault(data.pop("fault"), limits) if "fault" in data else None
    sweep = validate_sweep_tag(data.pop("sweep")) if "sweep" in data else None
    backend = (
        require_choice(data.pop("backend"), "backend", BACKENDS) if "backend" in data else None
    )
    kinds = item_sources(REGISTRY[workload_name])
    source = None
    if "items" in data:
        if not kinds:
            takers = sorted(n for n, w in REGISTRY.items() if item_sources(w))
            raise InvalidInputError(
                f"items: workload {workload_name} computes over [0, size) and takes no items "
                f"(workloads that take items: {', '.join(takers)})"
            )
        source = items.parse_source(data.pop("items"), limits.allowed_input_locations)
        if source["kind"] not in kinds:
            raise InvalidInputError(
                f"items.{source['kind']}: workload {workload_name} takes items from "
                f"{' or '.join(kinds)}"
            )
        if "size" in data:
            raise InvalidInputError("size: not accepted with items (the item count is the size)")
    elif kinds:
        raise InvalidInputError(
            f"items: required by workload {workload_name}, e.g. "
            f'{{"items": {{"{kinds[0]}": "s3://bucket/path"}}}}'
        )
    elif "size" not in data:
        raise InvalidInputError('size: required (the number of items), e.g. {"size": 1024}')
    else:
        data["size"] = require_int(data["size"], "size", 1, limits.max_size)
    if "chunk_size" in data:
        data["chunk_size"] = require_int(data["chunk_size"], "chunk_size", 1, limits.max_chunk_size)
    return Request(workload_name, data, source, fault, sweep, backend)


def finish_params(request: Request, limits: Limits, size: int | None = None) -> dict[str, Any]:
    """The run's params: the workload's validation, with ``size`` the item count of an item
    source (given by the plan once it has read the source)."""
    data = dict(request.data)
    if size is not None:
        if size > limits.max_size:
            raise InputTooLargeError(
                f"items: {size} items, more than the {limits.max_size} one run takes (max_size)"
            )
        data["size"] = size
    params = REGISTRY[request.workload].validate(data, limits)
    if request.fault:
        params["fault"] = request.fault
    if request.sweep:
        params["sweep"] = request.sweep
    if request.backend:
        params["backend"] = request.backend
    return params


def validate_input(raw: Any, limits: Limits) -> tuple[str, dict[str, Any]]:
    """(workload name, normalised params) for an execution input, or InvalidInputError.

    An input with an item source is checked as far as it can be without reading the source
    (its fields, its location); its params then carry ``items`` and no item count."""
    request = parse_request(raw, limits)
    if request.source is None:
        return request.workload, finish_params(request, limits)
    checked = finish_params(request, limits, size=1)
    params = {k: v for k, v in checked.items() if k not in ("size", "chunk_size")}
    return request.workload, {**params, "items": request.source}


def plan_chunks(workload_name: str, params: dict[str, Any], limits: Limits) -> list[Chunk]:
    """The workload's chunks of [0, size), checked."""
    chunks: list[Chunk] = REGISTRY[workload_name].plan(params)
    return check_chunks(chunks, params["size"], limits, f"workload {workload_name}")


def check_chunks(chunks: list[Any], size: int, limits: Limits, who: str) -> list[Any]:
    """Chunks with ids 0..n-1 covering [0, size) once, in order, at most MAX_CHUNKS."""
    if len(chunks) > limits.max_chunks:
        raise InvalidInputError(
            f"chunk_size: the run would plan {len(chunks)} chunks, more than the "
            f"{limits.max_chunks} allowed (MAX_CHUNKS); use a larger chunk_size"
        )
    expected_start = 0
    for n, chunk in enumerate(chunks):
        if (
            chunk["chunk_id"] != n
            or chunk["start"] != expected_start
            or chunk["stop"] <= chunk["start"]
        ):
            raise ValueError(f"{who} planned a malformed chunk list at {chunk}")
        expected_start = chunk["stop"]
    if expected_start != size:
        raise ValueError(f"{who} planned chunks not covering [0, size)")
    return chunks
