"""The payload shapes of docs/architecture.md as TypedDicts."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class Chunk(TypedDict):
    chunk_id: int
    start: int
    stop: int  # exclusive
    backend: NotRequired[str]  # "lambda" or "batch", chosen by the plan


class Run(TypedDict):
    run_id: str
    bucket: str
    workload: str
    params: dict[str, Any]
    encoding: NotRequired[str]


class PlanOutput(TypedDict):
    run: Run
    bucket: str
    chunks_key: str
    results_prefix: str
    chunk_count: int


class ComputeOutput(TypedDict):
    chunk_id: int
    start: int
    stop: int
    encoding: str
    value: NotRequired[Any]
    value_key: NotRequired[str]
