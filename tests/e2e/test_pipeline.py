"""The whole pipeline on LocalStack: the answer is exact and every artefact is where AWS puts it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from tests.e2e.stack import client, list_keys, run
from tests.support.utf8_reference import decimal, total

pytestmark = pytest.mark.e2e


def test_size_1024_gives_the_exact_total_and_aws_format_results(
    deployed_stack: dict[str, Any],
) -> None:
    # GIVEN the deployed stack
    sfn, s3 = client("stepfunctions"), client("s3")
    arn, bucket = deployed_stack["state_machine_arn"], deployed_stack["results_bucket_name"]

    # WHEN a user starts the documented execution input
    desc = run(sfn, arn, {"size": 1024})

    # THEN it succeeds with the exact total, compared with an independent closed form
    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    out = json.loads(desc["output"])
    expected = str(total(1024))
    assert len(expected) == 2206
    assert out["verdict"] == "OK"
    assert out["total_sum"] == expected
    assert out["digits"] == 2206
    assert out["size"] == 1024
    assert out["sha256"] == hashlib.sha256(expected.encode()).hexdigest()

    # AND the full result object in S3 is the same number
    run_id = desc["name"]
    assert out["result_s3_uri"] == f"s3://{bucket}/runs/{run_id}/result.txt"
    body = s3.get_object(Bucket=bucket, Key=f"runs/{run_id}/result.txt")["Body"].read()
    assert body.decode().strip() == expected

    # AND ResultWriter wrote an AWS-format manifest listing result files that hold every chunk once
    keys = list_keys(s3, bucket, f"runs/{run_id}/results/")
    manifests = [k for k in keys if k.endswith("manifest.json")]
    assert len(manifests) == 1, keys
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=manifests[0])["Body"].read())
    assert manifest["ResultFiles"]["FAILED"] == []
    assert manifest["ResultFiles"]["PENDING"] == []
    chunk_ids = []
    for entry in manifest["ResultFiles"]["SUCCEEDED"]:
        records = json.loads(s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read())
        for record in records:
            assert record["Status"] == "SUCCEEDED"
            chunk_ids.append(json.loads(record["Output"])["chunk_id"])
    # 1024 items in the default chunks of 64: chunks 0-15, each exactly once
    assert out["chunk_count"] == 16
    assert sorted(chunk_ids) == list(range(16))


def test_reference_kernel_gives_the_same_exact_total(deployed_stack: dict[str, Any]) -> None:
    sfn = client("stepfunctions")
    desc = run(sfn, deployed_stack["state_machine_arn"], {"size": 200, "kernel": "reference"})
    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    assert json.loads(desc["output"])["total_sum"] == str(total(200))


def test_large_partials_travel_through_s3_and_the_total_stays_exact(
    deployed_stack: dict[str, Any],
) -> None:
    # 20,000 items: partials of the last chunks exceed the inline limit and go through S3.
    sfn = client("stepfunctions")
    desc = run(sfn, deployed_stack["state_machine_arn"], {"size": 20000, "chunk_size": 2000})
    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    out = json.loads(desc["output"])
    expected = decimal(total(20000))
    assert out["digits"] == len(expected) > 4300
    assert out["sha256"] == hashlib.sha256(expected.encode()).hexdigest()
    assert out["total_sum"] == expected
    # AND exactly the partials over the 32 KiB inline limit went through S3: only the last
    # chunk's (about 1.79 bytes of hex per item: chunk 8, up to item 18000, stays inline)
    s3 = client("s3")
    partials = list_keys(
        s3, deployed_stack["results_bucket_name"], f"runs/{desc['name']}/partials/"
    )
    assert partials == [f"runs/{desc['name']}/partials/9.json"]
