"""The workload protocol: what a module must provide to be a workload.

A workload is a module (or any object) with these attributes::

    NAME: str                     # the value of "workload" in the execution input
    PARTIAL_ENCODING: str         # how compute's partials are encoded: "hex" or "json"
    FIELDS: tuple[str, ...]       # workload-specific input fields besides size / chunk_size

    def validate(params: dict, limits: Limits) -> dict
        Normalise and check params (size is already an integer in range; chunk_size, when
        given, is an integer in range). Return the params the run will carry, including the
        chosen chunk_size. Refuse with InvalidInputError("<field>: <reason>").

    def plan(params: dict) -> list[Chunk]
        Split [0, size) into chunks {"chunk_id", "start", "stop"}; chunk ids 0..n-1 in order.

    def compute(params: dict, chunk: Chunk, deadline: Deadline) -> JSON-able partial
        Pure and deterministic unless the workload's purpose says otherwise. Call
        ``deadline.check(done, of)`` between items: past the attempt's time budget it raises
        ComputeDeadlineError, which the state machine retries, before Lambda's hard timeout.

    def reduce(params: dict, partials: list) -> dict
        Partials arrive in chunk order. Return a summary with "verdict" ("OK", or anything
        else with "error" and "cause" to fail the execution). An optional "result_text" is
        written to runs/<id>/result.txt and left out of the returned summary.

A workload over data (objects under an S3 prefix, JSONL lines, CSV rows) also has::

    ITEM_SOURCES: tuple[str, ...]  # the sources it takes: "s3_prefix", "jsonl", "csv"

and then takes ``items`` instead of ``size`` in the execution input. The plan reads the
source and cuts it into chunks itself (the workload has no ``plan``); ``validate`` sees
``size`` = the item count; and compute is called with the chunk's items::

    def compute(params: dict, chunk: Chunk, items: list) -> JSON-able partial
        items: fanout.items.S3Object handles (s3_prefix), JSON values (jsonl), or rows
        (csv: dicts by column name with a header row, lists of strings without).

    def check_item(item) -> None      # optional
        Called by the plan for every JSONL value or CSV row before any work starts; raise
        ValueError("<what is wrong>") to refuse the run (MalformedInputError names the line).

See docs/workloads.md for a walk-through.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from fanout.config import Limits
from fanout.deadline import Deadline
from fanout.items import KINDS as ITEM_KINDS
from fanout.types import Chunk


class Workload(Protocol):
    NAME: str
    PARTIAL_ENCODING: str
    FIELDS: tuple[str, ...]

    def validate(self, params: dict[str, Any], limits: Limits) -> dict[str, Any]: ...

    def plan(self, params: dict[str, Any]) -> list[Chunk]: ...

    def compute(self, params: dict[str, Any], chunk: Chunk, deadline: Deadline) -> Any: ...

    def reduce(self, params: dict[str, Any], partials: list[Any]) -> dict[str, Any]: ...


class ItemWorkload(Protocol):
    """A workload over data: no plan; compute receives the chunk's items."""

    NAME: str
    PARTIAL_ENCODING: str
    FIELDS: tuple[str, ...]
    ITEM_SOURCES: tuple[str, ...]

    def validate(self, params: dict[str, Any], limits: Limits) -> dict[str, Any]: ...

    def compute(self, params: dict[str, Any], chunk: Chunk, items: list[Any]) -> Any: ...

    def reduce(self, params: dict[str, Any], partials: list[Any]) -> dict[str, Any]: ...


PARTIAL_ENCODINGS = ("hex", "json")
FUNCTIONS = ("validate", "plan", "compute", "reduce")


class InvalidWorkloadError(TypeError):
    """A module in the workloads folder does not implement :class:`Workload`."""


def check_workload(name: str, module: object) -> Workload:
    """``module`` as a :class:`Workload` called ``name``, or InvalidWorkloadError saying why not."""
    problems = []
    if getattr(module, "NAME", None) != name:
        problems.append(f"NAME must be {name!r} (the module's name)")
    if getattr(module, "PARTIAL_ENCODING", None) not in PARTIAL_ENCODINGS:
        problems.append(f"PARTIAL_ENCODING must be one of {', '.join(PARTIAL_ENCODINGS)}")
    fields = getattr(module, "FIELDS", None)
    if not isinstance(fields, tuple) or not all(isinstance(f, str) for f in fields):
        problems.append("FIELDS must be a tuple of field names")
    kinds = getattr(module, "ITEM_SOURCES", ())
    if not isinstance(kinds, tuple) or not set(kinds) <= set(ITEM_KINDS):
        problems.append(f"ITEM_SOURCES must be a tuple of {', '.join(ITEM_KINDS)}")
    # a workload over data has no plan: the plan function cuts its items into chunks
    needed = [f for f in FUNCTIONS if not (kinds and f == "plan")]
    problems += [
        f"{attr}() is missing" for attr in needed if not callable(getattr(module, attr, None))
    ]
    if problems:
        raise InvalidWorkloadError(
            f"workload module {name!r} does not implement the Workload protocol (base.py; "
            f"helper modules must start with '_'): {'; '.join(problems)}"
        )
    return cast(Workload, module)


def item_sources(workload: Any) -> tuple[str, ...]:
    """The item sources a workload takes; empty for a workload over [0, size)."""
    return tuple(getattr(workload, "ITEM_SOURCES", ()))
