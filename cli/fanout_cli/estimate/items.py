"""What a run over data will cost: the listing or scan in the plan, the per-object or
per-row work of the children, the requests and the dollars. Pure arithmetic.

Two sources are modelled: every object under an S3 prefix digested by ``s3_digest``
(``estimate_objects``), and the rows of a JSONL or CSV file with a given time per row
(``estimate_rows``). The chunking rules MUST stay equal to the plan function's
(``fanout.workloads.s3_digest`` and ``fanout.items`` in lambda_src);
tests/unit/test_cli_estimate_items.py compares them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from fanout_cli import prices
from fanout_cli.chunking import DEFAULT_MAX_CHUNK_SIZE, DEFAULT_MAX_CHUNKS, DEFAULT_MAX_SIZE
from fanout_cli.estimate.limits import (
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_PLAN_MEMORY_MB,
    DEFAULT_REDUCE_MEMORY_MB,
    LAMBDA_MAX_TIMEOUT_S,
    ONE_VCPU_MEMORY_MB,
    PARENT_STATES,
    PARTIAL_INLINE_LIMIT_BYTES,
    effective_concurrency,
)
from fanout_cli.estimate.model import cpu_factor
from fanout_cli.estimate.notes import Note, concurrency_notes
from fanout_cli.estimate.report import json_with_prices

# The plan function's rules (lambda_src): s3_digest's default chunk size, the names an
# s3_prefix chunk may carry, ListObjectsV2's page size, the deployment's plan timeout.
S3_DIGEST_MIN_CHUNK_SIZE = 250
SWEEP_MIN_CHUNK_SIZE = 10
TARGET_CHUNKS = 200
MAX_CHUNK_NAME_BYTES = 64 * 1024
LIST_PAGE_KEYS = 1_000
READERS = 8
DEFAULT_PLAN_TIMEOUT_S = 60
PLAN_DEADLINE_MARGIN_S = 5.0


@dataclass(frozen=True)
class DataModel:
    """Times and sizes of the work on data, with their basis.

    * ``list_request_s``: one ListObjectsV2 page of 1,000 keys. Not measured here (no AWS
      account); 30-100 ms is the range commonly reported for S3 in the same region, the
      middle is taken.
    * ``plan_per_name_s``: cutting names into chunks and encoding chunks.json, measured
      here: 3.4 s of one core for a million names of 35 characters.
    * ``plan_bytes_per_name``: the plan's memory per name beyond its key (Python string and
      list slot, its copy in a chunk, its JSON): measured 175 MiB peak for a million
      names of 35 characters, i.e. about 140 bytes besides the key.
    * ``get_first_byte_s`` and ``read_bytes_per_s``: a GetObject's latency to first byte
      and a Lambda's throughput from S3 (tens of ms; about 90 MB/s per function), assumed.
    * ``sha256_bytes_per_s``: hashlib's sha256 on one core, measured here: 260 MB/s.
    * ``scan_row_s``: the plan's scan of one short JSONL line or CSV row on one core
      (fanout.items.scan_jsonl / scan_csv), measured here: 14 us.
    """

    list_request_s: float = 0.06
    plan_base_s: float = 0.3
    plan_per_name_s: float = 3.4e-6
    plan_base_mb: float = 60.0
    plan_bytes_per_name: float = 140.0
    invoke_overhead_s: float = 0.05
    get_first_byte_s: float = 0.03
    read_bytes_per_s: float = 90e6
    sha256_bytes_per_s: float = 260e6
    scan_row_s: float = 14e-6
    reduce_base_s: float = 0.3
    reduce_per_item_s: float = 3e-6
    manifest_bytes_per_item: int = 110


@dataclass
class ItemEstimate:
    source: str
    items: int
    chunk_size: int
    children: int
    effective_concurrency: int
    plan_seconds: float
    plan_memory_mb_needed: float
    list_requests: int
    chunks_json_bytes: int
    compute_seconds: float
    longest_chunk_seconds: float
    lambda_gb_seconds: float
    state_transitions: int
    s3_gets: int
    s3_puts: int
    s3_lists: int
    wall_seconds_about: float
    cost_usd: dict[str, float]
    notes: list[Note] = field(default_factory=list)

    def to_json(self) -> str:
        return json_with_prices(self)


def s3_digest_chunk_size(objects: int, max_chunk_size: int, max_chunks: int) -> int:
    """The plan's default chunk size for s3_digest (fanout.validation.choose_chunk_size)."""
    fewest = math.ceil(objects / max_chunks)
    chunk = max(S3_DIGEST_MIN_CHUNK_SIZE, math.ceil(objects / TARGET_CHUNKS), fewest)
    return max(1, min(chunk, max_chunk_size, objects))


def sweep_chunk_size(rows: int, max_chunks: int) -> int:
    """utf8_sweep's default chunk size (fanout.workloads.utf8_sweep), within MAX_CHUNKS."""
    return max(
        1,
        min(
            rows,
            max(
                SWEEP_MIN_CHUNK_SIZE, math.ceil(rows / TARGET_CHUNKS), math.ceil(rows / max_chunks)
            ),
        ),
    )


def names_per_chunk(key_chars: int) -> int:
    """Most names of ``key_chars`` plain characters one chunk carries (64 KiB of JSON)."""
    return max(1, (MAX_CHUNK_NAME_BYTES - 1) // (key_chars + 3))


def plan_notes(
    plan_s: float, plan_timeout_s: int, memory_needed: float, plan_memory_mb: int
) -> list[Note]:
    notes: list[Note] = []
    if plan_s > plan_timeout_s - PLAN_DEADLINE_MARGIN_S:
        suggested = min(900, max(60, math.ceil(plan_s * 2 / 60) * 60))
        notes.append(
            Note(
                "warning",
                f"The plan needs about {plan_s:,.0f} s to read the source, more than "
                f"plan_timeout ({plan_timeout_s} s) allows: it would stop with "
                f"InputTooLargeError. Set plan_timeout = {suggested} (and plan_memory_size "
                f"= {ONE_VCPU_MEMORY_MB} for a full vCPU).",
            )
        )
    if memory_needed > plan_memory_mb * 0.8:
        notes.append(
            Note(
                "warning",
                f"The plan needs about {memory_needed:,.0f} MB for the names and the chunk "
                f"list; plan_memory_size is {plan_memory_mb} MB. Set plan_memory_size >= "
                f"{math.ceil(memory_needed * 1.5 / 64) * 64}.",
            )
        )
    return notes


def _chunk_times(
    items: int, per_chunk: int, chunk_seconds: Callable[[int], float]
) -> tuple[float, float]:
    """(seconds of every chunk together, seconds of the longest) for full chunks and a rest."""
    full, rest = divmod(items, per_chunk)
    total = full * chunk_seconds(per_chunk) + (chunk_seconds(rest) if rest else 0.0)
    return total, chunk_seconds(per_chunk if full else rest)


def _cost(transitions: int, gb_s: float, invocations: int, gets: int, puts: int) -> dict:
    sfn = transitions * prices.SFN_STANDARD_PER_TRANSITION
    lam = invocations * prices.LAMBDA_PER_REQUEST + gb_s * prices.LAMBDA_PER_GB_SECOND
    s3 = puts * prices.S3_PER_PUT + gets * prices.S3_PER_GET
    return {"step_functions": sfn, "lambda": lam, "s3_requests": s3, "total": sfn + lam + s3}


def estimate_objects(
    objects: int,
    object_bytes: int = 64 * 1024,
    key_chars: int = 40,
    chunk_size: int | None = None,
    memory_mb: int = ONE_VCPU_MEMORY_MB,
    max_concurrency: int | None = DEFAULT_MAX_CONCURRENCY,
    plan_memory_mb: int = DEFAULT_PLAN_MEMORY_MB,
    plan_timeout_s: int = DEFAULT_PLAN_TIMEOUT_S,
    reduce_memory_mb: int = DEFAULT_REDUCE_MEMORY_MB,
    max_chunk_size: int = DEFAULT_MAX_CHUNK_SIZE,
    max_chunks: int = DEFAULT_MAX_CHUNKS,
    max_size: int = DEFAULT_MAX_SIZE,
    model: DataModel = DataModel(),  # noqa: B008 - frozen, never mutated
) -> ItemEstimate:
    """s3_digest over ``objects`` objects of ``object_bytes`` each, keys of ``key_chars``."""
    if objects < 1 or object_bytes < 0 or key_chars < 1:
        raise ValueError("objects and key length must be >= 1, object bytes >= 0")
    lists = math.ceil(objects / LIST_PAGE_KEYS)
    plan_cpu = model.plan_base_s + model.plan_per_name_s * objects
    plan_s = lists * model.list_request_s + plan_cpu * cpu_factor(plan_memory_mb)
    memory_needed = model.plan_base_mb + objects * (model.plan_bytes_per_name + key_chars) / 1e6
    chunk = chunk_size or s3_digest_chunk_size(objects, max_chunk_size, max_chunks)
    per_chunk = min(chunk, names_per_chunk(key_chars))
    children = math.ceil(objects / per_chunk)

    slow = cpu_factor(memory_mb)
    read_one = model.get_first_byte_s + object_bytes / model.read_bytes_per_s

    def chunk_seconds(n: int) -> float:
        waiting = math.ceil(n / READERS) * model.get_first_byte_s
        transfer = n * object_bytes / model.read_bytes_per_s
        hashing = n * object_bytes / model.sha256_bytes_per_s * slow
        return model.invoke_overhead_s + max(waiting + transfer, n * read_one / READERS) + hashing

    compute_s, longest = _chunk_times(objects, per_chunk, chunk_seconds)
    partial_bytes = per_chunk * (key_chars + 90)
    partials = children if partial_bytes > PARTIAL_INLINE_LIMIT_BYTES else 0
    reduce_s = (
        model.reduce_base_s + model.reduce_per_item_s * objects + partials * model.get_first_byte_s
    ) * cpu_factor(reduce_memory_mb)
    notes: list[Note] = []
    if objects > max_size:
        notes.append(
            Note(
                "warning",
                f"{objects:,} objects are more than max_size ({max_size:,}): the plan refuses "
                "the run (InputTooLargeError). Raise max_size or split the prefix.",
            )
        )
    if children > max_chunks:
        notes.append(
            Note(
                "warning",
                f"{children:,} chunks are more than max_chunks ({max_chunks:,}): use a larger "
                "--chunk-size or shorter keys.",
            )
        )
    if per_chunk < chunk:
        notes.append(
            Note(
                "info",
                f"Keys of {key_chars} characters: a chunk carries at most {per_chunk:,} names "
                f"({MAX_CHUNK_NAME_BYTES // 1024} KiB), fewer than the chunk size {chunk:,}.",
            )
        )
    work = _Work(
        source="s3_prefix (s3_digest)",
        items=objects,
        chunk_size=per_chunk,
        children=children,
        plan_seconds=plan_s,
        plan_memory_mb_needed=memory_needed,
        list_requests=lists,
        chunks_json_bytes=objects * (key_chars + 3) + children * 60,
        compute_seconds=compute_s,
        longest_chunk_seconds=longest,
        reduce_seconds=reduce_s,
        # object GETs, the ItemReader, ResultWriter (manifest + a results file), partials
        s3_gets=objects + 1 + 2 + partials,
        # chunks.json, partials, ResultWriter, result + summary
        s3_puts=1 + partials + 2 + 2,
    )
    return _finish(
        work, memory_mb, plan_memory_mb, reduce_memory_mb, plan_timeout_s, max_concurrency, notes
    )


def estimate_rows(
    rows: int,
    file_bytes: int,
    seconds_per_row: float,
    chunk_size: int,
    memory_mb: int = ONE_VCPU_MEMORY_MB,
    max_concurrency: int | None = DEFAULT_MAX_CONCURRENCY,
    plan_memory_mb: int = DEFAULT_PLAN_MEMORY_MB,
    plan_timeout_s: int = DEFAULT_PLAN_TIMEOUT_S,
    reduce_memory_mb: int = DEFAULT_REDUCE_MEMORY_MB,
    model: DataModel = DataModel(),  # noqa: B008 - frozen, never mutated
) -> ItemEstimate:
    """The rows of a JSONL or CSV file of ``file_bytes``, each taking ``seconds_per_row`` on
    one vCPU, ``chunk_size`` rows a child."""
    if rows < 1 or file_bytes < rows or seconds_per_row < 0 or chunk_size < 1:
        raise ValueError("need rows >= 1, file bytes >= rows, seconds >= 0, chunk size >= 1")
    read_s = model.get_first_byte_s + file_bytes / model.read_bytes_per_s
    plan_s = read_s + (model.plan_base_s + model.scan_row_s * rows) * cpu_factor(plan_memory_mb)
    memory_needed = model.plan_base_mb + rows * 24 / 1e6  # two int64 offsets a row
    children = math.ceil(rows / chunk_size)
    slow = cpu_factor(memory_mb)
    chunk_bytes = file_bytes * min(chunk_size, rows) / rows

    def chunk_seconds(n: int) -> float:
        read = model.get_first_byte_s + chunk_bytes / model.read_bytes_per_s
        return model.invoke_overhead_s + read + n * (seconds_per_row + model.scan_row_s) * slow

    compute_s, longest = _chunk_times(rows, chunk_size, chunk_seconds)
    reduce_s = (model.reduce_base_s + model.reduce_per_item_s * rows) * cpu_factor(reduce_memory_mb)
    work = _Work(
        source="jsonl/csv rows",
        items=rows,
        chunk_size=chunk_size,
        children=children,
        plan_seconds=plan_s,
        plan_memory_mb_needed=memory_needed,
        list_requests=0,
        chunks_json_bytes=children * 100,
        compute_seconds=compute_s,
        longest_chunk_seconds=longest,
        reduce_seconds=reduce_s,
        # the file (plan), a ranged GET a chunk, the ItemReader, ResultWriter
        s3_gets=1 + children + 1 + 2,
        s3_puts=1 + 2 + 2,
    )
    return _finish(
        work, memory_mb, plan_memory_mb, reduce_memory_mb, plan_timeout_s, max_concurrency, []
    )


@dataclass
class _Work:
    """What a run over data does, before it is priced and judged."""

    source: str
    items: int
    chunk_size: int
    children: int
    plan_seconds: float
    plan_memory_mb_needed: float
    list_requests: int
    chunks_json_bytes: int
    compute_seconds: float
    longest_chunk_seconds: float
    reduce_seconds: float
    s3_gets: int
    s3_puts: int


def _finish(
    work: _Work,
    memory_mb: int,
    plan_memory_mb: int,
    reduce_memory_mb: int,
    plan_timeout_s: int,
    max_concurrency: int | None,
    notes: list[Note],
) -> ItemEstimate:
    """The estimate of ``work``: GB-seconds, transitions, wall time, cost and limit notes."""
    gb_s = (
        work.plan_seconds * plan_memory_mb
        + work.compute_seconds * memory_mb
        + work.reduce_seconds * reduce_memory_mb
    ) / 1024
    transitions = PARENT_STATES + 2 * work.children
    running = effective_concurrency(work.children, max_concurrency)
    wall = (
        work.plan_seconds
        + max(work.longest_chunk_seconds, work.compute_seconds / running)
        + work.reduce_seconds
    )
    found = plan_notes(
        work.plan_seconds, plan_timeout_s, work.plan_memory_mb_needed, plan_memory_mb
    )
    found += concurrency_notes(work.children, max_concurrency)
    if work.longest_chunk_seconds > LAMBDA_MAX_TIMEOUT_S:
        found.append(
            Note(
                "warning",
                f"The longest chunk takes about {work.longest_chunk_seconds:,.0f} s, over "
                f"Lambda's {LAMBDA_MAX_TIMEOUT_S:.0f} s: use a smaller --chunk-size.",
            )
        )
    return ItemEstimate(
        source=work.source,
        items=work.items,
        chunk_size=work.chunk_size,
        children=work.children,
        effective_concurrency=running,
        plan_seconds=work.plan_seconds,
        plan_memory_mb_needed=work.plan_memory_mb_needed,
        list_requests=work.list_requests,
        chunks_json_bytes=work.chunks_json_bytes,
        compute_seconds=work.compute_seconds,
        longest_chunk_seconds=work.longest_chunk_seconds,
        lambda_gb_seconds=gb_s,
        state_transitions=transitions,
        s3_gets=work.s3_gets,
        s3_puts=work.s3_puts,
        s3_lists=work.list_requests,
        wall_seconds_about=wall,
        # LIST requests are billed with PUT, COPY and POST (S3 pricing page)
        cost_usd=_cost(
            transitions, gb_s, work.children + 2, work.s3_gets, work.s3_puts + work.list_requests
        ),
        notes=found + notes,
    )


def format_item_estimate(est: ItemEstimate) -> str:
    listing = (
        f"{est.list_requests:,} ListObjectsV2 requests, " if est.list_requests else "one read, "
    )
    lines = [
        f"Estimate for {est.items:,} items from {est.source}",
        f"  plan (read the source) about {est.plan_seconds:,.1f} s: {listing}"
        f"about {est.plan_memory_mb_needed:,.0f} MB, chunks.json about "
        f"{est.chunks_json_bytes / 1e6:,.1f} MB",
        f"  chunk size            {est.chunk_size:,} items",
        f"  child executions      {est.children:,} ({est.effective_concurrency:,} at once)",
        f"  compute time          {est.compute_seconds:,.0f} s in total; longest chunk "
        f"{est.longest_chunk_seconds:,.1f} s",
        f"  Lambda GB-seconds     {est.lambda_gb_seconds:,.1f}",
        f"  state transitions     {est.state_transitions:,}",
        f"  S3 requests           {est.s3_gets:,} GET, {est.s3_puts:,} PUT, {est.s3_lists:,} LIST",
        f"  wall time             about {est.wall_seconds_about:,.0f} s",
        f"  cost (USD, {prices.REGION}, list prices read {prices.READ_ON}, no free tier)",
        f"    Step Functions      ${est.cost_usd['step_functions']:.4f}",
        f"    Lambda              ${est.cost_usd['lambda']:.4f}",
        f"    S3 requests         ${est.cost_usd['s3_requests']:.4f}",
        f"    total               ${est.cost_usd['total']:.4f}",
        "  Times follow a model (fanout_cli.estimate.items.DataModel), not a measurement "
        "of your run.",
    ]
    lines += [f"{note.level}: {note.message}" for note in est.notes]
    return "\n".join(lines)
