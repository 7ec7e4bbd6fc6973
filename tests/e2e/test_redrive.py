"""Redrive on LocalStack: a run that failed on a fault in 2 of its 10 chunks is fixed and
redriven with ``fanout redrive``; only those 2 chunks are computed again and the answer is
exact, each chunk summed once.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from emulation import deploy
from fanout.s3io import unblock_key
from tests.e2e.stack import client, compute_log_records, failed_records, fanout, run
from tests.support.utf8_reference import total

pytestmark = pytest.mark.e2e


def test_a_run_failed_on_two_chunks_is_fixed_and_redriven_computing_only_those(
    deployed_stack: dict[str, Any], localstack_endpoint: str
) -> None:
    sfn, s3 = client("stepfunctions"), client("s3")
    bucket = deployed_stack["results_bucket_name"]
    # GIVEN a run whose chunks 2 and 7 fail until the run is unblocked: two failures, one
    # more than the stack tolerates, so the map run fails. They fail 10 s in, when the other
    # eight children have ended (nothing is aborted or left pending).
    payload = {
        "size": 640,
        "chunk_size": 64,
        "fault": {"blocked": {"chunks": [2, 7], "delay_seconds": 10}},
    }
    first = run(sfn, deployed_stack["state_machine_arn"], payload, deadline_s=600)
    name = first["name"]
    assert first["status"] == "FAILED"
    assert first["error"] == "States.ExceedToleratedFailureThreshold", first
    failed = failed_records(s3, bucket, name)
    assert sorted(json.loads(r["Input"])["chunk"]["chunk_id"] for r in failed) == [2, 7]
    assert {r["Error"] for r in failed} == {"PermanentComputeError"}

    # WHEN the fault is cleared (the input is unchanged) and the run is redriven
    s3.put_object(Bucket=bucket, Key=unblock_key(name), Body=b"")
    tf_dir = str(deploy.stack_dir_for(localstack_endpoint, "e2e"))
    redriven = fanout(
        localstack_endpoint, "redrive", name, "--terraform-dir", tf_dir, "--poll-interval", "0.5"
    )

    # THEN the redriven execution succeeds with the exact total
    assert redriven.returncode == 0, redriven.stdout + redriven.stderr
    assert "(redrive 1)" in redriven.stderr
    assert redriven.stdout.split()[-1] == str(total(640))
    desc = sfn.describe_execution(executionArn=first["executionArn"])
    assert (desc["status"], desc["redriveCount"]) == ("SUCCEEDED", 1)
    assert json.loads(desc["output"])["total_sum"] == str(total(640))
    # AND every chunk was computed exactly once over both attempts: chunks 2 and 7 only
    # after the redrive (their only injected failures are the first attempt's)
    computed = Counter(
        r["chunk_id"] for r in compute_log_records(deployed_stack, name, "computed chunk")
    )
    assert computed == Counter(range(10))
    # (an invocation the Lambda service itself failed is retried, so a blocked chunk may show
    # its fault more than once; no other chunk ever does)
    injected = compute_log_records(deployed_stack, name, "injecting fault")
    assert {(r["chunk_id"], r["fault"]) for r in injected} == {(2, "blocked"), (7, "blocked")}
