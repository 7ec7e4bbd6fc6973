from __future__ import annotations

import json
import logging

import pytest

import compute_handler
from fanout.errors import PermanentComputeError
from fanout.logs import JsonFormatter
from tests.support import utf8_reference
from tests.support.fakes import FakeLambdaContext, FakeS3

pytestmark = pytest.mark.unit

RUN = {
    "run_id": "c1",
    "bucket": "fanout-unit-results",
    "workload": "utf8_count",
    "params": {"size": 1024, "chunk_size": 64, "kernel": "fast"},
}


def test_compute_output_follows_the_contract(fake_s3: FakeS3) -> None:
    chunk = {"chunk_id": 15, "start": 960, "stop": 1024}
    out = compute_handler.handler({"run": RUN, "chunk": chunk, "attempt": 0}, FakeLambdaContext())
    expected = utf8_reference.total(1024) - utf8_reference.total(960)
    assert out == {
        "chunk_id": 15,
        "start": 960,
        "stop": 1024,
        "encoding": "hex",
        "value": format(expected, "x"),
    }
    assert fake_s3.puts == []


def test_large_partial_goes_to_s3(fake_s3: FakeS3) -> None:
    run = {**RUN, "params": {"size": 30_000, "chunk_size": 100, "kernel": "fast"}}
    chunk = {"chunk_id": 299, "start": 29_900, "stop": 30_000}
    out = compute_handler.handler({"run": run, "chunk": chunk}, FakeLambdaContext())
    assert out == {
        "chunk_id": 299,
        "start": 29_900,
        "stop": 30_000,
        "encoding": "hex",
        "value_key": "runs/c1/partials/299.json",
    }
    stored = json.loads(fake_s3.text("fanout-unit-results", "runs/c1/partials/299.json"))
    assert int(stored["value"], 16) == utf8_reference.total(30_000) - utf8_reference.total(29_900)
    assert stored["chunk_id"] == 299


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"run": RUN},
        {"run": {**RUN, "workload": "nope"}, "chunk": {"chunk_id": 0, "start": 0, "stop": 1}},
        {"run": RUN, "chunk": {"chunk_id": 0, "start": 5, "stop": 5}},
        {"run": RUN, "chunk": {"chunk_id": True, "start": 0, "stop": 5}},
        {"run": RUN, "chunk": {"chunk_id": 0, "start": 0, "stop": 5}, "attempt": "1"},
    ],
)
def test_malformed_compute_event_is_permanent(fake_s3: FakeS3, event: dict) -> None:
    with pytest.raises(PermanentComputeError, match="malformed compute event"):
        compute_handler.handler(event, FakeLambdaContext())


def test_logs_are_json_records() -> None:
    record = logging.LogRecord(
        "fanout.x", logging.INFO, __file__, 1, "computed %s", ("chunk",), None
    )
    record.chunk_id = 7
    record.aws_request_id = "req-1"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "computed chunk"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "fanout.x"
    assert entry["chunk_id"] == 7
    assert entry["aws_request_id"] == "req-1"
    assert entry["timestamp"].endswith("Z")
