"""fanout result: download from a fake S3, verified against the summary's sha256."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest

from fanout_cli import awsconfig
from fanout_cli import main as cli
from fanout_cli.download import (
    Downloaded,
    ResultMismatchError,
    check,
    copy_and_hash,
    download_result,
)

pytestmark = pytest.mark.unit

TEXT = b"12345678901234567890"
SHA = hashlib.sha256(TEXT).hexdigest()
BUCKET = "results"
KEY = "runs/run-1/result.txt"
EXEC = "arn:aws:states:us-east-1:123456789012:execution:fanout:run-1"


class FakeS3:
    def __init__(self, objects: dict[tuple[str, str], bytes]) -> None:
        self.objects = objects
        self.gets: list[tuple[str, str]] = []

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        self.gets.append((Bucket, Key))
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)])}


class FakeStepFunctions:
    def __init__(self, output: dict[str, Any], status: str = "SUCCEEDED") -> None:
        self.output = output
        self.status = status

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        assert executionArn == EXEC
        return {"executionArn": EXEC, "status": self.status, "output": json.dumps(self.output)}


def summary(sha: str = SHA, digits: int = 20) -> dict[str, Any]:
    return {"digits": digits, "sha256": sha, "result_s3_uri": f"s3://{BUCKET}/{KEY}"}


def test_copy_hashes_and_counts_digits() -> None:
    dest = io.BytesIO()
    got = copy_and_hash(io.BytesIO(TEXT), dest)
    assert got == Downloaded(sha256=SHA, size_bytes=20, digits=20, non_digits=0)
    assert dest.getvalue() == TEXT


def test_check_refuses_mismatches() -> None:
    good = Downloaded(SHA, 20, 20, 0)
    check(good, summary())
    with pytest.raises(ResultMismatchError, match="sha256"):
        check(good, summary(sha="0" * 64))
    with pytest.raises(ResultMismatchError, match="20 digits != summary 19"):
        check(good, summary(digits=19))
    with pytest.raises(ResultMismatchError, match="no sha256"):
        check(good, {"digits": 20})
    with pytest.raises(ResultMismatchError, match="not decimal digits"):
        check(Downloaded(SHA, 21, 20, 1), summary())


def test_download_to_file_when_sha256_matches(tmp_path: Path) -> None:
    s3 = FakeS3({(BUCKET, KEY): TEXT})
    target = tmp_path / "result.txt"
    err = io.StringIO()
    code = download_result(s3, BUCKET, KEY, summary(), str(target), io.BytesIO(), err)
    assert code == 0
    assert target.read_bytes() == TEXT
    assert not (tmp_path / "result.txt.part").exists()
    assert f"20 digits from s3://{BUCKET}/{KEY}" in err.getvalue()
    assert SHA in err.getvalue()


def test_download_refuses_a_corrupted_result(tmp_path: Path) -> None:
    s3 = FakeS3({(BUCKET, KEY): TEXT[:-1] + b"1"})  # last digit changed
    target = tmp_path / "result.txt"
    err = io.StringIO()
    code = download_result(s3, BUCKET, KEY, summary(), str(target), io.BytesIO(), err)
    assert code == 1
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
    assert "does not match its summary" in err.getvalue()


def test_download_to_stdout_only_after_verifying() -> None:
    s3 = FakeS3({(BUCKET, KEY): TEXT})
    stdout = io.BytesIO()
    assert download_result(s3, BUCKET, KEY, summary(), None, stdout, io.StringIO()) == 0
    assert stdout.getvalue() == TEXT
    bad = io.BytesIO()
    assert download_result(s3, BUCKET, KEY, summary(sha="0" * 64), "-", bad, io.StringIO()) == 1
    assert bad.getvalue() == b""


def test_result_command_reads_the_uri_from_the_execution_output(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    s3 = FakeS3({(BUCKET, KEY): TEXT})
    sfn = FakeStepFunctions(summary())
    clients = {"s3": s3, "stepfunctions": sfn}
    monkeypatch.setattr(awsconfig, "aws_client", lambda service, a, arn: clients[service])
    target = tmp_path / "n.txt"
    assert cli.main(["result", EXEC, "-o", str(target)]) == 0
    assert s3.gets == [(BUCKET, KEY)]
    assert target.read_bytes() == TEXT


def test_result_command_on_a_failed_execution(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sfn = FakeStepFunctions({}, status="FAILED")
    monkeypatch.setattr(awsconfig, "aws_client", lambda service, a, arn: sfn)
    assert cli.main(["result", EXEC]) == 1
    assert "is FAILED" in capsys.readouterr().err
