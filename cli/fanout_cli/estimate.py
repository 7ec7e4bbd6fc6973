"""What a run will cost before it runs: children, invocations, GB-seconds, requests, dollars.

Pure arithmetic, no AWS calls. The time model is an estimate with a stated basis
(``CostModel``); counts (children, invocations, transitions, history events, S3
requests) follow from the state machine in docs/architecture.md and are exact
for a run in which nothing is retried, unless ``retries_per_child`` says otherwise.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Literal

from fanout_cli import prices
from fanout_cli.chunking import (
    DEFAULT_MAX_CHUNK_SIZE,
    DEFAULT_MAX_CHUNKS,
    DEFAULT_MAX_SIZE,
    chunk_count,
    default_chunk_size,
    iter_chunks,
    plan_problems,
)

Kernel = Literal["fast", "reference"]
ChildType = Literal["STANDARD", "EXPRESS"]

# Service limits (AWS defaults).
LAMBDA_MAX_TIMEOUT_S = 900.0
LAMBDA_DEFAULT_CONCURRENCY = 1_000
DISTRIBUTED_MAP_MAX_CONCURRENCY = 10_000
HISTORY_EVENT_LIMIT = 25_000
STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024
EXPRESS_MAX_DURATION_S = 300.0
# docs/architecture.md: a compute output over 32 KiB goes to S3 and carries its key.
PARTIAL_INLINE_LIMIT_BYTES = 32 * 1024
# docs/architecture.md: the summary carries total_sum when digits <= 100000.
SUMMARY_TOTAL_SUM_MAX_DIGITS = 100_000
# The deployment's defaults (Terraform variables map_max_concurrency,
# plan_memory_size, reduce_memory_size, retry.max_attempts).
DEFAULT_MAX_CONCURRENCY = 40
DEFAULT_PLAN_MEMORY_MB = 256
DEFAULT_REDUCE_MEMORY_MB = 1769
RETRY_MAX_ATTEMPTS = 6
# The Compute task has two retriers (Lambda service errors; transient compute errors).
MAX_RETRIES_PER_CHILD = 2 * RETRY_MAX_ATTEMPTS
# Lambda gives one full vCPU at 1,769 MB; below that, CPU share scales with memory.
ONE_VCPU_MEMORY_MB = 1769

# Parent states: Plan, FanOut, Reduce, Verdict, Done (one transition each).
PARENT_STATES = 5
# Parent history: ExecutionStarted; Plan and Reduce 5 each (TaskStateEntered,
# TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited); FanOut 4
# (MapStateEntered, MapRunStarted, MapRunSucceeded, MapStateExited); Verdict 2;
# Done 2; ExecutionSucceeded. A Distributed Map keeps its children's events out
# of the parent's history, so this does not grow with the number of children.
PARENT_HISTORY_EVENTS = 1 + 5 + 4 + 5 + 2 + 2 + 1
# Child history: ExecutionStarted, the Compute task's 5 events, ExecutionSucceeded.
CHILD_HISTORY_EVENTS = 7
# Each retry adds TaskFailed, TaskScheduled and TaskStarted.
HISTORY_EVENTS_PER_RETRY = 3


@dataclass(frozen=True)
class CostModel:
    """Time model, per item and per invocation, for the ``utf8_count`` workload.

    Basis (one core, as a 1,769 MB Lambda has):

    * fast kernel: each item is one step of the 4-term recurrence, i.e. a few
      big-integer multiply-adds on numbers of about 0.9*i bytes, so its cost is
      linear in i. Measured with CPython ints: 64 items at offset 10,000 in
      1.6 ms, at 19,000 in 3.4 ms (about 2.5-3e-9 s per item per unit of i).
      gmpy2 is faster still, so this is an upper figure. Seeding a chunk costs
      O(log i) multiplications and is left out.
    * reference kernel: about 15 s at i = 512 and 100 s at i = 768, growing as
      i**4.5 (the per-item triple loop over (j, k, l) with factorials).
    * a compute invocation adds a fixed overhead (event, encoding, S3 when used);
      plan takes a few tenths of a second at its own memory; reduce a few tenths
      on one vCPU plus a little per chunk and per result digit (decimal
      conversion with gmpy2, about 0.18 s for 2.2 million digits, and upload).
    """

    fast_item_s: float = 1e-6
    fast_item_per_index_s: float = 3e-9
    reference_s_at_512: float = 15.0
    reference_exponent: float = 4.5
    invoke_overhead_s: float = 0.05
    plan_s: float = 0.3
    reduce_base_s: float = 0.3
    reduce_per_chunk_s: float = 0.002
    reduce_per_digit_s: float = 1e-7
    express_overhead_s: float = 0.1
    # log16 and log10 of the dominant root (143.1166...) of
    # x^4 = 128 x^3 + 1863 x^2 + 42451 x + 78341: hex characters of a chunk's
    # partial per item of its end, and decimal digits of T(N) per item.
    hex_chars_per_item: float = 1.7902619
    digits_per_item: float = 2.1556901


DEFAULT_MODEL = CostModel()


@dataclass(frozen=True)
class Note:
    level: Literal["warning", "info"]
    message: str


@dataclass
class Estimate:
    size: int
    chunk_size: int
    chunk_size_is_default: bool
    kernel: str
    memory_mb: int
    child_type: str
    max_concurrency: int | None
    retries_per_child: int
    children: int
    effective_concurrency: int
    lambda_invocations: dict[str, int]
    compute_seconds: float
    longest_chunk_seconds: float
    longest_item_seconds: float
    longest_item_index: int
    lambda_seconds: float
    lambda_gb_seconds: float
    state_transitions: int
    express_requests: int
    express_gb_seconds: float
    history_events_parent: int
    history_events_per_child: int | None
    history_events_per_child_max: int | None
    partials_via_s3: int
    largest_partial_bytes: int
    s3_puts: dict[str, int]
    s3_gets: dict[str, int]
    result_digits_about: int
    wall_seconds_about: float
    cost_usd: dict[str, float]
    notes: list[Note] = field(default_factory=list)

    def to_json(self) -> str:
        data = asdict(self)
        data["prices"] = {"region": prices.REGION, "read_on": prices.READ_ON, **prices.SOURCES}
        return json.dumps(data, indent=2)


def cpu_factor(memory_mb: int) -> float:
    """How much slower than one vCPU a function with ``memory_mb`` runs (>= 1)."""
    if memory_mb < 128:
        raise ValueError(f"Lambda memory is at least 128 MB, got {memory_mb}")
    return max(1.0, ONE_VCPU_MEMORY_MB / memory_mb)


def item_seconds(kernel: Kernel, i: int, model: CostModel = DEFAULT_MODEL) -> float:
    """Compute time of item ``i`` on one vCPU."""
    if kernel == "fast":
        return model.fast_item_s + model.fast_item_per_index_s * i
    if kernel == "reference":
        return model.reference_s_at_512 * (i / 512) ** model.reference_exponent
    raise ValueError(f"unknown kernel {kernel!r}")


def chunk_seconds(kernel: Kernel, start: int, stop: int, model: CostModel = DEFAULT_MODEL) -> float:
    """One compute invocation for items ``[start, stop)`` on one vCPU, overhead included."""
    n = stop - start
    if kernel == "fast":
        # sum of (a + b*i) for i in [start, stop) = a*n + b*(start + stop - 1)*n/2
        work = model.fast_item_s * n + model.fast_item_per_index_s * (start + stop - 1) * n / 2
    else:
        work = sum(item_seconds(kernel, i, model) for i in range(start, stop))
    return model.invoke_overhead_s + work


def result_digits_about(size: int, model: CostModel = DEFAULT_MODEL) -> int:
    """Decimal digits of T(size), about (2206 for 1024)."""
    return max(1, math.floor(size * model.digits_per_item - 1.0))


def partial_bytes_about(stop: int, model: CostModel = DEFAULT_MODEL) -> int:
    """JSON size of a chunk's partial (a hex string) for a chunk ending at ``stop``.

    The compute function compares this with the 32 KiB inline limit.
    """
    return math.ceil(model.hex_chars_per_item * stop) + 2


def effective_concurrency(children: int, max_concurrency: int | None) -> int:
    """Children running at once: MaxConcurrency (0 or unset = no limit) within the map's cap."""
    cap = DISTRIBUTED_MAP_MAX_CONCURRENCY
    if max_concurrency:
        cap = min(cap, max_concurrency)
    return min(children, cap)


def ceil_to(value: float, step: float) -> float:
    """``value`` rounded up to a multiple of ``step`` (tolerant of float noise)."""
    return math.ceil(round(value / step, 9)) * step


# --- limits ---------------------------------------------------------------------------


def payload_notes(partials_via_s3: int, children: int, largest_partial_bytes: int) -> list[Note]:
    notes: list[Note] = []
    if partials_via_s3:
        notes.append(
            Note(
                "info",
                f"{partials_via_s3} of {children} chunk results are over the "
                f"{PARTIAL_INLINE_LIMIT_BYTES // 1024} KiB inline limit and travel through S3 "
                f"(largest about {largest_partial_bytes / 1024:,.0f} KiB).",
            )
        )
    if largest_partial_bytes > STATE_PAYLOAD_LIMIT_BYTES:
        notes.append(
            Note(
                "info",
                f"The largest chunk result (about {largest_partial_bytes / 1024:,.0f} KiB) is over "
                f"the {STATE_PAYLOAD_LIMIT_BYTES // 1024} KiB Step Functions payload limit: "
                "it can only pass through S3, which the compute function does for it.",
            )
        )
    return notes


def concurrency_notes(children: int, max_concurrency: int | None) -> list[Note]:
    notes: list[Note] = []
    if max_concurrency and max_concurrency > DISTRIBUTED_MAP_MAX_CONCURRENCY:
        notes.append(
            Note(
                "warning",
                f"MaxConcurrency {max_concurrency:,} is over the Distributed Map maximum of "
                f"{DISTRIBUTED_MAP_MAX_CONCURRENCY:,} concurrent child executions.",
            )
        )
    running = effective_concurrency(children, max_concurrency)
    if children > DISTRIBUTED_MAP_MAX_CONCURRENCY and running == DISTRIBUTED_MAP_MAX_CONCURRENCY:
        notes.append(
            Note(
                "info",
                f"{children:,} children: at most {DISTRIBUTED_MAP_MAX_CONCURRENCY:,} run at once, "
                "the rest wait their turn.",
            )
        )
    if running > LAMBDA_DEFAULT_CONCURRENCY:
        notes.append(
            Note(
                "warning",
                f"Up to {running:,} compute invocations at once, over Lambda's default account "
                f"concurrency of {LAMBDA_DEFAULT_CONCURRENCY:,}: expect throttling "
                "(retried as Lambda.TooManyRequestsException). Set --max-concurrency "
                f"<= {LAMBDA_DEFAULT_CONCURRENCY:,} or raise the account quota.",
            )
        )
    return notes


def history_notes(parent_events: int, child_events: int | None) -> list[Note]:
    notes: list[Note] = []
    if parent_events > HISTORY_EVENT_LIMIT:
        notes.append(
            Note(
                "warning",
                f"The parent execution would record {parent_events:,} history events, over the "
                f"{HISTORY_EVENT_LIMIT:,}-event limit of a Standard execution.",
            )
        )
    if child_events is not None and child_events > HISTORY_EVENT_LIMIT:
        notes.append(
            Note(
                "warning",
                f"Each child execution would record {child_events:,} history events, over the "
                f"{HISTORY_EVENT_LIMIT:,}-event limit of a Standard execution.",
            )
        )
    return notes


def timeout_notes(
    longest_item_s: float,
    longest_item_index: int,
    longest_chunk_s: float,
    child_type: ChildType,
    fitting_chunk_size: int | None = None,
) -> list[Note]:
    notes: list[Note] = []
    if longest_item_s > LAMBDA_MAX_TIMEOUT_S:
        notes.append(
            Note(
                "warning",
                f"Item {longest_item_index} alone takes about {longest_item_s:,.0f} s, over "
                f"Lambda's {LAMBDA_MAX_TIMEOUT_S:.0f} s maximum: no chunk size makes it fit "
                "(use the fast kernel or a smaller size).",
            )
        )
    if longest_chunk_s > LAMBDA_MAX_TIMEOUT_S:
        notes.append(
            Note(
                "warning",
                f"The longest chunk takes about {longest_chunk_s:,.0f} s in one invocation, over "
                f"Lambda's {LAMBDA_MAX_TIMEOUT_S:.0f} s maximum: use a smaller --chunk-size"
                + (f" (at most about {fitting_chunk_size:,})." if fitting_chunk_size else "."),
            )
        )
    if child_type == "EXPRESS" and longest_chunk_s > EXPRESS_MAX_DURATION_S:
        notes.append(
            Note(
                "warning",
                f"The longest chunk takes about {longest_chunk_s:,.0f} s, over the "
                f"{EXPRESS_MAX_DURATION_S:.0f} s limit of an Express child execution: use "
                "STANDARD children or a smaller --chunk-size.",
            )
        )
    return notes


def largest_fitting_chunk_size(
    kernel: Kernel, size: int, upto: int, slow: float, model: CostModel = DEFAULT_MODEL
) -> int | None:
    """Largest chunk size <= ``upto`` whose last chunk, the slowest, fits Lambda's 900 s."""

    def fits(c: int) -> bool:
        return chunk_seconds(kernel, max(0, size - c), size, model) * slow <= LAMBDA_MAX_TIMEOUT_S

    if not fits(1):
        return None
    low, high = 1, upto
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


# --- the estimate -----------------------------------------------------------------------


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
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    if kernel not in ("fast", "reference"):
        raise ValueError(f"kernel must be 'fast' or 'reference', got {kernel!r}")
    if child_type not in ("STANDARD", "EXPRESS"):
        raise ValueError(f"child type must be STANDARD or EXPRESS, got {child_type!r}")
    if max_concurrency is not None and max_concurrency < 0:
        raise ValueError("max_concurrency must be >= 0 (0 = no limit)")
    if retries_per_child < 0:
        raise ValueError("retries_per_child must be >= 0")
    refusals = plan_problems(size, chunk_size, kernel, max_size, max_chunk_size, max_chunks)
    is_default = chunk_size is None
    chunk = (
        default_chunk_size(size, kernel, max_chunk_size, max_chunks)
        if chunk_size is None
        else chunk_size
    )
    if chunk < 1:
        raise ValueError(f"chunk size must be >= 1, got {chunk}")

    slow = cpu_factor(memory_mb)
    children = chunk_count(size, chunk)
    attempts = 1 + retries_per_child

    compute_s = 0.0
    longest_chunk = 0.0
    express_billed_s = 0.0
    partials = 0
    largest_partial = 0
    for start, stop in iter_chunks(size, chunk):
        t = chunk_seconds(kernel, start, stop, model) * slow
        compute_s += t * attempts
        longest_chunk = max(longest_chunk, t)
        if child_type == "EXPRESS":
            express_billed_s += ceil_to(
                t * attempts + model.express_overhead_s, prices.SFN_EXPRESS_DURATION_STEP_S
            )
        nbytes = partial_bytes_about(stop, model)
        largest_partial = max(largest_partial, nbytes)
        if nbytes > PARTIAL_INLINE_LIMIT_BYTES:
            partials += 1

    # Item cost rises with i in both kernels: the last item is the longest.
    longest_item_index = size - 1
    longest_item = item_seconds(kernel, longest_item_index, model) * slow

    digits = result_digits_about(size, model)
    plan_s = model.plan_s
    reduce_s = (
        model.reduce_base_s
        + model.reduce_per_chunk_s * children
        + model.reduce_per_digit_s * digits
    ) * cpu_factor(reduce_memory_mb)
    lambda_s = plan_s + compute_s + reduce_s
    gb_s = (plan_s * plan_memory_mb + compute_s * memory_mb + reduce_s * reduce_memory_mb) / 1024
    invocations = {"plan": 1, "compute": children * attempts, "reduce": 1}
    invocations["total"] = sum(invocations.values())

    child_events: int | None
    if child_type == "STANDARD":
        # One transition per child started by the Distributed Map, plus the
        # child's own Compute state and one per retry.
        transitions = PARENT_STATES + children * (1 + attempts)
        express_requests = 0
        express_gb_s = 0.0
        child_events = CHILD_HISTORY_EVENTS + HISTORY_EVENTS_PER_RETRY * retries_per_child
    else:
        transitions = PARENT_STATES + children
        express_requests = children
        express_gb_s = express_billed_s * prices.SFN_EXPRESS_MEMORY_MB / 1024
        child_events = None

    # ResultWriter: a manifest and (at least) one SUCCEEDED_n.json file.
    result_writer_files = 1
    puts = {
        "plan_chunks_json": 1,
        "partials": partials,
        "result_writer": 1 + result_writer_files,
        "result_and_summary": 2,
    }
    puts["total"] = sum(puts.values())
    gets = {
        "item_reader": 1,
        "result_writer": 1 + result_writer_files,
        "partials": partials,
    }
    gets["total"] = sum(gets.values())

    running = effective_concurrency(children, max_concurrency)
    wall = plan_s + max(longest_chunk * attempts, compute_s / running) + reduce_s

    sfn_cost = (
        transitions * prices.SFN_STANDARD_PER_TRANSITION
        + express_requests * prices.SFN_EXPRESS_PER_REQUEST
        + express_gb_s * prices.SFN_EXPRESS_PER_GB_SECOND
    )
    lambda_cost = (
        invocations["total"] * prices.LAMBDA_PER_REQUEST + gb_s * prices.LAMBDA_PER_GB_SECOND
    )
    s3_cost = puts["total"] * prices.S3_PER_PUT + gets["total"] * prices.S3_PER_GET
    cost = {
        "step_functions": sfn_cost,
        "lambda": lambda_cost,
        "s3_requests": s3_cost,
        "total": sfn_cost + lambda_cost + s3_cost,
    }

    fitting = None
    if longest_chunk > LAMBDA_MAX_TIMEOUT_S:
        fitting = largest_fitting_chunk_size(kernel, size, chunk, slow, model)
    notes = [
        Note("warning", f"The plan function would refuse this input (InvalidInputError): {why}.")
        for why in refusals
    ]
    notes += (
        timeout_notes(longest_item, longest_item_index, longest_chunk, child_type, fitting)
        + concurrency_notes(children, max_concurrency)
        + history_notes(PARENT_HISTORY_EVENTS, child_events)
        + payload_notes(partials, children, largest_partial)
    )
    if digits > SUMMARY_TOTAL_SUM_MAX_DIGITS:
        notes.append(
            Note(
                "info",
                f"The result has about {digits:,} digits: the summary leaves total_sum out; "
                "fetch the number with `fanout result`.",
            )
        )

    return Estimate(
        size=size,
        chunk_size=chunk,
        chunk_size_is_default=is_default,
        kernel=kernel,
        memory_mb=memory_mb,
        child_type=child_type,
        max_concurrency=max_concurrency,
        retries_per_child=retries_per_child,
        children=children,
        effective_concurrency=running,
        lambda_invocations=invocations,
        compute_seconds=compute_s,
        longest_chunk_seconds=longest_chunk,
        longest_item_seconds=longest_item,
        longest_item_index=longest_item_index,
        lambda_seconds=lambda_s,
        lambda_gb_seconds=gb_s,
        state_transitions=transitions,
        express_requests=express_requests,
        express_gb_seconds=express_gb_s,
        history_events_parent=PARENT_HISTORY_EVENTS,
        history_events_per_child=child_events,
        history_events_per_child_max=(
            None
            if child_events is None
            else CHILD_HISTORY_EVENTS + HISTORY_EVENTS_PER_RETRY * MAX_RETRIES_PER_CHILD
        ),
        partials_via_s3=partials,
        largest_partial_bytes=largest_partial,
        s3_puts=puts,
        s3_gets=gets,
        result_digits_about=digits,
        wall_seconds_about=wall,
        cost_usd=cost,
        notes=notes,
    )


def _seconds(value: float) -> str:
    if value < 0.001:
        return f"{value * 1e6:,.1f} us"
    if value < 1:
        return f"{value * 1000:,.1f} ms"
    if value < 120:
        return f"{value:,.2f} s"
    return f"{value:,.0f} s ({value / 3600:,.2f} h)"


def format_estimate(est: Estimate) -> str:
    """The estimate as text for a person."""
    chunk_note = " (the plan's default)" if est.chunk_size_is_default else ""
    conc = "no limit" if not est.max_concurrency else f"{est.max_concurrency:,}"
    inv = est.lambda_invocations
    lines = [
        f"Estimate for utf8_count, size {est.size:,}, {est.kernel} kernel, "
        f"{est.memory_mb:,} MB, {est.child_type} children",
        f"  chunk size            {est.chunk_size:,}{chunk_note}",
        f"  child executions      {est.children:,} (MaxConcurrency {conc}; "
        f"{est.effective_concurrency:,} at once)",
        f"  Lambda invocations    {inv['total']:,} (plan 1, compute {inv['compute']:,}, reduce 1)",
        f"  compute time          {_seconds(est.compute_seconds)} in total; longest chunk "
        f"{_seconds(est.longest_chunk_seconds)}; item {est.longest_item_index:,} "
        f"{_seconds(est.longest_item_seconds)}",
        f"  Lambda GB-seconds     {est.lambda_gb_seconds:,.3f}",
        f"  state transitions     {est.state_transitions:,}",
    ]
    if est.child_type == "EXPRESS":
        lines.append(
            f"  Express requests      {est.express_requests:,}; "
            f"{est.express_gb_seconds:,.3f} GB-s billed"
        )
    child_events = (
        "not recorded (Express)"
        if est.history_events_per_child is None
        else f"{est.history_events_per_child:,} per child (up to "
        f"{est.history_events_per_child_max:,} if every retry is used)"
    )
    lines += [
        f"  history events        {est.history_events_parent:,} in the parent; {child_events}",
        f"  S3 PUT requests       {est.s3_puts['total']:,} (chunk list 1, partials "
        f"{est.s3_puts['partials']:,}, ResultWriter {est.s3_puts['result_writer']}, "
        f"result + summary 2)",
        f"  S3 GET requests       {est.s3_gets['total']:,} (ItemReader 1, ResultWriter "
        f"{est.s3_gets['result_writer']}, partials {est.s3_gets['partials']:,})",
        f"  result                about {est.result_digits_about:,} decimal digits",
        f"  wall time             about {_seconds(est.wall_seconds_about)}",
        f"  cost (USD, {prices.REGION}, list prices read {prices.READ_ON}, no free tier)",
        f"    Step Functions      ${est.cost_usd['step_functions']:.6f}",
        f"    Lambda              ${est.cost_usd['lambda']:.6f}",
        f"    S3 requests         ${est.cost_usd['s3_requests']:.6f}",
        f"    total               ${est.cost_usd['total']:.6f}",
        "  Times follow a model (fanout_cli.estimate.CostModel): measured kernel costs on one "
        "core, not a promise.",
    ]
    for note in est.notes:
        lines.append(f"{note.level}: {note.message}")
    return "\n".join(lines)
