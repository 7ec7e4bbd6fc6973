"""Fault injection (docs/architecture.md, "Fault injection"): which fault a compute attempt hits.

Honoured only when the deployment sets FAULT_INJECTION=true; the plan refuses a ``fault``
field otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from fanout import s3io
from fanout.deadline import Deadline
from fanout.errors import ComputeThrottledError, PermanentComputeError, TransientComputeError

# Seconds slept beyond the function's remaining time by the "timeout" fault.
TIMEOUT_OVERSHOOT_S = 5.0
# Extra seconds an "overrun" attempt spends, unless the fault says otherwise, in steps of
# OVERRUN_STEP_S each checking the deadline (as a kernel checks it between items).
DEFAULT_OVERRUN_S = 60.0
OVERRUN_STEP_S = 1.0


def injected_fault(fault: dict[str, Any] | None, chunk_id: int, attempt: int) -> str | None:
    """The fault kind this attempt of this chunk suffers, or None.

    ``permanent`` always fails, ``hang`` always hangs and ``blocked`` fails until the run is
    unblocked (see :func:`unblocked`); the others fail while ``attempt < failures``.
    ``slow`` is not a failure: see :func:`slow_seconds`.
    """
    if not fault:
        return None
    for kind in ("permanent", "hang", "blocked"):
        spec = fault.get(kind)
        if spec and chunk_id in spec.get("chunks", ()):
            return kind
    for kind in ("transient", "throttle", "timeout", "overrun"):
        spec = fault.get(kind)
        if spec and chunk_id in spec.get("chunks", ()) and attempt < int(spec.get("failures", 1)):
            return kind
    return None


def overrun(fault: dict[str, Any], deadline: Deadline, sleep: Callable[[float], None]) -> None:
    """The ``overrun`` fault: spend the fault's ``seconds`` before computing, in 1 s steps that
    check the deadline, so the attempt stops with ComputeDeadlineError when they outlast it."""
    seconds = float(fault["overrun"].get("seconds", DEFAULT_OVERRUN_S))
    steps = math.ceil(seconds / OVERRUN_STEP_S)
    for done in range(steps):
        deadline.check(done, steps)
        sleep(min(OVERRUN_STEP_S, seconds - done * OVERRUN_STEP_S))


def blocked_delay_seconds(fault: dict[str, Any]) -> float:
    """How long a ``blocked`` chunk works before it fails (default 0): time for the other
    children of the map run to finish first."""
    return float(fault["blocked"].get("delay_seconds", 0))


def unblocked(s3: Any, bucket: str, run_id: str) -> bool:
    """Whether the ``blocked`` fault of a run has been cleared: an object exists at
    ``runs/<run_id>/faults/unblock``. Anything else (no such key, or access denied, which is
    what S3 answers for a missing key to a role without s3:ListBucket) means still blocked."""
    try:
        s3.get_object(Bucket=bucket, Key=s3io.unblock_key(run_id))
    except ClientError:
        return False
    return True


def raise_for(kind: str, chunk_id: int, attempt: int) -> None:
    """Raise the named error of an injected fault (not for ``timeout`` or ``overrun``)."""
    where = f"chunk {chunk_id}, attempt {attempt}"
    if kind == "transient":
        raise TransientComputeError(f"injected transient fault ({where})")
    if kind == "throttle":
        raise ComputeThrottledError(f"injected throttling ({where})")
    if kind == "permanent":
        raise PermanentComputeError(
            f"injected permanent fault ({where}): this chunk never succeeds"
        )
    if kind == "blocked":
        raise PermanentComputeError(
            f"injected blocked fault ({where}): this chunk fails until the run is unblocked"
        )
    raise ValueError(f"no error for fault kind {kind!r}")


def slow_seconds(fault: dict[str, Any] | None, chunk_id: int) -> float:
    """Seconds an injected ``slow`` fault adds to this chunk (0 when none): the chunk sleeps
    that long before computing, and the plan counts them when it routes the chunk."""
    slow = (fault or {}).get("slow")
    return float(slow["seconds"]) if slow and chunk_id in slow.get("chunks", ()) else 0.0
