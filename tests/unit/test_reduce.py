"""The reducer: exact totals from AWS-format ResultWriter output, and reconciliation."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any

import pytest

import reduce_handler
from fanout.errors import (
    ChunkFailedError,
    ChunksMissingError,
    DuplicateChunkError,
    PendingChunksError,
    ResultFormatError,
)
from fanout.workloads import utf8_count
from tests.support import utf8_reference
from tests.support.fakes import FakeLambdaContext, FakeS3
from tests.support.pipeline import ChildResult, Pipeline, write_result_writer

pytestmark = pytest.mark.unit


def reduce(
    pipeline: Pipeline, plan: dict[str, Any], results: list[ChildResult], **kw: Any
) -> dict[str, Any]:
    return pipeline.reduce(plan, results, **kw)


def test_reducer_computes_t1024_exactly(pipeline: Pipeline, fake_s3: FakeS3) -> None:
    # GIVEN real compute outputs for size 1024 written as ResultWriter files (5 per file)
    plan = pipeline.plan({"size": 1024}, name="t1024")
    results = pipeline.compute_all(plan)
    assert len(results) == 16
    # WHEN reduced
    out = pipeline.reduce(plan, results, per_file=5)
    # THEN the total is T(1024), exactly, in the summary, result.txt and summary.json
    expected = str(utf8_reference.total(1024))
    assert len(expected) == 2206
    assert out == {
        "verdict": "OK",
        "run_id": "t1024",
        "workload": "utf8_count",
        "size": 1024,
        "chunk_count": 16,
        "digits": 2206,
        "sha256": hashlib.sha256(expected.encode()).hexdigest(),
        "total_sum": expected,
        "result_s3_uri": "s3://fanout-unit-results/runs/t1024/result.txt",
        "result_sha256": hashlib.sha256(expected.encode()).hexdigest(),
    }
    assert fake_s3.text("fanout-unit-results", "runs/t1024/result.txt") == expected
    stored = json.loads(fake_s3.text("fanout-unit-results", "runs/t1024/summary.json"))
    assert stored == out
    manifests = [k for k in fake_s3.keys("fanout-unit-results") if k.endswith("manifest.json")]
    assert len(manifests) == 1 and manifests[0].startswith("runs/t1024/results/")
    assert len([k for k in fake_s3.keys("fanout-unit-results") if "SUCCEEDED_" in k]) == 4


def test_result_files_in_any_order(pipeline: Pipeline) -> None:
    plan = pipeline.plan({"size": 200, "chunk_size": 7})
    results = list(reversed(pipeline.compute_all(plan)))
    out = pipeline.reduce(plan, results, per_file=3)
    assert out["total_sum"] == str(utf8_reference.total(200))


def test_large_partials_travel_through_s3(pipeline: Pipeline, fake_s3: FakeS3) -> None:
    # f(i) near i = 20000 has ~44000 digits: both partials exceed 32 KiB of hex.
    plan = pipeline.plan({"size": 40_000, "chunk_size": 20_000}, name="big")
    results = pipeline.compute_all(plan)
    outputs = [r.output for r in results]
    assert all(o is not None and "value_key" in o and "value" not in o for o in outputs)
    assert [o["value_key"] for o in outputs if o] == [
        "runs/big/partials/0.json",
        "runs/big/partials/1.json",
    ]
    out = pipeline.reduce(plan, results)
    expected = utf8_reference.decimal(utf8_reference.total(40_000))
    assert out["digits"] == len(expected)
    assert out["sha256"] == hashlib.sha256(expected.encode()).hexdigest()
    assert fake_s3.text("fanout-unit-results", "runs/big/result.txt") == expected


def test_partials_in_s3_are_read_concurrently_and_the_total_stays_exact(
    pipeline: Pipeline, fake_s3: FakeS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a run whose later chunks keep their partials in S3, and an S3 whose reads of
    # partials take a while (as over a network)
    plan = pipeline.plan({"size": 40_000, "chunk_size": 5000}, name="slow")
    results = pipeline.compute_all(plan)
    assert sum(1 for r in results if r.output and "value_key" in r.output) >= 4
    lock, in_flight, most = threading.Lock(), [0], [0]
    read = fake_s3.get_object

    def slow_read(**kw: Any) -> dict[str, Any]:
        if "/partials/" not in kw["Key"]:
            return read(**kw)
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.05)
        with lock:
            in_flight[0] -= 1
        return read(**kw)

    monkeypatch.setattr(fake_s3, "get_object", slow_read)
    # WHEN reduced
    out = pipeline.reduce(plan, results)
    # THEN several partials were read at once, and the total is still exact
    assert most[0] > 1
    expected = utf8_reference.decimal(utf8_reference.total(40_000))
    assert out["sha256"] == hashlib.sha256(expected.encode()).hexdigest()


def test_total_sum_left_out_past_the_digit_limit(
    pipeline: Pipeline, fake_s3: FakeS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(utf8_count, "TOTAL_SUM_MAX_DIGITS", 2205)
    plan = pipeline.plan({"size": 1024}, name="nosum")
    out = pipeline.reduce(plan, pipeline.compute_all(plan))
    assert "total_sum" not in out
    assert out["digits"] == 2206
    assert fake_s3.text("fanout-unit-results", "runs/nosum/result.txt") == str(
        utf8_reference.total(1024)
    )


def _planned(
    pipeline: Pipeline, size: int = 640, chunk_size: int = 64
) -> tuple[dict[str, Any], list[ChildResult]]:
    plan = pipeline.plan({"size": size, "chunk_size": chunk_size})
    return plan, pipeline.compute_all(plan)


def test_missing_chunks_are_named(pipeline: Pipeline) -> None:
    plan, results = _planned(pipeline)
    kept = [r for r in results if r.chunk["chunk_id"] not in (2, 3, 4, 7)]
    with pytest.raises(
        ChunksMissingError, match=r"^4 of 10 planned chunks have no result: 2-4, 7$"
    ):
        pipeline.reduce(plan, kept)


def test_many_missing_chunks_are_abbreviated(pipeline: Pipeline) -> None:
    plan = pipeline.plan({"size": 5000, "chunk_size": 1})
    kept = []
    for n in range(0, 5000, 2):  # every odd chunk missing (outputs crafted: values unused)
        chunk = {"chunk_id": n, "start": n, "stop": n + 1}
        output = {**chunk, "encoding": "hex", "value": "1"}
        kept.append(ChildResult(chunk, {"run": plan["run"], "chunk": chunk}, "SUCCEEDED", output))
    with pytest.raises(ChunksMissingError) as info:
        pipeline.reduce(plan, kept)
    cause = str(info.value)
    assert cause.startswith("2500 of 5000 planned chunks have no result: 1, 3, 5,")
    assert "more ranges (2500 ids in all)" in cause
    assert len(cause) < 4100


def test_empty_manifest_means_every_chunk_missing(pipeline: Pipeline, fake_s3: FakeS3) -> None:
    plan, _ = _planned(pipeline)
    key = f"{plan['results_prefix']}/x/manifest.json"
    fake_s3.put_object(Bucket=plan["bucket"], Key=key, Body=b"{}")
    event = {"plan": plan, "result_writer": {"Bucket": plan["bucket"], "Key": key}}
    with pytest.raises(ChunksMissingError, match=r"10 of 10 planned chunks have no result: 0-9"):
        reduce_handler.handler(event, FakeLambdaContext())


def test_duplicate_chunk_is_refused(pipeline: Pipeline) -> None:
    plan, results = _planned(pipeline)
    with pytest.raises(DuplicateChunkError, match=r"^1 chunks reported more than once: 5$"):
        pipeline.reduce(plan, results + [results[5]])


def test_failed_chunks_are_named_with_error_and_cause(pipeline: Pipeline) -> None:
    plan, results = _planned(pipeline)
    for n in (1, 6):
        r = results[n]
        results[n] = ChildResult(
            r.chunk, r.child_input, "FAILED", error="States.Timeout", cause=f"child {n} timed out"
        )
    with pytest.raises(ChunkFailedError) as info:
        pipeline.reduce(plan, results)
    assert str(info.value) == (
        "2 of 10 chunks failed (chunk ids 1, 6): chunk 1: States.Timeout: child 1 timed out; "
        "chunk 6: States.Timeout: child 6 timed out"
    )


def test_pending_results_are_refused(pipeline: Pipeline) -> None:
    plan, results = _planned(pipeline)
    pending = [ChildResult(results[9].chunk, results[9].child_input, "PENDING")]
    with pytest.raises(PendingChunksError, match=r"pending results \(1 children, chunk ids 9;"):
        pipeline.reduce(plan, results[:9], pending=pending)


def test_succeeded_child_with_null_output_is_a_format_error(pipeline: Pipeline) -> None:
    plan, results = _planned(pipeline)
    results[4].output = None
    with pytest.raises(ResultFormatError, match=r"^chunk 4: succeeded child has no compute output"):
        pipeline.reduce(plan, results)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": 1}, r"^chunk 3: result covers \[1, 256\) but the plan says \[192, 256\)$"),
        ({"chunk_id": 99}, r"^chunk 99: not a planned chunk$"),
        ({"chunk_id": "3"}, r"without an integer chunk_id"),
        ({"value": "not-hex"}, r"^chunk 3: value is not a lower-case hex integer$"),
        ({"encoding": "json"}, r"^chunk 3: encoding 'json', the workload uses 'hex'$"),
    ],
)
def test_malformed_outputs_are_refused(
    pipeline: Pipeline, change: dict[str, Any], message: str
) -> None:
    plan, results = _planned(pipeline)
    assert results[3].output is not None
    results[3].output = {**results[3].output, **change}
    with pytest.raises(ResultFormatError, match=message):
        pipeline.reduce(plan, results)


def test_value_key_pointing_at_another_chunk_is_refused(
    pipeline: Pipeline, fake_s3: FakeS3
) -> None:
    plan, results = _planned(pipeline)
    fake_s3.put_object(
        Bucket=plan["bucket"],
        Key="runs/x/partials/0.json",
        Body=json.dumps({"chunk_id": 0, "value": "1"}),
    )
    out = dict(results[3].output or {})
    del out["value"]
    out["value_key"] = "runs/x/partials/0.json"
    results[3].output = out
    with pytest.raises(ResultFormatError, match=r"^chunk 3: partial runs/x/partials/0.json is not"):
        pipeline.reduce(plan, results)


def test_unparseable_result_file_is_a_format_error(pipeline: Pipeline, fake_s3: FakeS3) -> None:
    plan, results = _planned(pipeline)
    writer = write_result_writer(fake_s3, plan["bucket"], plan["results_prefix"], results)
    manifest = json.loads(fake_s3.text(writer["Bucket"], writer["Key"]))
    bad_key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
    fake_s3.put_object(Bucket=plan["bucket"], Key=bad_key, Body=b"[{not json")
    with pytest.raises(ResultFormatError, match="not a JSON array or JSON Lines"):
        reduce_handler.handler({"plan": plan, "result_writer": writer}, FakeLambdaContext())


def test_json_lines_result_files_are_read(pipeline: Pipeline, fake_s3: FakeS3) -> None:
    # ResultWriter with OutputType JSONL writes one child record per line.
    plan, results = _planned(pipeline)
    writer = write_result_writer(fake_s3, plan["bucket"], plan["results_prefix"], results)
    manifest = json.loads(fake_s3.text(writer["Bucket"], writer["Key"]))
    key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
    records = json.loads(fake_s3.text(plan["bucket"], key))
    fake_s3.put_object(
        Bucket=plan["bucket"], Key=key, Body="\n".join(json.dumps(r) for r in records)
    )
    out = reduce_handler.handler({"plan": plan, "result_writer": writer}, FakeLambdaContext())
    assert out["total_sum"] == str(utf8_reference.total(640))
