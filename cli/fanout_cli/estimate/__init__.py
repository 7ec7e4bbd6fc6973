"""What a run will cost before it runs: children, invocations, GB-seconds, requests, dollars.

Pure arithmetic, no AWS calls, one module per step: ``inputs`` checks the
question, ``counts`` works out what the run uses (times follow the ``model``),
``cost`` prices it, ``notes`` says where it meets an AWS limit, ``report``
holds the answer and prints it. Each step names its figures as the ``Estimate``
fields they fill, so a new figure is a field in its step and in ``Estimate``.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from fanout_cli.chunking import DEFAULT_MAX_CHUNK_SIZE, DEFAULT_MAX_CHUNKS, DEFAULT_MAX_SIZE
from fanout_cli.estimate import inputs, notes
from fanout_cli.estimate.batch import BatchOptions, batch_notes, route
from fanout_cli.estimate.cost import cost_usd
from fanout_cli.estimate.counts import chunk_figures, requests, times
from fanout_cli.estimate.limits import (
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_PLAN_MEMORY_MB,
    DEFAULT_REDUCE_MEMORY_MB,
    LAMBDA_MAX_TIMEOUT_S,
    ONE_VCPU_MEMORY_MB,
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
    "BatchOptions",
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
    batch: BatchOptions | None = None,
) -> Estimate:
    """Estimate one ``utf8_count`` run of ``size`` items (``memory_mb``: the compute function).

    ``batch``: the deployment has the AWS Batch backend; chunks are routed as the plan
    routes them and the Batch ones priced on Fargate (their compute leaves Lambda's figures).
    """
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
        batch_enabled=batch is not None,
    )
    chunks = chunk_figures(req, model)
    t = times(req, chunks, model)
    usage = requests(req, chunks)
    routed = None
    if batch is not None:
        routed = route(kernel, size, req.chunk_size, memory_mb, batch, model)
        moved = routed.lambda_seconds_moved * req.attempts
        t = replace(
            t,
            lambda_seconds=t.lambda_seconds - moved,
            lambda_gb_seconds=t.lambda_gb_seconds - moved * memory_mb / 1024,
        )
        invocations = dict(usage.lambda_invocations)
        invocations["compute"] -= routed.chunks
        invocations["total"] -= routed.chunks
        usage = replace(usage, lambda_invocations=invocations)

    fitting = None
    if chunks.longest_chunk_seconds > LAMBDA_MAX_TIMEOUT_S:
        slow = cpu_factor(memory_mb)
        fitting = largest_fitting_chunk_size(kernel, size, req.chunk_size, slow, model)
    found = (
        notes.refusal_notes(req.refusals)
        + (
            batch_notes(routed, chunks.children, batch)
            if routed is not None and batch is not None
            else notes.timeout_notes(
                t.longest_item_seconds,
                t.longest_item_index,
                chunks.longest_chunk_seconds,
                child_type,
                fitting,
            )
        )
        + notes.concurrency_notes(chunks.children, max_concurrency)
        + notes.history_notes(usage.history_events_parent, usage.history_events_per_child)
        + notes.payload_notes(chunks.partials_via_s3, chunks.children, chunks.largest_partial_bytes)
        + notes.result_notes(t.result_digits_about)
    )
    # Each step names its figures as the Estimate fields they fill.
    figures: dict[str, Any] = {}
    for step in (req, chunks, t, usage):
        figures.update(vars(step))
    wanted = {f.name for f in fields(Estimate)} - {"cost_usd", "notes", "batch"}
    return Estimate(
        **{name: figures[name] for name in wanted},
        cost_usd=cost_usd(usage, t, routed.cost_usd if routed else None),
        notes=found,
        batch=None if routed is None else {**vars(batch), **vars(routed)},
    )
