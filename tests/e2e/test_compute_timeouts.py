"""A chunk that runs out of time, on LocalStack: the compute function stops itself before
its timeout and is retried (the budget path); an attempt Lambda kills at the timeout is
reported as AWS reports it, ``Lambda.Unknown`` "Task timed out after N.NN seconds", and
retried only ``retry.lambda_unknown_max_attempts`` times (the hard-kill path).

The e2e stack: compute_timeout 15 s, retry.max_attempts 2, lambda_unknown_max_attempts 1
(the default), one failed child tolerated by the map run.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.e2e.stack import client, compute_log_records, failed_records, list_keys, run
from tests.support import aws_fixtures
from tests.support.utf8_reference import total

pytestmark = pytest.mark.e2e


def test_a_slow_chunk_stops_before_its_timeout_and_the_retry_is_exact(
    deployed_stack: dict[str, Any],
) -> None:
    # GIVEN chunk 1 whose first attempt has 60 s more work, in 1 s steps checking the deadline
    sfn = client("stepfunctions")
    payload = {
        "size": 128,
        "chunk_size": 64,
        "fault": {"overrun": {"chunks": [1], "failures": 1, "seconds": 60}},
    }
    # WHEN the run goes
    desc = run(sfn, deployed_stack["state_machine_arn"], payload, deadline_s=600)
    # THEN the first attempt stopped itself 1 s before the 15 s timeout, was retried, and
    # the answer is exact
    assert desc["status"] == "SUCCEEDED", (desc.get("error"), desc.get("cause"))
    assert json.loads(desc["output"])["total_sum"] == str(total(128))
    stopped = compute_log_records(
        deployed_stack, desc["name"], "compute stopped before its deadline"
    )
    assert [(r["chunk_id"], r["attempt"], r["margin_s"]) for r in stopped] == [(1, 0, 1.0)]
    computed = compute_log_records(deployed_stack, desc["name"], "computed chunk")
    assert sorted((r["chunk_id"], r["attempt"]) for r in computed) == [(0, 0), (1, 1)]


def test_an_attempt_killed_at_the_timeout_is_lambda_unknown_and_retried_once(
    deployed_stack: dict[str, Any],
) -> None:
    # GIVEN chunk 1 whose first attempt sleeps past the function timeout (Lambda kills it)
    sfn = client("stepfunctions")
    payload = {"size": 128, "chunk_size": 64, "fault": {"timeout": {"chunks": [1], "failures": 1}}}
    desc = run(sfn, deployed_stack["state_machine_arn"], payload, deadline_s=600)
    # THEN the Lambda.Unknown retrier ran it again and the answer is exact
    assert desc["status"] == "SUCCEEDED", (desc.get("error"), desc.get("cause"))
    assert json.loads(desc["output"])["total_sum"] == str(total(128))
    computed = compute_log_records(deployed_stack, desc["name"], "computed chunk")
    assert sorted((r["chunk_id"], r["attempt"]) for r in computed) == [(0, 0), (1, 1)]


def test_an_attempt_killed_every_time_is_retried_once_then_reported(
    deployed_stack: dict[str, Any],
) -> None:
    # GIVEN chunk 0 that always outlives the timeout (a deterministic crash, as it were)
    sfn, s3 = client("stepfunctions"), client("s3")
    bucket = deployed_stack["results_bucket_name"]
    payload = {"size": 128, "chunk_size": 64, "fault": {"timeout": {"chunks": [0], "failures": 99}}}
    desc = run(sfn, deployed_stack["state_machine_arn"], payload, deadline_s=600)
    # THEN the reducer refuses to sum, naming the chunk and Step Functions' Lambda.Unknown
    assert desc["status"] == "FAILED"
    assert desc["error"] == "ChunkFailedError", desc
    assert desc["cause"].startswith("1 of 2 chunks failed (chunk ids 0): chunk 0: Lambda.Unknown: ")
    assert list_keys(s3, bucket, f"runs/{desc['name']}/result.txt") == []
    # AND the FAILED record carries the error output AWS gives a timed-out invocation
    # (tests/fixtures/aws/states/lambda_unknown_invocation_timeout.json): same Error, same
    # Cause wording, this function's 15 s timeout
    aws = aws_fixtures.load("states/lambda_unknown_invocation_timeout")
    records = failed_records(s3, bucket, desc["name"])
    assert [r["Error"] for r in records] == [aws["Error"]] == ["Lambda.Unknown"]
    prefix = aws["Cause"].split('{"errorMessage":')[0]
    cause = records[0]["Cause"]
    assert cause.startswith(prefix), cause
    # "<ISO time> <request id> Task timed out after <s>.<cc> seconds", as in the fixture,
    # the seconds being this function's 15 s timeout as measured
    message = re.compile(r"\S+Z [0-9a-f-]{36} Task timed out after (\d+\.\d\d) seconds")
    documented = message.fullmatch(json.loads(aws["Cause"][len(prefix) :])["errorMessage"])
    ours = message.fullmatch(json.loads(cause[len(prefix) :])["errorMessage"])
    assert documented is not None and ours is not None, cause
    assert 15.0 <= float(ours.group(1)) < 16.0, cause
    # AND the child tried twice (once, plus lambda_unknown_max_attempts = 1): a deterministic
    # kill is not retried forever
    slept = compute_log_records(
        deployed_stack, desc["name"], "injected timeout: sleeping past the time limit"
    )
    assert sorted((r["chunk_id"], r["attempt"]) for r in slept) == [(0, 0), (0, 1)]
