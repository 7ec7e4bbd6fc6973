"""Which backend computes each chunk: the compute Lambda, or an AWS Batch job (pure).

The rule, stated once (the plan applies it; ``fanout estimate`` imports it):

* a workload may say how heavy a chunk is with an optional ``cost(params, chunk)``
  returning ``(seconds, memory_mb)``; a workload without one has chunks that fit Lambda;
* a chunk fits Lambda when its seconds are at most ``LAMBDA_MARGIN`` of the compute
  function's timeout and its memory at most ``LAMBDA_MARGIN`` of the function's memory;
* ``"backend": "auto"`` (the default) sends a chunk to Batch exactly when it does not fit
  Lambda; ``"lambda"`` and ``"batch"`` force every chunk to one backend;
* a Lambda chunk always fits Lambda, a Batch chunk fits the Batch job's timeout and memory,
  and Batch chunks need the deployment's Batch backend: otherwise the input is refused with
  InvalidInputError naming the chunk and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fanout import faults
from fanout.config import Limits
from fanout.errors import InvalidInputError
from fanout.types import Chunk

BACKENDS = ("auto", "lambda", "batch")
DEFAULT_BACKEND = "auto"
# A chunk goes to Lambda only when it needs at most this share of the function's timeout
# and memory: estimates are rough, and a chunk that outruns its timeout is lost work.
LAMBDA_MARGIN = 0.8


@dataclass(frozen=True)
class ChunkCost:
    seconds: float
    memory_mb: float = 0.0


def chunk_cost(workload: Any, params: dict[str, Any], chunk: Chunk) -> ChunkCost:
    """The workload's own estimate for ``chunk`` (zero when it has none), plus the seconds an
    injected ``slow`` fault adds to it."""
    seconds, memory_mb = 0.0, 0.0
    cost = getattr(workload, "cost", None)
    if callable(cost):
        seconds, memory_mb = cost(params, chunk)
    seconds += faults.slow_seconds(params.get("fault"), chunk["chunk_id"])
    return ChunkCost(float(seconds), float(memory_mb))


def lambda_misfit(cost: ChunkCost, limits: Limits) -> str | None:
    """Why a chunk of this cost does not fit the compute Lambda with the margin, or None."""
    budget_s = LAMBDA_MARGIN * limits.compute_timeout_s
    if cost.seconds > budget_s:
        return (
            f"needs about {cost.seconds:,.0f} s, over {LAMBDA_MARGIN:.0%} of the compute "
            f"function's {limits.compute_timeout_s} s timeout"
        )
    budget_mb = LAMBDA_MARGIN * limits.compute_memory_mb
    if cost.memory_mb > budget_mb:
        return (
            f"needs about {cost.memory_mb:,.0f} MB, over {LAMBDA_MARGIN:.0%} of the compute "
            f"function's {limits.compute_memory_mb} MB"
        )
    return None


def batch_misfit(cost: ChunkCost, limits: Limits) -> str | None:
    """Why a chunk of this cost does not fit the Batch job, or None."""
    if not limits.batch_enabled:
        return "needs AWS Batch, which is off in this deployment (enable_batch = false)"
    if limits.batch_timeout_s and cost.seconds > limits.batch_timeout_s:
        return (
            f"needs about {cost.seconds:,.0f} s, over the Batch job timeout of "
            f"{limits.batch_timeout_s} s (batch_timeout_seconds)"
        )
    if limits.batch_memory_mb and cost.memory_mb > limits.batch_memory_mb:
        return (
            f"needs about {cost.memory_mb:,.0f} MB, over the Batch job's "
            f"{limits.batch_memory_mb} MB (batch_memory_mb)"
        )
    return None


def choose_backend(cost: ChunkCost, backend: str, limits: Limits) -> tuple[str, str | None]:
    """(backend, None) for a chunk, or (backend it would need, why it cannot run)."""
    lambda_why = lambda_misfit(cost, limits)
    if backend == "lambda" or (backend == "auto" and lambda_why is None):
        return "lambda", lambda_why
    why = batch_misfit(cost, limits)
    if why and backend == "auto":
        why = f"{lambda_why}, and {why}"
    return "batch", why


def route_chunks(
    workload: Any, params: dict[str, Any], chunks: list[Chunk], limits: Limits
) -> list[dict[str, Any]]:
    """``chunks`` with a ``"backend"`` field each, or InvalidInputError for the first chunk
    that no allowed backend can run."""
    backend = params.get("backend", DEFAULT_BACKEND)
    routed: list[dict[str, Any]] = []
    for chunk in chunks:
        chosen, why = choose_backend(chunk_cost(workload, params, chunk), backend, limits)
        if why is not None:
            raise InvalidInputError(
                f"backend: chunk {chunk['chunk_id']} (items {chunk['start']} to "
                f"{chunk['stop'] - 1}) cannot run on {chosen}: it {why}"
                + ("; use a smaller chunk_size" if chunk["stop"] - chunk["start"] > 1 else "")
            )
        routed.append({**chunk, "backend": chosen})
    return routed
