"""Warnings and remarks: where a run's figures meet an AWS limit or a product rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fanout_cli.estimate.limits import (
    DISTRIBUTED_MAP_MAX_CONCURRENCY,
    EXPRESS_MAX_DURATION_S,
    HISTORY_EVENT_LIMIT,
    LAMBDA_DEFAULT_CONCURRENCY,
    LAMBDA_MAX_TIMEOUT_S,
    PARTIAL_INLINE_LIMIT_BYTES,
    STATE_PAYLOAD_LIMIT_BYTES,
    SUMMARY_TOTAL_SUM_MAX_DIGITS,
    effective_concurrency,
)
from fanout_cli.estimate.model import ChildType


@dataclass(frozen=True)
class Note:
    level: Literal["warning", "info"]
    message: str


def refusal_notes(refusals: list[str]) -> list[Note]:
    """The reasons the plan function would refuse the input, as warnings."""
    return [
        Note("warning", f"The plan function would refuse this input (InvalidInputError): {why}.")
        for why in refusals
    ]


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
    """``child_events`` is None for Express children, which keep no history."""
    return [
        Note(
            "warning",
            f"{who} would record {events:,} history events, over the "
            f"{HISTORY_EVENT_LIMIT:,}-event limit of a Standard execution.",
        )
        for who, events in (
            ("The parent execution", parent_events),
            ("Each child execution", child_events),
        )
        if events is not None and events > HISTORY_EVENT_LIMIT
    ]


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


def result_notes(digits: int) -> list[Note]:
    if digits <= SUMMARY_TOTAL_SUM_MAX_DIGITS:
        return []
    return [
        Note(
            "info",
            f"The result has about {digits:,} digits: the summary leaves total_sum out; "
            "fetch the number with `fanout result`.",
        )
    ]
