"""Fetching a run's full result from S3 and checking it against its summary."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO, Any

READ_BLOCK = 1 << 20
DIGITS = b"0123456789"


class ResultMismatchError(Exception):
    """The downloaded result is not the one the summary describes."""


@dataclass(frozen=True)
class Downloaded:
    sha256: str
    size_bytes: int
    digits: int
    non_digits: int  # bytes other than 0-9 (a leading '-' counts here)


def copy_and_hash(body: Any, dest: IO[bytes]) -> Downloaded:
    """Copy a readable body (S3 StreamingBody or any file) to ``dest``, hashing and counting."""
    digest = hashlib.sha256()
    size = digits = 0
    while True:
        block = body.read(READ_BLOCK)
        if not block:
            break
        digest.update(block)
        dest.write(block)
        size += len(block)
        digits += len(block) - len(block.translate(None, DIGITS))
    return Downloaded(digest.hexdigest(), size, digits, size - digits)


def check(got: Downloaded, summary: dict[str, Any]) -> None:
    """Raise ResultMismatchError unless ``got`` matches the summary's sha256 and digits."""
    problems = []
    want_sha = summary.get("sha256")
    if not want_sha:
        problems.append("the execution output has no sha256 to check against")
    elif got.sha256 != want_sha:
        problems.append(f"sha256 {got.sha256} != summary {want_sha}")
    want_digits = summary.get("digits")
    if isinstance(want_digits, int) and got.digits != want_digits:
        problems.append(f"{got.digits} digits != summary {want_digits}")
    if got.non_digits:
        problems.append(f"{got.non_digits} bytes are not decimal digits")
    if problems:
        raise ResultMismatchError("; ".join(problems))


def fetch_result(s3: Any, bucket: str, key: str, dest: IO[bytes]) -> Downloaded:
    response = s3.get_object(Bucket=bucket, Key=key)
    body = response["Body"]
    try:
        return copy_and_hash(body, dest)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
