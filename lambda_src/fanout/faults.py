"""Fault injection (docs/architecture.md, "Fault injection"): which fault a compute attempt hits.

Honoured only when the deployment sets FAULT_INJECTION=true; the plan refuses a ``fault``
field otherwise.
"""

from __future__ import annotations

from typing import Any

from fanout.errors import ComputeThrottledError, PermanentComputeError, TransientComputeError

# Seconds slept beyond the function's remaining time by the "timeout" fault.
TIMEOUT_OVERSHOOT_S = 5.0


def injected_fault(fault: dict[str, Any] | None, chunk_id: int, attempt: int) -> str | None:
    """The fault kind this attempt of this chunk suffers, or None.

    ``permanent`` always fails and ``hang`` always hangs; the others fail while
    ``attempt < failures``. ``slow`` is not a failure: see :func:`slow_seconds`.
    """
    if not fault:
        return None
    for kind in ("permanent", "hang"):
        spec = fault.get(kind)
        if spec and chunk_id in spec.get("chunks", ()):
            return kind
    for kind in ("transient", "throttle", "timeout"):
        spec = fault.get(kind)
        if spec and chunk_id in spec.get("chunks", ()) and attempt < int(spec.get("failures", 1)):
            return kind
    return None


def raise_for(kind: str, chunk_id: int, attempt: int) -> None:
    """Raise the named error of an injected fault (not for ``timeout``, which sleeps)."""
    where = f"chunk {chunk_id}, attempt {attempt}"
    if kind == "transient":
        raise TransientComputeError(f"injected transient fault ({where})")
    if kind == "throttle":
        raise ComputeThrottledError(f"injected throttling ({where})")
    if kind == "permanent":
        raise PermanentComputeError(
            f"injected permanent fault ({where}): this chunk never succeeds"
        )
    raise ValueError(f"no error for fault kind {kind!r}")


def slow_seconds(fault: dict[str, Any] | None, chunk_id: int) -> float:
    """Seconds an injected ``slow`` fault adds to this chunk (0 when none): the chunk sleeps
    that long before computing, and the plan counts them when it routes the chunk."""
    slow = (fault or {}).get("slow")
    return float(slow["seconds"]) if slow and chunk_id in slow.get("chunks", ()) else 0.0
