"""Named errors. Step Functions sees the class name as ``errorType`` and the message as cause."""

from __future__ import annotations


class FanoutError(Exception):
    """Base class of every named error raised by the fan-out functions."""


class InvalidInputError(FanoutError):
    """The execution input is invalid; the message names the field and the reason."""


class InputNotAllowedError(InvalidInputError):
    """An item source names a location outside the deployment's allowed input locations."""


class InputNotFoundError(InvalidInputError):
    """An item source's bucket or object does not exist (or cannot be read)."""


class EmptyInputError(InvalidInputError):
    """An item source holds no items: no objects under the prefix, no lines or rows."""


class MalformedInputError(InvalidInputError):
    """An item source's content is malformed; the message names the line or row."""


class InputTooLargeError(InvalidInputError):
    """An item source holds more items than the deployment accepts, or than the plan
    function can list or scan within its timeout."""


class InputChangedError(FanoutError):
    """An input object changed or vanished between planning and computing a chunk."""


# Errors the plan function raises for an execution input it refuses, in the order the
# state machine lists them (its Catch fails the execution with the same name).
PLAN_INPUT_ERRORS = (
    InvalidInputError,
    InputNotAllowedError,
    InputNotFoundError,
    EmptyInputError,
    MalformedInputError,
    InputTooLargeError,
)


class ChunkFailedError(FanoutError):
    """One or more children failed; the message names the chunk ids with error and cause."""


class ChunksMissingError(FanoutError):
    """Planned chunks have no result at all."""


class DuplicateChunkError(FanoutError):
    """A chunk was reported more than once."""


class PendingChunksError(FanoutError):
    """The ResultWriter manifest lists pending results."""


class ResultFormatError(FanoutError):
    """A result file, child record or partial is malformed."""


class TransientComputeError(FanoutError):
    """A transient condition while computing; the state machine retries it."""


class ComputeThrottledError(FanoutError):
    """Throttled by a dependency; the state machine retries it."""


class ComputeDeadlineError(FanoutError):
    """A compute attempt stopped before the function's timeout; the state machine retries it."""


class PermanentComputeError(FanoutError):
    """A chunk that can never succeed."""


# Step Functions truncates causes at 32768 characters; stay well below.
MAX_CAUSE_CHARS = 4000


def abbreviate_ids(ids: list[int], limit: int = MAX_CAUSE_CHARS // 2) -> str:
    """Render sorted integer ids as ranges (``0-9, 12, 20-29``), cut at ``limit`` characters."""
    ordered = sorted(set(ids))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    text = ""
    for n, part in enumerate(parts):
        piece = part if n == 0 else ", " + part
        if len(text) + len(piece) > limit:
            return f"{text}, ... and {len(parts) - n} more ranges ({len(ordered)} ids in all)"
        text += piece
    return text


def truncate_cause(text: str, limit: int = MAX_CAUSE_CHARS) -> str:
    """Cut a cause to ``limit`` characters, saying so."""
    if len(text) <= limit:
        return text
    marker = " ... (truncated)"
    return text[: limit - len(marker)] + marker
