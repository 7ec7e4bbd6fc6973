"""Validate an execution input and plan its chunks (pure)."""

from __future__ import annotations

import re
from typing import Any

from fanout.config import Limits
from fanout.errors import InvalidInputError
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


def validate_input(raw: Any, limits: Limits) -> tuple[str, dict[str, Any]]:
    """(workload name, normalised params) for an execution input, or InvalidInputError."""
    data = dict(check_input_envelope(raw))
    workload_name = require_choice(
        data.pop("workload", limits.default_workload), "workload", REGISTRY
    )
    fault = validate_fault(data.pop("fault"), limits) if "fault" in data else None
    sweep = validate_sweep_tag(data.pop("sweep")) if "sweep" in data else None
    if "size" not in data:
        raise InvalidInputError('size: required (the number of items), e.g. {"size": 1024}')
    data["size"] = require_int(data["size"], "size", 1, limits.max_size)
    if "chunk_size" in data:
        data["chunk_size"] = require_int(data["chunk_size"], "chunk_size", 1, limits.max_chunk_size)
    params = REGISTRY[workload_name].validate(data, limits)
    if fault:
        params["fault"] = fault
    if sweep:
        params["sweep"] = sweep
    return workload_name, params


def plan_chunks(workload_name: str, params: dict[str, Any], limits: Limits) -> list[Chunk]:
    """The workload's chunks, checked: ids 0..n-1 covering [0, size) once, at most MAX_CHUNKS."""
    chunks: list[Chunk] = REGISTRY[workload_name].plan(params)
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
            raise ValueError(f"workload {workload_name} planned a malformed chunk list at {chunk}")
        expected_start = chunk["stop"]
    if expected_start != params["size"]:
        raise ValueError(f"workload {workload_name} planned chunks not covering [0, size)")
    return chunks
