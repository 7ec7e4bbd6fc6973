"""What a run uses: children, invocations, seconds, transitions, history events, requests.

Each figure is named as the ``Estimate`` field it becomes.

Counts follow from the state machine in docs/architecture.md and are exact for a
run in which each child retries ``retries_per_child`` times; seconds follow the
``CostModel``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fanout_cli import prices
from fanout_cli.chunking import chunk_count, iter_chunks
from fanout_cli.estimate.inputs import Request
from fanout_cli.estimate.limits import (
    CHILD_HISTORY_EVENTS,
    HISTORY_EVENTS_PER_RETRY,
    MAX_RETRIES_PER_CHILD,
    PARENT_HISTORY_EVENTS,
    PARENT_STATES,
    PARTIAL_INLINE_LIMIT_BYTES,
    effective_concurrency,
)
from fanout_cli.estimate.model import (
    CostModel,
    ceil_to,
    chunk_seconds,
    cpu_factor,
    item_seconds,
    partial_bytes_about,
    result_digits_about,
)


@dataclass(frozen=True)
class ChunkFigures:
    """Summed over the chunks, each one a child execution."""

    children: int
    compute_seconds: float  # every attempt of every chunk
    longest_chunk_seconds: float  # one attempt of the slowest chunk
    express_billed_seconds: float  # Express children's billed duration (0 for Standard)
    partials_via_s3: int
    largest_partial_bytes: int


def chunk_figures(req: Request, model: CostModel) -> ChunkFigures:
    slow = cpu_factor(req.memory_mb)
    compute_seconds = longest = express_billed_seconds = 0.0
    partials = largest_partial = 0
    for start, stop in iter_chunks(req.size, req.chunk_size):
        t = chunk_seconds(req.kernel, start, stop, model) * slow
        compute_seconds += t * req.attempts
        longest = max(longest, t)
        if req.child_type == "EXPRESS":
            express_billed_seconds += ceil_to(
                t * req.attempts + model.express_overhead_s, prices.SFN_EXPRESS_DURATION_STEP_S
            )
        nbytes = partial_bytes_about(stop, model)
        largest_partial = max(largest_partial, nbytes)
        if nbytes > PARTIAL_INLINE_LIMIT_BYTES:
            partials += 1
    return ChunkFigures(
        children=chunk_count(req.size, req.chunk_size),
        compute_seconds=compute_seconds,
        longest_chunk_seconds=longest,
        express_billed_seconds=express_billed_seconds,
        partials_via_s3=partials,
        largest_partial_bytes=largest_partial,
    )


@dataclass(frozen=True)
class Times:
    """Lambda seconds and GB-seconds, and the wall time they add up to."""

    longest_item_index: int
    longest_item_seconds: float
    plan_seconds: float
    reduce_seconds: float
    lambda_seconds: float
    lambda_gb_seconds: float
    effective_concurrency: int
    wall_seconds_about: float
    result_digits_about: int


def times(req: Request, chunks: ChunkFigures, model: CostModel) -> Times:
    # Item cost rises with i in both kernels: the last item is the longest.
    longest_item_index = req.size - 1
    longest_item_seconds = item_seconds(req.kernel, longest_item_index, model) * cpu_factor(
        req.memory_mb
    )
    digits = result_digits_about(req.size, model)
    plan_seconds = model.plan_s
    reduce_seconds = (
        model.reduce_base_s
        + model.reduce_per_chunk_s * chunks.children
        + model.reduce_per_digit_s * digits
    ) * cpu_factor(req.reduce_memory_mb)
    gb_s = (
        plan_seconds * req.plan_memory_mb
        + chunks.compute_seconds * req.memory_mb
        + reduce_seconds * req.reduce_memory_mb
    ) / 1024
    running = effective_concurrency(chunks.children, req.max_concurrency)
    compute_wall = max(
        chunks.longest_chunk_seconds * req.attempts, chunks.compute_seconds / running
    )
    return Times(
        longest_item_index=longest_item_index,
        longest_item_seconds=longest_item_seconds,
        plan_seconds=plan_seconds,
        reduce_seconds=reduce_seconds,
        lambda_seconds=plan_seconds + chunks.compute_seconds + reduce_seconds,
        lambda_gb_seconds=gb_s,
        effective_concurrency=running,
        wall_seconds_about=plan_seconds + compute_wall + reduce_seconds,
        result_digits_about=digits,
    )


@dataclass(frozen=True)
class Requests:
    """Requests to Lambda, Step Functions and S3, and the history they leave."""

    lambda_invocations: dict[str, int]
    state_transitions: int
    express_requests: int
    express_gb_seconds: float
    history_events_parent: int
    history_events_per_child: int | None  # None: Express children keep no history
    history_events_per_child_max: int | None
    s3_puts: dict[str, int]
    s3_gets: dict[str, int]


def requests(req: Request, chunks: ChunkFigures) -> Requests:
    children = chunks.children
    invocations = {"plan": 1, "compute": children * req.attempts, "reduce": 1}
    invocations["total"] = sum(invocations.values())
    if req.child_type == "STANDARD":
        # One transition per child started by the Distributed Map, plus the
        # child's own Compute state and one per retry.
        transitions = PARENT_STATES + children * (1 + req.attempts)
        express_requests = 0
        express_gb_seconds = 0.0
        child_events: int | None = (
            CHILD_HISTORY_EVENTS + HISTORY_EVENTS_PER_RETRY * req.retries_per_child
        )
        child_events_max: int | None = (
            CHILD_HISTORY_EVENTS + HISTORY_EVENTS_PER_RETRY * MAX_RETRIES_PER_CHILD
        )
    else:
        transitions = PARENT_STATES + children
        express_requests = children
        express_gb_seconds = chunks.express_billed_seconds * prices.SFN_EXPRESS_MEMORY_MB / 1024
        child_events = child_events_max = None
    # ResultWriter: a manifest and (at least) one SUCCEEDED_n.json file.
    result_writer_files = 1
    partials = chunks.partials_via_s3
    puts = {
        "plan_chunks_json": 1,
        "partials": partials,
        "result_writer": 1 + result_writer_files,
        "result_and_summary": 2,
    }
    puts["total"] = sum(puts.values())
    gets = {"item_reader": 1, "result_writer": 1 + result_writer_files, "partials": partials}
    gets["total"] = sum(gets.values())
    return Requests(
        lambda_invocations=invocations,
        state_transitions=transitions,
        express_requests=express_requests,
        express_gb_seconds=express_gb_seconds,
        history_events_parent=PARENT_HISTORY_EVENTS,
        history_events_per_child=child_events,
        history_events_per_child_max=child_events_max,
        s3_puts=puts,
        s3_gets=gets,
    )
