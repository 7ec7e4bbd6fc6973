"""The reducer reads ResultWriter files exactly as AWS writes them.

Every expectation here comes from tests/fixtures/aws (AWS's documented examples and real
ResultWriter files), never from this project's own writer, so the reducer and the unit
tests' fake ResultWriter cannot drift from AWS together.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, cast

import pytest

import reduce_handler
from fanout.errors import ChunkFailedError, DuplicateChunkError, ResultFormatError
from fanout.reconcile import reconcile
from fanout.resultwriter import latest_records, output_of, parse_manifest, parse_result_file
from fanout.types import Chunk
from tests.support import aws_fixtures, utf8_reference
from tests.support.fakes import FakeLambdaContext, FakeS3
from tests.support.pipeline import ChildResult, Pipeline, child_record, write_redriven_result_writer

pytestmark = pytest.mark.unit

# ISO 8601 in UTC with milliseconds, as in every AWS record: 2025-02-04T01:49:50.099Z
AWS_DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _chunks(results: list[ChildResult]) -> list[Chunk]:
    return [cast(Chunk, r.chunk) for r in results]


def _planned(
    pipeline: Pipeline, size: int = 640, chunk_size: int = 64
) -> tuple[Any, list[ChildResult]]:
    plan = pipeline.plan({"size": size, "chunk_size": chunk_size})
    return plan, pipeline.compute_all(plan)


# ------------------------------------------------------------------ shapes against AWS


def test_the_unit_tests_fake_records_have_aws_key_sets_and_types(pipeline: Pipeline) -> None:
    _, results = _planned(pipeline)
    succeeded = child_record(results[0], "run", 0)
    failed = child_record(
        ChildResult(results[1].chunk, results[1].child_input, "FAILED", error="E", cause="C"),
        "run",
        1,
    )
    aws_succeeded = aws_fixtures.load("states/resultwriter_succeeded_record_real")
    aws_failed = aws_fixtures.load("states/resultwriter_failed_record")
    assert list(succeeded) == list(aws_succeeded)
    assert list(failed) == list(aws_failed)
    for ours, theirs in ((succeeded, aws_succeeded), (failed, aws_failed)):
        assert {k: type(v) for k, v in ours.items()} == {k: type(v) for k, v in theirs.items()}
        for record in (ours, theirs):
            assert AWS_DATE.fullmatch(record["StartDate"]), record["StartDate"]
            assert AWS_DATE.fullmatch(record["StopDate"]), record["StopDate"]
    # AWS's documented example has the succeeded record's keys too.
    for documented in aws_fixtures.load("states/resultwriter_succeeded_records"):
        assert list(documented) == list(aws_succeeded)


def test_aws_manifest_is_read_file_by_status() -> None:
    example = aws_fixtures.load("states/resultwriter_manifest")
    manifest = parse_manifest(json.dumps(example), default_bucket="elsewhere")
    assert manifest.bucket == "bodds-dev"
    assert manifest.map_run_arn == example["MapRunArn"]
    assert manifest.files == {
        "FAILED": ["tt-etl-map-results/25bc2fbb-6f60-4c44-876b-3cc9586fc435/FAILED_0.json"],
        "PENDING": [],
        "SUCCEEDED": ["tt-etl-map-results/25bc2fbb-6f60-4c44-876b-3cc9586fc435/SUCCEEDED_0.json"],
    }


def test_aws_documented_records_parse_and_yield_their_output() -> None:
    example = aws_fixtures.load("states/resultwriter_succeeded_records")
    records = parse_result_file(json.dumps(example).encode(), "SUCCEEDED_0.json")
    assert [output_of(r) for r in records] == [
        [
            {"customer_id": "145538", "order_id": "100000"},
            {"customer_id": "898037", "order_id": "100001"},
        ],
        [
            {"customer_id": "169881", "order_id": "100005"},
            {"customer_id": "797471", "order_id": "100006"},
        ],
    ]


def _as_our_child(aws_record: dict[str, Any], child_input: dict[str, Any]) -> dict[str, Any]:
    record = copy.deepcopy(aws_record)
    record["Input"] = json.dumps(child_input)
    return record


def test_a_failed_record_in_aws_shape_fails_the_run_naming_chunk_error_and_cause(
    pipeline: Pipeline,
) -> None:
    plan, results = _planned(pipeline)
    chunks = _chunks(results)
    aws_failed = aws_fixtures.load("states/resultwriter_failed_record")
    records = [("SUCCEEDED", child_record(r, "run", i)) for i, r in enumerate(results) if i != 4]
    records.append(("FAILED", _as_our_child(aws_failed, results[4].child_input)))
    with pytest.raises(ChunkFailedError) as info:
        reconcile(chunks, records)
    assert str(info.value).startswith(
        "1 of 10 chunks failed (chunk ids 4): chunk 4: States.Runtime: An error occurred while "
        "executing the state 'ExceptionHandler'"
    )


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"Output": "", "OutputDetails": {"Included": False}}, "OutputDetails.Included is false"),
        ({"Output": ""}, "its Output is empty"),
        ({"Output": None}, "it has no Output"),
    ],
)
def test_a_succeeded_record_without_its_output_is_refused_by_name(
    pipeline: Pipeline, change: dict[str, Any], why: str
) -> None:
    # AWS writes "Output": "" with OutputDetails.Included false when a record leaves the
    # output out: the chunk's partial is not there, so there is nothing exact to sum.
    plan, results = _planned(pipeline)
    aws_succeeded = aws_fixtures.load("states/resultwriter_succeeded_record_real")
    record = {**_as_our_child(aws_succeeded, results[6].child_input), **change}
    records = [("SUCCEEDED", child_record(r, "run", i)) for i, r in enumerate(results) if i != 6]
    with pytest.raises(ResultFormatError) as info:
        reconcile(_chunks(results), [*records, ("SUCCEEDED", record)])
    assert str(info.value) == (
        f"chunk 6 (execution {aws_succeeded['ExecutionArn']}): ResultWriter's record of this "
        f"succeeded child does not include its output ({why}), so its partial cannot be read"
    )


def test_a_record_without_execution_metadata_is_still_read(pipeline: Pipeline) -> None:
    # AWS documents no record of an EXPRESS child; the reducer needs only Status, Input and
    # Output, so a record carrying nothing else is summed like any other.
    plan, results = _planned(pipeline, size=128)
    records = [
        ("SUCCEEDED", {"Status": "SUCCEEDED", "Output": json.dumps(r.output)}) for r in results
    ]
    outputs = reconcile(_chunks(results), records)
    assert [o["chunk_id"] for o in outputs] == [0, 1]


# ------------------------------------------------------------------------------ redrive


def _redriven(
    pipeline: Pipeline, failing: tuple[int, ...] = (2, 7)
) -> tuple[Any, list[ChildResult], list[ChildResult]]:
    """A run whose first attempt failed ``failing`` and whose redrive computed them."""
    plan, results = _planned(pipeline)
    first: list[ChildResult] = []
    second: list[ChildResult] = []
    for r in results:
        name = f"child-{r.chunk['chunk_id']}"
        if r.chunk["chunk_id"] in failing:
            first.append(
                ChildResult(
                    r.chunk,
                    r.child_input,
                    "FAILED",
                    error="PermanentComputeError",
                    cause="injected",
                    child_name=name,
                )
            )
            second.append(
                ChildResult(r.chunk, r.child_input, "SUCCEEDED", r.output, child_name=name)
            )
            second[-1].redrive_count = 1
        else:
            first.append(
                ChildResult(r.chunk, r.child_input, "SUCCEEDED", r.output, child_name=name)
            )
    return plan, first, second


@pytest.mark.parametrize("stale_failures", [False, True], ids=["as-documented", "stale-failures"])
def test_a_redriven_map_run_is_summed_exactly_once_per_chunk(
    pipeline: Pipeline, fake_s3: FakeS3, stale_failures: bool
) -> None:
    # GIVEN a map run whose chunks 2 and 7 failed, then succeeded when the run was redriven
    plan, first, second = _redriven(pipeline)
    writer = write_redriven_result_writer(
        fake_s3,
        plan["bucket"],
        plan["results_prefix"],
        [first, second],
        stale_failures=stale_failures,
    )
    # WHEN the reducer reads the map run's manifest
    out = reduce_handler.handler({"plan": plan, "result_writer": writer}, FakeLambdaContext())
    # THEN every chunk counts once and the sum is exact
    assert out["total_sum"] == str(utf8_reference.total(640))


def test_latest_attempt_of_a_child_wins_and_others_are_dropped() -> None:
    failed = {"ExecutionArn": "arn:x", "RedriveCount": 0, "Status": "FAILED"}
    redriven = {"ExecutionArn": "arn:x", "RedriveCount": 1, "Status": "SUCCEEDED"}
    other = {"ExecutionArn": "arn:y", "RedriveCount": 0, "Status": "SUCCEEDED"}
    records = [("SUCCEEDED", redriven), ("FAILED", failed), ("SUCCEEDED", other)]
    assert latest_records(records) == [("SUCCEEDED", redriven), ("SUCCEEDED", other)]
    # The same record listed twice (one file named twice) is one record.
    assert latest_records([("SUCCEEDED", other), ("SUCCEEDED", dict(other))]) == [
        ("SUCCEEDED", other)
    ]


def test_contradicting_records_of_one_attempt_are_refused() -> None:
    a = {"ExecutionArn": "arn:x", "RedriveCount": 1, "Status": "FAILED"}
    b = {"ExecutionArn": "arn:x", "RedriveCount": 1, "Status": "SUCCEEDED"}
    with pytest.raises(
        ResultFormatError, match=r"^child arn:x: two different records for redrive attempt 1$"
    ):
        latest_records([("FAILED", a), ("SUCCEEDED", b)])


def test_two_children_reporting_one_chunk_are_still_refused_after_a_redrive(
    pipeline: Pipeline, fake_s3: FakeS3
) -> None:
    plan, first, second = _redriven(pipeline)
    # A different child execution (its own ARN) also reports chunk 2.
    extra = ChildResult(
        second[0].chunk, second[0].child_input, "SUCCEEDED", second[0].output, child_name="x"
    )
    writer = write_redriven_result_writer(
        fake_s3, plan["bucket"], plan["results_prefix"], [first, [*second, extra]]
    )
    with pytest.raises(DuplicateChunkError, match=r"^1 chunks reported more than once: 2$"):
        reduce_handler.handler({"plan": plan, "result_writer": writer}, FakeLambdaContext())
