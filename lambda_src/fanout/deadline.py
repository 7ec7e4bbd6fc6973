"""The time a compute attempt may use: the function's remaining time less a safety margin.

A workload calls ``deadline.check()`` between items. Past the deadline it raises
ComputeDeadlineError, a named error the state machine retries, while there is still time
to return it: the attempt never reaches Lambda's hard timeout, whose report on AWS is not
``Sandbox.Timedout`` but ``Lambda.Unknown`` ("Task timed out after N.NN seconds", see
tests/fixtures/aws/states/lambda_unknown_invocation_timeout.json).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from fanout.errors import ComputeDeadlineError

# Left for encoding the partial, writing it to S3 and returning: at least this, or this
# fraction of the time the attempt had, whichever is larger.
MIN_MARGIN_S = 1.0
MARGIN_FRACTION = 0.05


class Deadline:
    """When the attempt must stop computing; ``check`` raises ComputeDeadlineError after it."""

    def __init__(
        self, remaining_s: float, where: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.budget_s = remaining_s
        self.margin_s = max(MIN_MARGIN_S, MARGIN_FRACTION * remaining_s)
        self.where = where
        self._clock = clock
        self._at = clock() + remaining_s - self.margin_s

    def left_s(self) -> float:
        return self._at - self._clock()

    def check(self, done: int | None = None, of: int | None = None) -> None:
        """Raise ComputeDeadlineError once the deadline has passed (``done`` of ``of`` items
        finished, for the message)."""
        if self._clock() < self._at:
            return
        progress = f" after {done} of {of} items" if done is not None and of is not None else ""
        raise ComputeDeadlineError(
            f"{self.where}: stopped{progress}, {self.margin_s:.1f} s before the function's "
            f"timeout ({self.budget_s:.1f} s were left when it started); it is retried. If it "
            "keeps happening, raise compute_timeout or lower chunk_size"
        )


def unlimited() -> Deadline:
    """A deadline that does not pass in practice (for callers outside Lambda)."""
    return Deadline(1e12, "unlimited")
