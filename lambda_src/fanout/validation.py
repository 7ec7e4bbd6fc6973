"""Validation helpers shared by the generic input check and the workloads.

Every refusal raises :class:`~fanout.errors.InvalidInputError` whose message starts with
the field name and says why, in terms a person can act on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from fanout.config import MAX_INPUT_BYTES, Limits
from fanout.errors import InvalidInputError
from fanout.types import Chunk

FAULT_KINDS = (
    "transient",
    "throttle",
    "permanent",
    "timeout",
    "slow",
    "hang",
    "blocked",
    "overrun",
)
# Fields of each fault kind besides "chunks" (others: "failures").
_FAULT_FIELDS = {
    "permanent": (),
    "hang": (),
    "slow": ("seconds",),
    "blocked": ("delay_seconds",),
    "overrun": ("failures", "seconds"),
}
# Longest injected slowness: enough to push a chunk past any Lambda timeout.
MAX_SLOW_SECONDS = 3600


def json_type(value: Any) -> str:
    """The JSON name of a Python value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def require_int(value: Any, field: str, lo: int, hi: int) -> int:
    """An integer (not a boolean, float or string) in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            shown = json.dumps(value)
        except (TypeError, ValueError):
            shown = repr(value)
        raise InvalidInputError(
            f"{field}: expected an integer from {lo} to {hi}, got {json_type(value)} {shown[:60]}"
        )
    if value < lo or value > hi:
        raise InvalidInputError(f"{field}: must be from {lo} to {hi}, got {value}")
    return value


def require_number(value: Any, field: str, lo: float, hi: float) -> float:
    """A finite number (integer or not; not a boolean or string) in [lo, hi]."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not lo <= value <= hi
    ):
        raise InvalidInputError(f"{field}: expected a number from {lo:g} to {hi:g}, got {value!r}")
    return float(value)


def require_choice(value: Any, field: str, choices: Iterable[str]) -> str:
    options = sorted(choices)
    if not isinstance(value, str) or value not in options:
        shown = json.dumps(value)[:60] if isinstance(value, str) else json_type(value)
        raise InvalidInputError(f"{field}: must be one of {', '.join(options)}; got {shown}")
    return value


def refuse_unknown(params: Mapping[str, Any], allowed: Iterable[str], where: str = "input") -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise InvalidInputError(
            f"{unknown[0]}: unknown field in {where} "
            f"(accepted fields: {', '.join(sorted(allowed))})"
        )


def split_range(size: int, chunk_size: int) -> list[Chunk]:
    """Chunks covering [0, size) exactly once, in order, each at most ``chunk_size`` items."""
    if size < 0 or chunk_size < 1:
        raise ValueError("size must be >= 0 and chunk_size >= 1")
    return [
        {"chunk_id": n, "start": start, "stop": min(start + chunk_size, size)}
        for n, start in enumerate(range(0, size, chunk_size))
    ]


def choose_chunk_size(
    params: Mapping[str, Any], limits: Limits, default: int, minimum_default: int = 1
) -> int:
    """The requested chunk_size, or ``default`` kept within MAX_CHUNK_SIZE and MAX_CHUNKS.

    A requested chunk_size that would plan more than MAX_CHUNKS chunks is refused.
    """
    size: int = params["size"]
    requested = params.get("chunk_size")
    fewest = math.ceil(size / limits.max_chunks)
    if requested is not None:
        chunk_size = require_int(requested, "chunk_size", 1, limits.max_chunk_size)
        if chunk_size < fewest:
            raise InvalidInputError(
                f"chunk_size: {chunk_size} splits size {size} into "
                f"{math.ceil(size / chunk_size)} chunks, more than the {limits.max_chunks} "
                f"allowed (MAX_CHUNKS); use chunk_size >= {fewest}"
            )
        return chunk_size
    if fewest > limits.max_chunk_size:
        raise InvalidInputError(
            f"size: {size} items need more than {limits.max_chunks} chunks of at most "
            f"{limits.max_chunk_size} items (MAX_CHUNKS x MAX_CHUNK_SIZE); use a smaller size"
        )
    chunk_size = max(default, minimum_default, fewest)
    return max(1, min(chunk_size, limits.max_chunk_size, size))


def check_input_envelope(raw: Any) -> dict[str, Any]:
    """The execution input must be a JSON object of reasonable size."""
    if not isinstance(raw, dict):
        raise InvalidInputError(
            f'input: expected a JSON object such as {{"size": 1024}}, got {json_type(raw)}'
        )
    try:
        encoded = json.dumps(raw)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"input: not JSON-serialisable ({exc})") from exc
    if len(encoded.encode()) > MAX_INPUT_BYTES:
        raise InvalidInputError(
            f"input: {len(encoded.encode())} bytes, more than the {MAX_INPUT_BYTES} accepted"
        )
    return raw


def validate_fault(raw: Any, limits: Limits) -> dict[str, Any]:
    """The ``fault`` object of the execution input (see Fault injection in the contract)."""
    if not limits.fault_injection:
        raise InvalidInputError(
            "fault: fault injection is disabled in this deployment "
            "(enable_fault_injection = true sets FAULT_INJECTION=true)"
        )
    if not isinstance(raw, dict):
        raise InvalidInputError(f"fault: expected an object, got {json_type(raw)}")
    refuse_unknown(raw, FAULT_KINDS, where="fault")
    fault: dict[str, Any] = {}
    for kind, spec in raw.items():
        where = f"fault.{kind}"
        if not isinstance(spec, dict):
            raise InvalidInputError(f"{where}: expected an object, got {json_type(spec)}")
        allowed = ("chunks", *_FAULT_FIELDS.get(kind, ("failures",)))
        refuse_unknown(spec, allowed, where=where)
        chunks = spec.get("chunks")
        if not isinstance(chunks, list) or not chunks:
            raise InvalidInputError(f"{where}.chunks: expected a non-empty array of chunk ids")
        ids = [require_int(c, f"{where}.chunks", 0, limits.max_chunks - 1) for c in chunks]
        entry: dict[str, Any] = {"chunks": sorted(set(ids))}
        if "failures" in allowed:
            entry["failures"] = require_int(spec.get("failures", 1), f"{where}.failures", 1, 100)
        if kind == "slow":
            if "seconds" not in spec:
                raise InvalidInputError(f"{where}.seconds: required (seconds the chunk sleeps)")
            entry["seconds"] = require_int(spec["seconds"], f"{where}.seconds", 1, MAX_SLOW_SECONDS)
        for seconds, most in (("seconds", 900.0), ("delay_seconds", 60.0)):
            if kind in ("overrun", "blocked") and seconds in spec and seconds in allowed:
                entry[seconds] = require_number(spec[seconds], f"{where}.{seconds}", 0.001, most)
        fault[kind] = entry
    return fault
