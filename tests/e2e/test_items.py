"""Runs over data on LocalStack: 10,000 S3 objects digested exactly, JSONL and CSV sweeps
row by row, and bad item sources refused by name before anything is written."""

from __future__ import annotations

import hashlib
import io
import json
import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

import pytest

from tests.e2e.stack import INPUT_BUCKET, MISSING_INPUT_BUCKET, client, list_keys, start, wait
from tests.support import utf8_reference

# One worker runs them all: they share the input bucket the stack allows.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("item-sources")]

OBJECTS = 10_000
ALLOWED = f"s3://{INPUT_BUCKET}/allowed"


def _put_all(s3: Any, objects: dict[str, bytes]) -> None:
    with ThreadPoolExecutor(max_workers=32) as pool:
        list(
            pool.map(
                lambda kv: s3.put_object(Bucket=INPUT_BUCKET, Key=kv[0], Body=kv[1]),
                objects.items(),
            )
        )


def _empty(s3: Any, bucket: str) -> None:
    keys = list_keys(s3, bucket, "")
    for start_at in range(0, len(keys), 1000):
        batch = [{"Key": k} for k in keys[start_at : start_at + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})


@pytest.fixture(scope="module")
def input_bucket(deployed_stack: dict[str, Any]) -> Iterator[Any]:
    """The bucket the stack allows input from (E2E_VARIABLES), emptied and removed after."""
    s3 = client("s3")
    s3.create_bucket(Bucket=INPUT_BUCKET)
    try:
        yield s3
    finally:
        _empty(s3, INPUT_BUCKET)
        s3.delete_bucket(Bucket=INPUT_BUCKET)


def _random_objects(count: int, prefix: str) -> dict[str, bytes]:
    rng = random.Random(20261124)
    pieces = [b"x", b"line\n", b"\n", b"\x00\xff", "caf\u00e9 ".encode()]
    return {
        f"{prefix}{n:05d}.dat": b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 120)))
        for n in range(count)
    }


def _failed_children(bucket: str, run_id: str) -> dict[str, int]:
    """Error and cause of the failed children ResultWriter recorded, counted (for messages)."""
    s3 = client("s3")
    found: dict[str, int] = {}
    for key in list_keys(s3, bucket, f"runs/{run_id}/results/"):
        if "/FAILED_" in key:
            for record in json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()):
                what = f"{record.get('Error')}: {str(record.get('Cause'))[:160]}"
                found[what] = found.get(what, 0) + 1
    return found


def _result_text(s3: Any, bucket: str, out: dict[str, Any]) -> str:
    key = out["result_s3_uri"].removeprefix(f"s3://{bucket}/")
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()


def test_s3_digest_of_10000_objects_is_exact(
    deployed_stack: dict[str, Any], input_bucket: Any
) -> None:
    # GIVEN 10,000 objects under an allowed prefix, uploaded in parallel
    objects = _random_objects(OBJECTS, "allowed/digest/")
    t0 = time.monotonic()
    _put_all(input_bucket, objects)
    upload_s = time.monotonic() - t0

    # WHEN the prefix is digested
    sfn = client("stepfunctions")
    t0 = time.monotonic()
    arn = start(
        sfn,
        deployed_stack["state_machine_arn"],
        # 100 objects a child (the default is 250): LocalStack serves a few hundred GETs a
        # second to every child at once, and a child must stay within the stack's 15 s
        # compute_timeout while other tests load LocalStack too.
        {
            "workload": "s3_digest",
            "chunk_size": 100,
            "items": {"s3_prefix": f"{ALLOWED}/digest/"},
        },
    )
    desc = wait(sfn, arn, deadline_s=600)
    run_s = time.monotonic() - t0
    rate = OBJECTS / run_s
    print(f"\n{OBJECTS} objects: upload {upload_s:.1f} s, run {run_s:.1f} s ({rate:.0f} objects/s)")

    # THEN the manifest and the totals are exactly what a local computation gives
    bucket = deployed_stack["results_bucket_name"]
    assert desc["status"] == "SUCCEEDED", (
        desc.get("cause"),
        _failed_children(bucket, desc["name"]),
    )
    out = json.loads(desc["output"])
    expected: list[dict[str, Any]] = [
        {
            "key": key,
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "lines": len(io.BytesIO(data).readlines()),
        }
        for key, data in sorted(objects.items())
    ]
    manifest = _result_text(input_bucket, deployed_stack["results_bucket_name"], out)
    assert [json.loads(line) for line in manifest.splitlines()] == expected
    assert (out["objects"], out["bytes"], out["lines"]) == (
        OBJECTS,
        sum(e["size"] for e in expected),
        sum(e["lines"] for e in expected),
    )
    assert out["manifest_sha256"] == hashlib.sha256(manifest.encode()).hexdigest()
    assert out["chunk_count"] == OBJECTS // 100


def _sweep_rows(sizes: list[int], inputs: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for n, (size, row) in enumerate(zip(sizes, inputs, strict=True), start=1):
        text = utf8_reference.decimal(utf8_reference.total(size))
        rows.append(
            {
                "row": n,
                "input": row,
                "size": size,
                "digits": len(text),
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
            }
        )
    return rows


def test_sweeps_over_jsonl_and_csv_give_one_row_per_input_row_in_order(
    deployed_stack: dict[str, Any], input_bucket: Any
) -> None:
    # GIVEN the same 60 sizes as JSONL lines and as CSV rows (with a header)
    sizes = [random.Random(n).randrange(1, 3000) for n in range(60)]
    jsonl_rows = [{"size": s, "name": f"case-{n}"} for n, s in enumerate(sizes)]
    csv_rows = [{"size": str(s), "name": f"case {n}, quoted"} for n, s in enumerate(sizes)]
    jsonl = "".join(json.dumps(r) + "\n" for r in jsonl_rows)
    csv_text = "size,name\r\n" + "".join(f'{r["size"]},"{r["name"]}"\r\n' for r in csv_rows)
    input_bucket.put_object(Bucket=INPUT_BUCKET, Key="allowed/sweep.jsonl", Body=jsonl.encode())
    input_bucket.put_object(Bucket=INPUT_BUCKET, Key="allowed/sweep.csv", Body=csv_text.encode())

    # WHEN both run at once
    sfn, arn = client("stepfunctions"), deployed_stack["state_machine_arn"]
    runs = {
        kind: start(
            sfn,
            arn,
            {
                "workload": "utf8_sweep",
                "chunk_size": 10,
                "items": {kind: f"{ALLOWED}/sweep.{kind}"},
            },
        )
        for kind in ("jsonl", "csv")
    }

    # THEN each gives its rows' exact results, in input order
    for kind, inputs in (("jsonl", jsonl_rows), ("csv", csv_rows)):
        desc = wait(sfn, runs[kind], deadline_s=300)
        assert desc["status"] == "SUCCEEDED", (kind, desc.get("cause"))
        out = json.loads(desc["output"])
        assert out["rows"] == len(sizes) and out["chunk_count"] == 6
        text = _result_text(input_bucket, deployed_stack["results_bucket_name"], out)
        assert [json.loads(line) for line in text.splitlines()] == _sweep_rows(sizes, inputs)


class BadSource(NamedTuple):
    workload: str
    items: dict[str, str]
    content: bytes | None  # what the named file holds (None: nothing is put there)
    error: str
    cause: str  # how the execution's cause starts
    name: str


BAD_SOURCES = [
    BadSource(
        "s3_digest",
        {"s3_prefix": f"s3://{MISSING_INPUT_BUCKET}/data/"},
        None,
        "InputNotFoundError",
        f"s3://{MISSING_INPUT_BUCKET}/data/: bucket {MISSING_INPUT_BUCKET} does not exist",
        "missing-bucket",
    ),
    BadSource(
        "utf8_sweep",
        {"jsonl": f"{ALLOWED}/bad/absent.jsonl"},
        None,
        "InputNotFoundError",
        f"{ALLOWED}/bad/absent.jsonl: no such object",
        "missing-key",
    ),
    BadSource(
        "s3_digest",
        {"s3_prefix": f"{ALLOWED}/bad/nothing-here/"},
        None,
        "EmptyInputError",
        f"{ALLOWED}/bad/nothing-here/: no objects under this prefix",
        "empty-prefix",
    ),
    BadSource(
        "utf8_sweep",
        {"jsonl": f"{ALLOWED}/bad/broken.jsonl"},
        b'{"size": 3}\n{"size": 4}\n{"size": 5,\n',
        "MalformedInputError",
        f"{ALLOWED}/bad/broken.jsonl: line 3 is not valid JSON",
        "malformed-jsonl-line",
    ),
    BadSource(
        "utf8_sweep",
        {"csv": f"{ALLOWED}/bad/ragged.csv"},
        b"size,name\n3,a\n4,b,extra\n",
        "MalformedInputError",
        f"{ALLOWED}/bad/ragged.csv: row 2 (line 3) has 3 fields, expected 2",
        "csv-row-fields",
    ),
    BadSource(
        "s3_digest",
        {"s3_prefix": f"s3://{INPUT_BUCKET}/private/"},
        None,
        "InputNotAllowedError",
        f"items.s3_prefix: s3://{INPUT_BUCKET}/private/ is outside the allowed input locations",
        "outside-allowed",
    ),
]


def test_bad_item_sources_fail_by_name_and_write_nothing(
    deployed_stack: dict[str, Any], input_bucket: Any
) -> None:
    # GIVEN the files the bad inputs name (the others are missing on purpose)
    for bad in BAD_SOURCES:
        if bad.content is not None:
            (uri,) = bad.items.values()
            key = uri.removeprefix(f"s3://{INPUT_BUCKET}/")
            input_bucket.put_object(Bucket=INPUT_BUCKET, Key=key, Body=bad.content)
    input_bucket.put_object(Bucket=INPUT_BUCKET, Key="private/secret.txt", Body=b"not for runs\n")

    # WHEN each is started (all at once)
    sfn, arn = client("stepfunctions"), deployed_stack["state_machine_arn"]
    started = [
        (bad, start(sfn, arn, {"workload": bad.workload, "items": bad.items}))
        for bad in BAD_SOURCES
    ]

    # THEN each fails with its named error, the cause naming the location, line or row,
    # and the run wrote nothing
    s3, bucket = client("s3"), deployed_stack["results_bucket_name"]
    for bad, execution_arn in started:
        desc = wait(sfn, execution_arn, deadline_s=120)
        outcome = (desc["status"], desc.get("error"))
        assert outcome == ("FAILED", bad.error), (bad.name, desc.get("cause"))
        assert desc["cause"].startswith(bad.cause), (bad.name, desc["cause"])
        assert list_keys(s3, bucket, f"runs/{desc['name']}/") == [], bad.name
