"""Unit-test fixtures: a fake S3 wired into the handlers, the Lambda environment, and a
switch that forces the pure-Python big-integer path."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fanout import bigint, s3io
from tests.support.fakes import FakeS3
from tests.support.pipeline import Pipeline

BUCKET = "fanout-unit-results"


@pytest.fixture
def lambda_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESULTS_BUCKET", BUCKET)
    monkeypatch.setenv("LOG_LEVEL", "WARNING")
    monkeypatch.setenv("MAX_SIZE", "1000000")
    monkeypatch.setenv("MAX_CHUNK_SIZE", "100000")
    monkeypatch.setenv("MAX_CHUNKS", "10000")
    monkeypatch.setenv("DEFAULT_WORKLOAD", "utf8_count")
    monkeypatch.delenv("FAULT_INJECTION", raising=False)


@pytest.fixture
def fake_s3(monkeypatch: pytest.MonkeyPatch, lambda_env: None) -> Iterator[FakeS3]:
    s3 = FakeS3()
    monkeypatch.setattr(s3io, "_client", s3)
    yield s3


@pytest.fixture
def pipeline(fake_s3: FakeS3) -> Pipeline:
    return Pipeline(s3=fake_s3, bucket=BUCKET)


@pytest.fixture(params=["gmpy2", "python"])
def bigint_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Runs a test with gmpy2 (when installed) and again with plain Python ints."""
    if request.param == "python":
        monkeypatch.setattr(bigint, "_gmpy2", None)
    elif not bigint.have_gmpy2():
        pytest.skip("gmpy2 is not installed")
    assert bigint.backend() == request.param
    return request.param
