"""The real ASL template, rendered by Terraform, is a sound Distributed Map state machine."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fanout.errors import PLAN_INPUT_ERRORS

pytestmark = pytest.mark.template

LAMBDA_TRANSIENT = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]
COMPUTE_TRANSIENT = [
    "TransientComputeError",
    "ComputeThrottledError",
    "ComputeDeadlineError",
    "Sandbox.Timedout",
]
# An invocation killed at its timeout, out of memory or crashed: its own, small retry budget.
LAMBDA_UNKNOWN = ["Lambda.Unknown"]
ARN = "arn:aws:lambda:eu-west-1:123456789012:function:tpl-{}"


# Every definition these tests read, rendered in one Terraform run: the defaults, and
# settings that must reach the definition typed and only when set.
BATCH = {
    "job_queue_arn": "arn:aws:batch:eu-west-1:123456789012:job-queue/tpl-queue",
    "job_definition_arn": "arn:aws:batch:eu-west-1:123456789012:job-definition/tpl-chunk:1",
    "job_definition_name": "tpl-chunk",
    "job_name_prefix": "tpl",
    "heartbeat_seconds": 45,
}
VARIANTS: dict[str, dict] = {
    "default": {},
    "count_only": {"tolerated_failure_count": 3},
    "both_thresholds": {"tolerated_failure_count": 3, "tolerated_failure_percentage": 10},
    "custom": {
        "child_execution_type": "EXPRESS",
        "tolerated_failure_percentage": 2.5,
        "retry": {
            "max_attempts": 3,
            "interval_seconds": 5,
            "backoff_rate": 1.5,
            "max_delay_seconds": 9,
            "lambda_unknown_max_attempts": 2,
        },
    },
    "batch_sync": {"batch": {**BATCH, "integration": "sync"}},
    "batch_callback": {
        "batch": {
            **BATCH,
            "integration": "callback",
            "submit_function_arn": "arn:aws:lambda:eu-west-1:123456789012:function:tpl-submit",
        }
    },
}
# The variants whose whole structure is checked: without Batch, and with each integration.
STRUCTURES = ("default", "batch_sync", "batch_callback")


@pytest.fixture(scope="module")
def renders(render_asl: Callable[[dict[str, dict]], dict[str, dict]]) -> dict[str, dict]:
    return render_asl(VARIANTS)


@pytest.fixture(scope="module")
def rendered(renders: dict[str, dict]) -> dict:
    return renders["default"]


@pytest.fixture(scope="module")
def asl(rendered: dict) -> dict:
    return rendered["json"]


@pytest.fixture(scope="module", params=STRUCTURES)
def any_asl(renders: dict[str, dict], request: pytest.FixtureRequest) -> dict:
    """Each definition whose structure is checked in full."""
    return renders[request.param]["json"]


def state_machines(definition: dict) -> Iterator[dict]:
    """The top-level machine and every nested one (map processors)."""
    yield definition
    for state in definition["States"].values():
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from state_machines(state[key])


def transitions(state: dict) -> list[str]:
    targets = [state[key] for key in ("Next", "Default") if key in state]
    targets += [choice["Next"] for choice in state.get("Choices", [])]
    targets += [catcher["Next"] for catcher in state.get("Catch", [])]
    return targets


def all_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_strings(item)


def test_no_template_syntax_is_left(rendered: dict) -> None:
    assert "${" not in rendered["text"]
    assert "%{" not in rendered["text"]


def test_every_transition_target_exists(any_asl: dict) -> None:
    for machine in state_machines(any_asl):
        names = set(machine["States"])
        assert machine["StartAt"] in names
        for name, state in machine["States"].items():
            for target in transitions(state):
                assert target in names, f"{name} -> {target}: no such state"


def test_every_state_is_reachable(any_asl: dict) -> None:
    for machine in state_machines(any_asl):
        seen: set[str] = set()
        todo = [machine["StartAt"]]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo.extend(transitions(machine["States"][name]))
        assert seen == set(machine["States"]), f"unreachable: {set(machine['States']) - seen}"


def test_every_non_terminal_state_moves_on(any_asl: dict) -> None:
    for machine in state_machines(any_asl):
        for name, state in machine["States"].items():
            if state["Type"] in ("Succeed", "Fail"):
                assert "Next" not in state and "End" not in state, name
            elif state["Type"] == "Choice":
                assert state["Choices"] and "Default" in state, name
            else:
                assert ("Next" in state) != (state.get("End") is True), name


def test_top_level_flow_matches_the_contract(asl: dict) -> None:
    states = asl["States"]
    assert asl["StartAt"] == "Plan"
    assert {name: s["Type"] for name, s in states.items()} == {
        "Plan": "Task",
        "ExplainInvalidInput": "Pass",
        "InvalidInput": "Fail",
        "FanOut": "Map",
        "Reduce": "Task",
        "ExplainRefusal": "Pass",
        "Refused": "Fail",
        "Verdict": "Choice",
        "Done": "Succeed",
        "Differences": "Fail",
    }
    assert [states["Plan"]["Next"], states["FanOut"]["Next"], states["Reduce"]["Next"]] == [
        "FanOut",
        "Reduce",
        "Verdict",
    ]


def test_arns_are_filled_in(asl: dict) -> None:
    states = asl["States"]
    compute = states["FanOut"]["ItemProcessor"]["States"]["Compute"]
    assert states["Plan"]["Parameters"]["FunctionName"] == ARN.format("plan")
    assert compute["Parameters"]["FunctionName"] == ARN.format("compute")
    assert states["Reduce"]["Parameters"]["FunctionName"] == ARN.format("reduce")
    for task in (states["Plan"], compute, states["Reduce"]):
        assert task["Resource"] == "arn:aws:states:::lambda:invoke"
    arns = [s for s in all_strings(asl) if s.startswith("arn:")]
    assert all(arn.startswith("arn:aws:") for arn in arns), arns


def test_plan_puts_its_result_at_plan_and_catches_invalid_input(asl: dict) -> None:
    plan = asl["States"]["Plan"]
    assert plan["Parameters"]["Payload"] == {
        "execution_name.$": "$$.Execution.Name",
        "input.$": "$",
    }
    assert plan["ResultSelector"] == {"plan.$": "$.Payload"}
    assert plan["ResultPath"] == "$"
    assert [r["ErrorEquals"] for r in plan["Retry"]] == [LAMBDA_TRANSIENT]
    # Every refusal the plan function can raise, named as the Python errors are, in order.
    assert plan["Catch"] == [
        {
            "ErrorEquals": [error.__name__ for error in PLAN_INPUT_ERRORS],
            "ResultPath": "$",
            "Next": "ExplainInvalidInput",
        }
    ]
    # Lambda's Cause is JSON text; the Pass state parses it so the Fail cause is the
    # function's message alone ("size: must be from 1 to ..."), under the error's own name.
    explain = asl["States"]["ExplainInvalidInput"]
    assert explain["Parameters"] == {
        "error.$": "$.Error",
        "detail.$": "States.StringToJson($.Cause)",
    }
    assert explain["ResultPath"] == "$"
    assert explain["Next"] == "InvalidInput"
    assert asl["States"]["InvalidInput"] == {
        "Type": "Fail",
        "Comment": asl["States"]["InvalidInput"]["Comment"],
        "ErrorPath": "$.error",
        "CausePath": "$.detail.errorMessage",
    }


def test_fan_out_is_a_distributed_map_over_the_chunk_list(asl: dict) -> None:
    fan_out = asl["States"]["FanOut"]
    assert fan_out["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
    assert fan_out["ItemReader"] == {
        "Resource": "arn:aws:states:::s3:getObject",
        "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket.$": "$.plan.bucket", "Key.$": "$.plan.chunks_key"},
    }
    assert fan_out["ItemSelector"] == {"run.$": "$.plan.run", "chunk.$": "$$.Map.Item.Value"}
    assert fan_out["ResultWriter"] == {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket.$": "$.plan.bucket", "Prefix.$": "$.plan.results_prefix"},
    }
    assert fan_out["ResultPath"] == "$.map"
    assert fan_out["MaxConcurrency"] == 40


def test_no_failure_is_tolerated_by_default(asl: dict) -> None:
    # Both thresholds left out: AWS then fails the map run on the first failed child.
    fan_out = asl["States"]["FanOut"]
    assert "ToleratedFailurePercentage" not in fan_out
    assert "ToleratedFailureCount" not in fan_out
    assert type(fan_out["MaxConcurrency"]) is int


def test_tolerated_failures_are_typed_numbers_and_only_the_ones_set(
    renders: dict[str, dict],
) -> None:
    count_only = renders["count_only"]["json"]["States"]["FanOut"]
    assert count_only["ToleratedFailureCount"] == 3
    assert type(count_only["ToleratedFailureCount"]) is int
    # A percentage of 0 next to a count would make AWS fail on the first failure.
    assert "ToleratedFailurePercentage" not in count_only
    both = renders["both_thresholds"]["json"]
    assert both["States"]["FanOut"]["ToleratedFailurePercentage"] == 10
    assert both["States"]["FanOut"]["ToleratedFailureCount"] == 3


def test_compute_retries_transient_errors_with_backoff_and_jitter(asl: dict) -> None:
    compute = asl["States"]["FanOut"]["ItemProcessor"]["States"]["Compute"]
    assert compute["Parameters"]["Payload"] == {
        "run.$": "$.run",
        "chunk.$": "$.chunk",
        "attempt.$": "$$.State.RetryCount",
    }
    assert compute["OutputPath"] == "$.Payload"
    assert [r["ErrorEquals"] for r in compute["Retry"]] == [
        LAMBDA_TRANSIENT,
        COMPUTE_TRANSIENT,
        LAMBDA_UNKNOWN,
    ]
    # Lambda.Unknown (usually a deterministic crash or timeout kill) is retried once by
    # default, the transient errors six times.
    for retrier, attempts in zip(compute["Retry"], (6, 6, 1), strict=True):
        assert {k: v for k, v in retrier.items() if k != "ErrorEquals"} == {
            "IntervalSeconds": 2,
            "BackoffRate": 2,
            "MaxAttempts": attempts,
            "MaxDelaySeconds": 60,
            "JitterStrategy": "FULL",
        }
        assert all(type(retrier[k]) is int for k in ("IntervalSeconds", "MaxAttempts"))


def test_reduce_gets_the_plan_and_the_result_writer_details(asl: dict) -> None:
    reduce = asl["States"]["Reduce"]
    assert reduce["Parameters"]["Payload"] == {
        "plan.$": "$.plan",
        "result_writer.$": "$.map.ResultWriterDetails",
    }
    assert reduce["OutputPath"] == "$.Payload"
    assert [r["ErrorEquals"] for r in reduce["Retry"]] == [LAMBDA_TRANSIENT]


def test_verdict_succeeds_only_on_ok(asl: dict) -> None:
    verdict = asl["States"]["Verdict"]
    assert verdict["Choices"] == [{"Variable": "$.verdict", "StringEquals": "OK", "Next": "Done"}]
    assert verdict["Default"] == "Differences"
    differences = asl["States"]["Differences"]
    assert (differences["ErrorPath"], differences["CausePath"]) == ("$.error", "$.cause")


def test_variables_reach_the_definition(renders: dict[str, dict]) -> None:
    # GIVEN EXPRESS children, a fractional tolerance and a custom retry policy
    asl = renders["custom"]["json"]
    # THEN they appear, typed, in the map and in every retrier
    fan_out = asl["States"]["FanOut"]
    assert fan_out["ItemProcessor"]["ProcessorConfig"]["ExecutionType"] == "EXPRESS"
    assert fan_out["ToleratedFailurePercentage"] == 2.5
    retriers = [
        *asl["States"]["Plan"]["Retry"],
        *fan_out["ItemProcessor"]["States"]["Compute"]["Retry"],
        *asl["States"]["Reduce"]["Retry"],
    ]
    assert len(retriers) == 5
    for retrier in retriers:
        attempts = 2 if retrier["ErrorEquals"] == LAMBDA_UNKNOWN else 3
        assert (
            retrier["MaxAttempts"],
            retrier["IntervalSeconds"],
            retrier["BackoffRate"],
            retrier["MaxDelaySeconds"],
        ) == (attempts, 5, 1.5, 9)


def test_reduce_refusals_fail_with_the_error_name_and_the_reducers_message(asl: dict) -> None:
    reduce = asl["States"]["Reduce"]
    assert reduce["Catch"] == [
        {
            "ErrorEquals": [
                "ChunkFailedError",
                "ChunksMissingError",
                "DuplicateChunkError",
                "PendingChunksError",
                "ResultFormatError",
            ],
            "ResultPath": "$",
            "Next": "ExplainRefusal",
        }
    ]
    explain = asl["States"]["ExplainRefusal"]
    assert explain["Parameters"] == {
        "error.$": "$.Error",
        "detail.$": "States.StringToJson($.Cause)",
    }
    assert explain["Next"] == "Refused"
    refused = asl["States"]["Refused"]
    assert (refused["Type"], refused["ErrorPath"], refused["CausePath"]) == (
        "Fail",
        "$.error",
        "$.detail.errorMessage",
    )


def batch_states(renders: dict[str, dict], variant: str) -> dict:
    return renders[variant]["json"]["States"]["FanOut"]["ItemProcessor"]["States"]


def test_without_batch_each_child_is_the_compute_task_alone(asl: dict) -> None:
    processor = asl["States"]["FanOut"]["ItemProcessor"]
    assert processor["StartAt"] == "Compute"
    assert list(processor["States"]) == ["Compute"]


@pytest.mark.parametrize("variant", ["batch_sync", "batch_callback"])
def test_batch_children_route_on_the_chunks_backend(renders: dict, variant: str) -> None:
    processor = renders[variant]["json"]["States"]["FanOut"]["ItemProcessor"]
    assert processor["StartAt"] == "Route"
    route = processor["States"]["Route"]
    assert route["Choices"] == [
        {"Variable": "$.chunk.backend", "StringEquals": "batch", "Next": "RunOnBatch"}
    ]
    assert route["Default"] == "Compute"
    assert processor["States"]["BatchChunkFailed"]["Error"] == "BatchChunkFailedError"


def test_sync_submits_the_job_and_shapes_the_compute_output(renders: dict) -> None:
    states = batch_states(renders, "batch_sync")
    run = states["RunOnBatch"]
    assert run["Resource"] == "arn:aws:states:::batch:submitJob.sync"
    assert run["Parameters"]["JobQueue"] == BATCH["job_queue_arn"]
    assert run["Parameters"]["JobDefinition"] == BATCH["job_definition_arn"]
    assert run["Parameters"]["JobName.$"] == "States.Format('tpl-chunk-{}', $.chunk.chunk_id)"
    # the job reads its run and chunk from these (lambda_src/fanout/batch.py)
    assert run["Parameters"]["ContainerOverrides"]["Environment"] == [
        {"Name": "FANOUT_RUN", "Value.$": "States.JsonToString($.run)"},
        {"Name": "FANOUT_CHUNK", "Value.$": "States.JsonToString($.chunk)"},
    ]
    assert run["ResultPath"] == "$.job" and run["Next"] == "ShapeBatchOutput"
    assert run["Catch"] == [
        {
            "ErrorEquals": ["States.TaskFailed"],
            "ResultPath": "$.failure",
            "Next": "ReadBatchFailure",
        }
    ]
    # the compute output contract of docs/architecture.md, its value in S3
    assert states["ShapeBatchOutput"]["Parameters"] == {
        "chunk_id.$": "$.chunk.chunk_id",
        "start.$": "$.chunk.start",
        "stop.$": "$.chunk.stop",
        "encoding.$": "$.run.encoding",
        "value_key.$": "States.Format('runs/{}/partials/{}.json', $.run.run_id, $.chunk.chunk_id)",
    }
    assert states["ShapeBatchOutput"]["End"] is True
    assert "$.job.JobId" in states["ExplainBatchFailure"]["Parameters"]["cause.$"]


def test_callback_waits_for_the_task_token_with_a_heartbeat(renders: dict) -> None:
    states = batch_states(renders, "batch_callback")
    run = states["RunOnBatch"]
    assert run["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert run["Parameters"]["FunctionName"].endswith(":function:tpl-submit")
    assert run["Parameters"]["Payload"] == {
        "run.$": "$.run",
        "chunk.$": "$.chunk",
        "task_token.$": "$$.Task.Token",
    }
    assert run["HeartbeatSeconds"] == 45 and run["End"] is True
    assert [c["ErrorEquals"] for c in run["Catch"]] == [
        ["States.HeartbeatTimeout", "States.Timeout"],
        ["States.ALL"],
    ]
    assert states["BatchChunkTimedOut"]["Error"] == "BatchChunkTimedOutError"
    # AWS's Batch integration has no callback pattern of its own
    assert "waitForTaskToken" not in json.dumps(renders["batch_sync"]["json"])
    assert "batch:submitJob.waitForTaskToken" not in renders["batch_callback"]["text"]
