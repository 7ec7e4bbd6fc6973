"""Runs over item sources through the real handlers (in-process, fake S3): s3_digest and
utf8_sweep checked exactly against independent local computations, and every bad input
refused with its named error before anything is written."""

from __future__ import annotations

import hashlib
import io
import json
import random
from typing import Any

import pytest

import plan_handler
from fanout import errors
from tests.support import utf8_reference
from tests.support.fakes import FakeLambdaContext, FakeS3
from tests.support.pipeline import Pipeline
from tests.unit.conftest import BUCKET

pytestmark = pytest.mark.unit

INPUTS = "unit-inputs"
ALLOWED = [f"s3://{INPUTS}/allowed/", "s3://missing-bucket/"]


@pytest.fixture
def inputs(monkeypatch: pytest.MonkeyPatch, fake_s3: FakeS3) -> FakeS3:
    monkeypatch.setenv("ALLOWED_INPUT_LOCATIONS", json.dumps(ALLOWED))
    fake_s3.create_bucket(Bucket=INPUTS)
    fake_s3.page_size = 97  # several ListObjectsV2 pages
    return fake_s3


def put(s3: FakeS3, key: str, data: bytes | str) -> None:
    s3.put_object(Bucket=INPUTS, Key=key, Body=data)


def local_digest(objects: dict[str, bytes]) -> list[dict[str, Any]]:
    """The manifest computed apart from the workload: readlines counts lines the way the
    workload defines them (a last line without a newline counts)."""
    return [
        {
            "key": key,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "lines": len(io.BytesIO(data).readlines()),
        }
        for key, data in sorted(objects.items(), key=lambda kv: kv[0].encode())
    ]


def test_s3_digest_matches_a_local_computation(inputs: FakeS3, pipeline: Pipeline) -> None:
    # GIVEN objects of every kind: empty, with and without a last newline, binary, keys that
    # sort differently as UTF-8 bytes than as text, and a folder marker (not an object)
    rng = random.Random(11)
    objects = {
        f"allowed/data/{n:05d}.txt": b"".join(
            rng.choice([b"x", b"yz", b"\n", b"\x00\xff"]) for _ in range(rng.randrange(0, 300))
        )
        for n in range(1200)
    }
    objects["allowed/data/empty"] = b""
    objects["allowed/data/\u00e9t\u00e9.csv"] = "caf\u00e9\n".encode()
    objects["allowed/data/\U0001f600.bin"] = b"no newline"
    objects["allowed/data/Zebra"] = b"1\n2\n"
    for key, data in objects.items():
        put(inputs, key, data)
    put(inputs, "allowed/data/folder/", b"")
    put(inputs, "allowed/other/not-listed.txt", b"outside the prefix\n")

    # WHEN the prefix is digested
    plan = pipeline.plan(
        {"workload": "s3_digest", "items": {"s3_prefix": f"s3://{INPUTS}/allowed/data/"}}
    )
    out = pipeline.reduce(plan, pipeline.compute_all(plan))

    # THEN the manifest (result.txt) and the totals are exactly the local computation
    expected = local_digest(objects)
    manifest = inputs.text(BUCKET, f"runs/{out['run_id']}/result.txt")
    assert [json.loads(line) for line in manifest.splitlines()] == expected
    assert out["objects"] == len(objects) == out["size"]
    assert out["bytes"] == sum(len(d) for d in objects.values())
    assert out["lines"] == sum(e["lines"] for e in expected)
    assert out["manifest_sha256"] == hashlib.sha256(manifest.encode()).hexdigest()
    assert out["chunk_count"] == plan["chunk_count"] == 5  # 250 objects a chunk


def sweep_row(row: int, source: Any, n: int) -> dict[str, Any]:
    text = utf8_reference.decimal(utf8_reference.total(n))
    return {
        "row": row,
        "input": source,
        "size": n,
        "digits": len(text),
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
    }


SIZES = [1, 2, 3, 4, 5, 64, 1000, 2048, 7, 999, 4096, 12, 300] * 3


def result_rows(s3: FakeS3, out: dict[str, Any]) -> list[dict[str, Any]]:
    text = s3.text(BUCKET, f"runs/{out['run_id']}/result.txt")
    assert out["results_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    return [json.loads(line) for line in text.splitlines()]


def test_utf8_sweep_over_jsonl_gives_one_row_per_line_in_order(
    inputs: FakeS3, pipeline: Pipeline
) -> None:
    rows = [{"size": n, "label": f"case {i}"} for i, n in enumerate(SIZES)]
    put(inputs, "allowed/sweep.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    out = pipeline.run(
        {
            "workload": "utf8_sweep",
            "chunk_size": 4,
            "items": {"jsonl": f"s3://{INPUTS}/allowed/sweep.jsonl"},
        }
    )
    assert out["verdict"] == "OK" and out["rows"] == len(rows) and out["chunk_count"] == 10
    expected = [sweep_row(i + 1, r, n) for i, (r, n) in enumerate(zip(rows, SIZES, strict=True))]
    assert result_rows(inputs, out) == expected


@pytest.mark.parametrize("header", [True, False])
def test_utf8_sweep_over_csv_with_and_without_header(
    inputs: FakeS3, pipeline: Pipeline, header: bool
) -> None:
    lines = ["size,label"] if header else []
    lines += [f'{n},"row ""{i}"",\nsplit"' for i, n in enumerate(SIZES)]
    put(inputs, "allowed/sweep.csv", "\r\n".join(lines) + "\r\n")
    source = {"csv": f"s3://{INPUTS}/allowed/sweep.csv", "header": header}
    out = pipeline.run({"workload": "utf8_sweep", "chunk_size": 5, "items": source})
    labels = [f'row "{i}",\nsplit' for i in range(len(SIZES))]
    expected = [
        sweep_row(i + 1, {"size": str(n), "label": lab} if header else [str(n), lab], n)
        for i, (n, lab) in enumerate(zip(SIZES, labels, strict=True))
    ]
    assert result_rows(inputs, out) == expected


def plan_refused(execution_input: Any, s3: FakeS3, error: type[Exception]) -> str:
    """The plan's message refusing an input; checks the error's exact class and that
    nothing was written to the results bucket."""
    with pytest.raises(error) as err:
        plan_handler.handler(
            {"execution_name": "refused", "input": execution_input}, FakeLambdaContext()
        )
    assert type(err.value) is error
    assert [k for b, k in s3.puts if b == BUCKET] == []
    return str(err.value)


BAD = f"s3://{INPUTS}/allowed/bad"


@pytest.mark.parametrize(
    ("content", "items_field", "error", "message"),
    [
        pytest.param(
            None,
            {"s3_prefix": "s3://missing-bucket/data/"},
            errors.InputNotFoundError,
            "s3://missing-bucket/data/: bucket missing-bucket does not exist",
            id="missing-bucket",
        ),
        pytest.param(
            None,
            {"jsonl": f"{BAD}/nothing.jsonl"},
            errors.InputNotFoundError,
            f"{BAD}/nothing.jsonl: no such object",
            id="missing-key",
        ),
        pytest.param(
            None,
            {"s3_prefix": f"{BAD}/empty/"},
            errors.EmptyInputError,
            f"{BAD}/empty/: no objects under this prefix",
            id="empty-prefix",
        ),
        pytest.param(
            b"\n\n",
            {"jsonl": f"{BAD}/blank.jsonl"},
            errors.EmptyInputError,
            f"{BAD}/blank.jsonl: no lines",
            id="blank-jsonl",
        ),
        pytest.param(
            b'{"size": 1}\n{"size": 2\n',
            {"jsonl": f"{BAD}/broken.jsonl"},
            errors.MalformedInputError,
            f"{BAD}/broken.jsonl: line 2 is not valid JSON",
            id="malformed-jsonl-line",
        ),
        pytest.param(
            b"size,label\n1,a\n2,b\n3\n",
            {"csv": f"{BAD}/narrow.csv"},
            errors.MalformedInputError,
            f"{BAD}/narrow.csv: row 3 (line 4) has 1 fields, expected 2",
            id="csv-row-fields",
        ),
        pytest.param(
            b"size\n",
            {"csv": f"{BAD}/header-only.csv"},
            errors.EmptyInputError,
            f"{BAD}/header-only.csv: no rows",
            id="csv-header-only",
        ),
        pytest.param(
            b'{"size": 1}\n{"size": 0}\n',
            {"jsonl": f"{BAD}/zero.jsonl"},
            errors.MalformedInputError,
            f"{BAD}/zero.jsonl: line 2: size must be an integer from 1 to 100000, got 0",
            id="row-refused-by-the-workload",
        ),
        pytest.param(
            None,
            {"jsonl": f"s3://{INPUTS}/elsewhere/p.jsonl"},
            errors.InputNotAllowedError,
            f"items.jsonl: s3://{INPUTS}/elsewhere/p.jsonl is outside the allowed input locations",
            id="outside-allowed",
        ),
    ],
)
def test_bad_item_sources_fail_named_and_write_nothing(
    inputs: FakeS3,
    content: bytes | None,
    items_field: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    if content is not None:
        (uri,) = items_field.values()
        put(inputs, uri.removeprefix(f"s3://{INPUTS}/"), content)
    inputs.puts.clear()
    workload = "s3_digest" if "s3_prefix" in items_field else "utf8_sweep"
    refusal = plan_refused({"workload": workload, "items": items_field}, inputs, error)
    assert refusal.startswith(message), refusal


@pytest.mark.parametrize(
    ("execution_input", "field"),
    [
        ({"workload": "utf8_count", "items": {"s3_prefix": f"{BAD}/"}}, "items"),
        ({"workload": "s3_digest", "size": 10}, "items"),
        ({"workload": "s3_digest", "size": 3, "items": {"s3_prefix": f"{BAD}/"}}, "size"),
        ({"workload": "s3_digest", "items": {"jsonl": f"{BAD}/a.jsonl"}}, "items.jsonl"),
        ({"workload": "utf8_sweep", "items": {"s3_prefix": f"{BAD}/"}}, "items.s3_prefix"),
    ],
)
def test_items_and_workloads_must_match(
    inputs: FakeS3, execution_input: dict[str, Any], field: str
) -> None:
    message = plan_refused(execution_input, inputs, errors.InvalidInputError)
    assert message.startswith(field + ":"), message


def test_more_items_than_max_size_are_refused(
    inputs: FakeS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_SIZE", "250")
    for n in range(251):
        put(inputs, f"allowed/many/{n}", b"")
    message = plan_refused(
        {"workload": "s3_digest", "items": {"s3_prefix": f"s3://{INPUTS}/allowed/many/"}},
        inputs,
        errors.InputTooLargeError,
    )
    assert "more than 250 objects" in message and "max_size" in message


def test_a_listing_that_outlasts_the_plan_timeout_fails_clearly(inputs: FakeS3) -> None:
    for n in range(300):
        put(inputs, f"allowed/slow/{n}", b"")
    inputs.puts.clear()
    with pytest.raises(errors.InputTooLargeError) as err:
        plan_handler.handler(
            {
                "execution_name": "slow",
                "input": {
                    "workload": "s3_digest",
                    "items": {"s3_prefix": f"s3://{INPUTS}/allowed/slow/"},
                },
            },
            FakeLambdaContext(remaining_ms=4000),
        )
    assert "raise plan_timeout" in str(err.value)
    assert [k for b, k in inputs.puts if b == BUCKET] == []


def test_a_file_changed_after_planning_fails_its_chunks_by_name(
    inputs: FakeS3, pipeline: Pipeline
) -> None:
    uri = f"s3://{INPUTS}/allowed/changing.jsonl"
    put(inputs, "allowed/changing.jsonl", b'{"size": 3}\n{"size": 4}\n')
    plan = pipeline.plan({"workload": "utf8_sweep", "items": {"jsonl": uri}})
    put(inputs, "allowed/changing.jsonl", b'{"size": 5}\n{"size": 6}\n')
    results = pipeline.compute_all(plan)
    assert {r.status for r in results} == {"FAILED"}
    assert results[0].error == "InputChangedError" and uri in str(results[0].cause)
    with pytest.raises(errors.ChunkFailedError, match="InputChangedError"):
        pipeline.reduce(plan, results)


def test_plan_errors_are_invalid_input_errors() -> None:
    """Code catching InvalidInputError keeps catching every refusal of an input."""
    assert all(issubclass(e, errors.InvalidInputError) for e in errors.PLAN_INPUT_ERRORS)
    assert len({e.__name__ for e in errors.PLAN_INPUT_ERRORS}) == len(errors.PLAN_INPUT_ERRORS)
