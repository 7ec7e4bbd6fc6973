"""An estimate's figures as one record, as JSON and as text for a person."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from fanout_cli import prices
from fanout_cli.estimate.cost import LABELS
from fanout_cli.estimate.notes import Note


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
    # With the AWS Batch backend: its settings and the routed chunks' figures.
    batch: dict[str, Any] | None = None

    def to_json(self) -> str:
        return json_with_prices(self)


def json_with_prices(record: Any) -> str:
    """A dataclass record as JSON, with the prices it was worked out with."""
    data = asdict(record)
    data["prices"] = {"region": prices.REGION, "read_on": prices.READ_ON, **prices.SOURCES}
    return json.dumps(data, indent=2)


def _seconds(value: float) -> str:
    if value < 0.001:
        return f"{value * 1e6:,.1f} us"
    if value < 1:
        return f"{value * 1000:,.1f} ms"
    if value < 120:
        return f"{value:,.2f} s"
    return f"{value:,.0f} s ({value / 3600:,.2f} h)"


def _batch_lines(est: Estimate) -> list[str]:
    b = est.batch
    if b is None:
        return []
    return [
        f"  AWS Batch chunks      {b['chunks']:,} of {est.children:,} (the rest on Lambda); "
        f"jobs of {b['vcpus']:g} vCPU, {b['memory_mb']:,} MB",
        f"  Batch job time        {_seconds(b['job_seconds'])}; {b['vcpu_hours']:,.2f} vCPU-hours, "
        f"{b['gb_hours']:,.2f} GB-hours on Fargate",
    ]


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
        *_batch_lines(est),
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
    ]
    lines += [f"    {LABELS[name]:<20}${usd:.6f}" for name, usd in est.cost_usd.items()]
    lines.append(
        "  Times follow a model (fanout_cli.estimate.CostModel): measured kernel costs on one "
        "core, not a promise."
    )
    lines += [f"{note.level}: {note.message}" for note in est.notes]
    return "\n".join(lines)
