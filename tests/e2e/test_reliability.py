"""What the deployed pipeline refuses and what it survives, on LocalStack.

Bad inputs end FAILED with a named error and a cause naming the field; injected faults
are retried or reported by chunk; several runs at once stay exact and apart; a re-used
execution name is refused and the earlier result stays intact.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.stack import (
    client,
    compute_log_records,
    failed_records,
    list_keys,
    run,
    start,
    unique_name,
    wait,
)
from tests.support.utf8_reference import total

pytestmark = pytest.mark.e2e

# (input, the field the cause must name)
BAD_INPUTS = [
    pytest.param({}, "size", id="missing-size"),
    pytest.param({"size": 0}, "size", id="zero"),
    pytest.param({"size": -5}, "size", id="negative"),
    pytest.param({"size": 10.5}, "size", id="float"),
    pytest.param({"size": "1024"}, "size", id="string"),
    pytest.param({"size": True}, "size", id="boolean"),
    pytest.param({"size": None}, "size", id="null"),
    pytest.param({"size": 10**12}, "size", id="beyond-max"),
    pytest.param({"size": 10, "colour": "red"}, "colour", id="unknown-field"),
    pytest.param({"size": 10, "chunk_size": 0}, "chunk_size", id="chunk-size-zero"),
    pytest.param({"size": 10, "chunk_size": "big"}, "chunk_size", id="chunk-size-string"),
    pytest.param({"size": 10, "kernel": "quantum"}, "kernel", id="unknown-kernel"),
    pytest.param({"size": 10, "workload": "nope"}, "workload", id="unknown-workload"),
    pytest.param([1024], "input", id="array-not-object"),
    pytest.param({"size": [1024]}, "size", id="list-size"),
    pytest.param({"size": 10, "pad": "x" * 200_000}, "input", id="oversized-payload"),
    pytest.param({"size": 2000, "kernel": "reference"}, "size", id="reference-too-large"),
]


@pytest.mark.parametrize(("payload", "field"), BAD_INPUTS)
def test_bad_input_fails_with_a_named_error_and_writes_nothing(
    deployed_stack: dict[str, Any], payload: Any, field: str
) -> None:
    sfn, s3 = client("stepfunctions"), client("s3")
    desc = run(sfn, deployed_stack["state_machine_arn"], payload)

    assert desc["status"] == "FAILED"
    assert desc["error"] == "InvalidInputError"
    cause = desc["cause"]
    assert cause.startswith(f"{field}:"), cause
    assert "Traceback" not in cause
    # Nothing of the run reached the bucket.
    assert list_keys(s3, deployed_stack["results_bucket_name"], f"runs/{desc['name']}/") == []


def test_transient_and_throttling_faults_are_retried_and_the_answer_stays_exact(
    deployed_stack: dict[str, Any],
) -> None:
    sfn = client("stepfunctions")
    payload = {
        "size": 640,
        "chunk_size": 64,
        "fault": {
            "transient": {"chunks": [0, 3], "failures": 2},
            "throttle": {"chunks": [5], "failures": 1},
        },
    }
    desc = run(sfn, deployed_stack["state_machine_arn"], payload)
    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    assert json.loads(desc["output"])["total_sum"] == str(total(640))

    # The compute function's log shows every injected failure, each one retried:
    # chunks 0 and 3 failed twice, chunk 5 once.
    injected = compute_log_records(deployed_stack, desc["name"], "injecting fault")
    assert sorted((e["chunk_id"], e["attempt"], e["fault"]) for e in injected) == [
        (0, 0, "transient"),
        (0, 1, "transient"),
        (3, 0, "transient"),
        (3, 1, "transient"),
        (5, 0, "throttle"),
    ]


def test_a_permanent_failure_fails_the_run_naming_the_chunk(deployed_stack: dict[str, Any]) -> None:
    # GIVEN a stack tolerating one failed child, WHEN chunk 7 can never succeed
    sfn, s3 = client("stepfunctions"), client("s3")
    bucket = deployed_stack["results_bucket_name"]
    desc = run(
        sfn,
        deployed_stack["state_machine_arn"],
        {"size": 640, "chunk_size": 64, "fault": {"permanent": {"chunks": [7]}}},
    )
    # THEN the map run tolerates it, but the reducer refuses to sum, naming the chunk
    assert desc["status"] == "FAILED"
    assert desc["error"] == "ChunkFailedError", desc
    assert desc["cause"].startswith("1 of 10 chunks failed (chunk ids 7)"), desc["cause"]
    assert "PermanentComputeError" in desc["cause"]
    assert list_keys(s3, bucket, f"runs/{desc['name']}/result.txt") == []
    # AND ResultWriter's FAILED file names the chunk with its error
    records = failed_records(s3, bucket, desc["name"])
    assert [json.loads(r["Input"])["chunk"]["chunk_id"] for r in records] == [7]
    assert records[0]["Error"] == "PermanentComputeError"


def test_failures_beyond_the_tolerated_count_fail_the_map_run(
    deployed_stack: dict[str, Any],
) -> None:
    sfn, s3 = client("stepfunctions"), client("s3")
    bucket = deployed_stack["results_bucket_name"]
    desc = run(
        sfn,
        deployed_stack["state_machine_arn"],
        {"size": 640, "chunk_size": 64, "fault": {"permanent": {"chunks": [2, 7]}}},
    )
    assert desc["status"] == "FAILED"
    assert desc["error"] == "States.ExceedToleratedFailureThreshold", desc
    assert list_keys(s3, bucket, f"runs/{desc['name']}/result.txt") == []
    # (children still running when the map run failed are in the FAILED file too, ABORTED)
    records = [r for r in failed_records(s3, bucket, desc["name"]) if r["Status"] == "FAILED"]
    assert sorted(json.loads(r["Input"])["chunk"]["chunk_id"] for r in records) == [2, 7]


def test_concurrent_runs_are_all_exact_and_confined_to_their_prefix(
    deployed_stack: dict[str, Any],
) -> None:
    sfn, s3 = client("stepfunctions"), client("s3")
    arn, bucket = deployed_stack["state_machine_arn"], deployed_stack["results_bucket_name"]
    sizes = [100, 333, 640, 1024, 1500]
    arns = [start(sfn, arn, {"size": n}, name=unique_name(f"conc-{n}")) for n in sizes]
    with ThreadPoolExecutor(len(arns)) as pool:
        results = list(pool.map(lambda a: wait(sfn, a, 600), arns))
    all_keys = list_keys(s3, bucket, "")
    for size, desc in zip(sizes, results, strict=True):
        assert desc["status"] == "SUCCEEDED", (size, desc.get("cause"))
        out = json.loads(desc["output"])
        assert out["total_sum"] == str(total(size))
        name = desc["name"]
        assert out["result_s3_uri"] == f"s3://{bucket}/runs/{name}/result.txt"
        # Each run wrote exactly these objects (its map run's results under its own prefix;
        # no partial of these sizes exceeds the inline limit), and nothing else anywhere.
        map_runs = sfn.list_map_runs(executionArn=desc["executionArn"])["mapRuns"]
        assert len(map_runs) == 1, map_runs
        map_run_id = map_runs[0]["mapRunArn"].split(":")[-1]
        assert sorted(k for k in all_keys if name in k) == sorted(
            [
                f"runs/{name}/chunks.json",
                f"runs/{name}/result.txt",
                f"runs/{name}/results/{map_run_id}/SUCCEEDED_0.json",
                f"runs/{name}/results/{map_run_id}/manifest.json",
                f"runs/{name}/summary.json",
            ]
        )


def test_rerun_with_the_same_name_is_refused_and_the_result_survives(
    deployed_stack: dict[str, Any],
) -> None:
    sfn, s3 = client("stepfunctions"), client("s3")
    arn, bucket = deployed_stack["state_machine_arn"], deployed_stack["results_bucket_name"]
    name = unique_name("rerun")
    first = wait(sfn, start(sfn, arn, {"size": 300}, name=name))
    assert first["status"] == "SUCCEEDED"
    before = s3.get_object(Bucket=bucket, Key=f"runs/{name}/result.txt")["Body"].read()

    with pytest.raises(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps({"size": 50}))

    after = s3.get_object(Bucket=bucket, Key=f"runs/{name}/result.txt")["Body"].read()
    assert after == before == str(total(300)).encode()
