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
    require_choice,
    require_int,
    validate_fault,
)
from fanout.workloads import REGISTRY

# Step Functions execution names: 1-80 characters; we also keep them safe as S3 key parts.
_EXECUTION_NAME = re.compile(r"[A-Za-z0-9_.-]{1,80}")


def validate_execution_name(name: Any) -> str:
    if not isinstance(name, str) or not _EXECUTION_NAME.fullmatch(name) or name in {".", ".."}:
        raise InvalidInputError(
            "execution_name: expected 1-80 characters from A-Z a-z 0-9 _ . -, got "
            f"{json_type(name) if not isinstance(name, str) else repr(name[:90])}"
        )
    return name


def validate_input(raw: Any, limits: Limits) -> tuple[str, dict[str, Any]]:
    """(workload name, normalised params) for an execution input, or InvalidInputError."""
    data = dict(check_input_envelope(raw))
    workload_name = require_choice(
        data.pop("workload", limits.default_workload), "workload", REGISTRY
    )
    fault = validate_fault(data.pop("fault"), limits) if "fault" in data else None
    if "size" not in data:
        raise InvalidInputError('size: required (the number of items), e.g. {"size": 1024}')
    data["size"] = require_int(data["size"], "size", 1, limits.max_size)
    if "chunk_size" in data:
        data["chunk_size"] = require_int(data["chunk_size"], "chunk_size", 1, limits.max_chunk_size)
    params = REGISTRY[workload_name].validate(data, limits)
    if fault:
        params["fault"] = fault
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
