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

See docs/workloads.md for a walk-through.
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from fanout.config import Limits
from fanout.deadline import Deadline
from fanout.types import Chunk


class Workload(Protocol):
    NAME: str
    PARTIAL_ENCODING: str
    FIELDS: tuple[str, ...]

    def validate(self, params: dict[str, Any], limits: Limits) -> dict[str, Any]: ...

    def plan(self, params: dict[str, Any]) -> list[Chunk]: ...

    def compute(self, params: dict[str, Any], chunk: Chunk, deadline: Deadline) -> Any: ...

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
    problems += [
        f"{attr}() is missing" for attr in FUNCTIONS if not callable(getattr(module, attr, None))
    ]
    if problems:
        raise InvalidWorkloadError(
            f"workload module {name!r} does not implement the Workload protocol (base.py; "
            f"helper modules must start with '_'): {'; '.join(problems)}"
        )
    return cast(Workload, module)
