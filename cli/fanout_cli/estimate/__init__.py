"""What a run will cost before it runs: children, invocations, GB-seconds, requests, dollars.

Pure arithmetic, no AWS calls, one module per step: ``inputs`` checks the
question, ``counts`` works out what the run uses (times follow the ``model``),
``cost`` prices it, ``notes`` says where it meets an AWS limit, ``report``
holds the answer and prints it.
"""

from __future__ import annotations

from fanout_cli.chunking import DEFAULT_MAX_CHUNK_SIZE, DEFAULT_MAX_CHUNKS, DEFAULT_MAX_SIZE
from fanout_cli.estimate import inputs, notes
from fanout_cli.estimate.cost import cost_usd
from fanout_cli.estimate.counts import chunk_figures, requests, times
from fanout_cli.estimate.limits import (
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_PLAN_MEMORY_MB,
    DEFAULT_REDUCE_MEMORY_MB,
    LAMBDA_MAX_TIMEOUT_S,
    ONE_VCPU_MEMORY_MB,
    PARENT_HISTORY_EVENTS,
)
from fanout_cli.estimate.model import (
    DEFAULT_MODEL,
    ChildType,
    CostModel,
    Kernel,
    cpu_factor,
    largest_fitting_chunk_size,
)
from fanout_cli.estimate.report import Estimate, format_estimate

__all__ = [
    "DEFAULT_MAX_CONCURRENCY",
    "ONE_VCPU_MEMORY_MB",
    "CostModel",
    "Estimate",
    "estimate",
    "format_estimate",
]


def estimate(
    size: int,
    chunk_size: int | None = None,
    kernel: Kernel = "fast",
    memory_mb: int = ONE_VCPU_MEMORY_MB,
    child_type: ChildType = "STANDARD",
    max_concurrency: int | None = DEFAULT_MAX_CONCURRENCY,
    retries_per_child: int = 0,
    max_chunk_size: int = DEFAULT_MAX_CHUNK_SIZE,
    max_chunks: int = DEFAULT_MAX_CHUNKS,
    max_size: int = DEFAULT_MAX_SIZE,
    plan_memory_mb: int = DEFAULT_PLAN_MEMORY_MB,
    reduce_memory_mb: int = DEFAULT_REDUCE_MEMORY_MB,
    model: CostModel = DEFAULT_MODEL,
) -> Estimate:
    """Estimate one ``utf8_count`` run of ``size`` items (``memory_mb``: the compute function)."""
    req = inputs.check(
        size,
        chunk_size,
        kernel,
        memory_mb,
        child_type,
        max_concurrency,
        retries_per_child,
        max_chunk_size,
        max_chunks,
        max_size,
        plan_memory_mb,
        reduce_memory_mb,
    )
    chunks = chunk_figures(req, model)
    t = times(req, chunks, model)
    usage = requests(req, chunks)

    fitting = None
    if chunks.longest_chunk_s > LAMBDA_MAX_TIMEOUT_S:
        slow = cpu_factor(memory_mb)
        fitting = largest_fitting_chunk_size(kernel, size, req.chunk_size, slow, model)
    found = (
        notes.refusal_notes(req.refusals)
        + notes.timeout_notes(
            t.longest_item_s, t.longest_item_index, chunks.longest_chunk_s, child_type, fitting
        )
        + notes.concurrency_notes(chunks.children, max_concurrency)
        + notes.history_notes(PARENT_HISTORY_EVENTS, usage.history_events_per_child)
        + notes.payload_notes(chunks.partials_via_s3, chunks.children, chunks.largest_partial_bytes)
        + notes.result_notes(t.result_digits)
    )

    return Estimate(
        size=size,
        chunk_size=req.chunk_size,
        chunk_size_is_default=req.chunk_size_is_default,
        kernel=kernel,
        memory_mb=memory_mb,
        child_type=child_type,
        max_concurrency=max_concurrency,
        retries_per_child=retries_per_child,
        children=chunks.children,
        effective_concurrency=t.running_at_once,
        lambda_invocations=usage.lambda_invocations,
        compute_seconds=chunks.compute_s,
        longest_chunk_seconds=chunks.longest_chunk_s,
        longest_item_seconds=t.longest_item_s,
        longest_item_index=t.longest_item_index,
        lambda_seconds=t.lambda_s,
        lambda_gb_seconds=t.lambda_gb_s,
        state_transitions=usage.state_transitions,
        express_requests=usage.express_requests,
        express_gb_seconds=usage.express_gb_s,
        history_events_parent=PARENT_HISTORY_EVENTS,
        history_events_per_child=usage.history_events_per_child,
        history_events_per_child_max=usage.history_events_per_child_max,
        partials_via_s3=chunks.partials_via_s3,
        largest_partial_bytes=chunks.largest_partial_bytes,
        s3_puts=usage.s3_puts,
        s3_gets=usage.s3_gets,
        result_digits_about=t.result_digits,
        wall_seconds_about=t.wall_s,
        cost_usd=cost_usd(usage, t),
        notes=found,
    )
