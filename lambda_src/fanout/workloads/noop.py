"""Workload ``noop``: children that do nothing, so a run measures the framework alone.

Each chunk's partial is the number of items it covers; reduce adds them up and checks the
count is ``size``, so a run proves that every item went through exactly one child while
the plan, the Distributed Map, the Lambda invocations, ResultWriter and reconciliation do
all the work. ``make bench`` runs it with one item per child and reports children per
second: the per-child cost of the fan-out apart from any kernel's.

Params: ``size`` (items) and ``chunk_size`` (items per child, default 1).
"""

from __future__ import annotations

from typing import Any

from fanout.config import Limits
from fanout.deadline import Deadline
from fanout.types import Chunk
from fanout.validation import choose_chunk_size, refuse_unknown, split_range

NAME = "noop"
PARTIAL_ENCODING = "json"
FIELDS: tuple[str, ...] = ()


def validate(params: dict[str, Any], limits: Limits) -> dict[str, Any]:
    refuse_unknown(params, ("size", "chunk_size", *FIELDS))
    # One item per child unless MAX_CHUNKS asks for more: as many children as the run allows.
    chunk_size = choose_chunk_size(params, limits, 1)
    return {"size": params["size"], "chunk_size": chunk_size}


def plan(params: dict[str, Any]) -> list[Chunk]:
    return split_range(params["size"], params["chunk_size"])


def compute(params: dict[str, Any], chunk: Chunk, deadline: Deadline) -> int:
    return chunk["stop"] - chunk["start"]  # no work: nothing to check the deadline between


def reduce(params: dict[str, Any], partials: list[Any]) -> dict[str, Any]:
    items = sum(partials)
    summary: dict[str, Any] = {"items": items, "children": len(partials)}
    if items != params["size"]:
        return {
            **summary,
            "verdict": "MISCOUNTED",
            "error": "ItemsMiscountedError",
            "cause": f"the children covered {items} items, the run planned {params['size']}",
        }
    return {**summary, "verdict": "OK"}
