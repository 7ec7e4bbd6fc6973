"""Fetching a run's full result from S3 and checking it against its summary."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TextIO

from fanout_cli.exit_codes import EXIT_FAILED, EXIT_OK

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


def download_result(
    s3: Any,
    bucket: str,
    key: str,
    summary: dict[str, Any],
    output: str | None,
    stdout: IO[bytes],
    err: TextIO,
) -> int:
    """Download to ``output`` (or ``stdout``) only once the sha256 matches the summary."""
    uri = f"s3://{bucket}/{key}"
    if output and output != "-":
        target = Path(output)
        partial = target.with_name(target.name + ".part")
        try:
            with partial.open("wb") as dest:
                got = fetch_result(s3, bucket, key, dest)
            check(got, summary)
        except ResultMismatchError as exc:
            partial.unlink(missing_ok=True)
            print(f"{uri} does not match its summary: {exc}", file=err)
            return EXIT_FAILED
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(target)
        _report(got, uri, str(target), err)
        return EXIT_OK
    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
        got = fetch_result(s3, bucket, key, spool)
        try:
            check(got, summary)
        except ResultMismatchError as exc:
            print(f"{uri} does not match its summary: {exc}", file=err)
            return EXIT_FAILED
        spool.seek(0)
        shutil.copyfileobj(spool, stdout)
        stdout.flush()
    _report(got, uri, "stdout", err)
    return EXIT_OK


def _report(got: Downloaded, uri: str, where: str, err: TextIO) -> None:
    print(f"{got.digits:,} digits from {uri} to {where}; sha256 {got.sha256} verified", file=err)
