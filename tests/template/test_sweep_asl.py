"""The sweep workflow of the state_machine module, rendered by Terraform: a sound state
machine whose Distributed Map starts one fan-out execution per job and waits for it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.template.test_asl import LAMBDA_TRANSIENT, all_strings, state_machines, transitions

pytestmark = pytest.mark.template

FANOUT_ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:tpl-fanout"
ARN = "arn:aws:lambda:eu-west-1:123456789012:function:tpl-{}"
VARIANTS: dict[str, dict] = {
    "sweep": {"workflow": "sweep", "tolerated_failure_percentage": 100},
    "count_only": {"workflow": "sweep", "tolerated_failure_count": 2},
}


@pytest.fixture(scope="module")
def renders(render_asl: Callable[[dict[str, dict]], dict[str, dict]]) -> dict[str, dict]:
    return render_asl(VARIANTS)


@pytest.fixture(scope="module")
def asl(renders: dict[str, dict]) -> dict:
    return renders["sweep"]["json"]


def test_no_template_syntax_is_left(renders: dict[str, dict]) -> None:
    for rendered in renders.values():
        assert "${" not in rendered["text"]
        assert not [s for s in all_strings(rendered["json"]) if "%{" in s]


def test_every_transition_target_exists_and_every_state_is_reachable(asl: dict) -> None:
    for machine in state_machines(asl):
        states = machine["States"]
        reached = {machine["StartAt"]}
        frontier = [machine["StartAt"]]
        while frontier:
            for target in transitions(states[frontier.pop()]):
                assert target in states
                if target not in reached:
                    reached.add(target)
                    frontier.append(target)
        assert reached == set(states)


def test_each_job_is_a_fanout_execution_awaited_with_sync_2(asl: dict) -> None:
    run_jobs = asl["States"]["RunJobs"]
    assert run_jobs["ItemProcessor"]["ProcessorConfig"] == {
        "Mode": "DISTRIBUTED",
        "ExecutionType": "STANDARD",
    }
    assert run_jobs["ItemReader"]["Parameters"] == {
        "Bucket.$": "$.plan.bucket",
        "Key.$": "$.plan.jobs_key",
    }
    assert run_jobs["MaxConcurrency"] == 40
    assert run_jobs["ResultWriter"]["Parameters"] == {
        "Bucket.$": "$.plan.bucket",
        "Prefix.$": "$.plan.results_prefix",
    }
    run_job = run_jobs["ItemProcessor"]["States"]["RunJob"]
    assert run_job["Resource"] == "arn:aws:states:::states:startExecution.sync:2"
    assert run_job["Parameters"] == {"StateMachineArn": FANOUT_ARN, "Input.$": "$.input"}
    assert run_job["ResultSelector"] == {
        "execution_arn.$": "$.ExecutionArn",
        "summary.$": "$.Output",
    }
    # a failed job is not run again
    assert "Retry" not in run_job
    # the map's threshold still leads to the report
    assert run_jobs["Catch"] == [
        {
            "ErrorEquals": ["States.ExceedToleratedFailureThreshold"],
            "ResultPath": "$.map",
            "Next": "Report",
        }
    ]


def test_tolerances_render_typed_and_only_when_set(renders: dict[str, dict]) -> None:
    both = renders["sweep"]["json"]["States"]["RunJobs"]
    assert both["ToleratedFailurePercentage"] == 100
    assert "ToleratedFailureCount" not in both
    count = renders["count_only"]["json"]["States"]["RunJobs"]
    assert count["ToleratedFailureCount"] == 2
    assert "ToleratedFailurePercentage" not in count


def test_the_lambda_tasks_invoke_the_sweep_functions_and_retry_transient_errors(
    asl: dict,
) -> None:
    plan, report = asl["States"]["PlanSweep"], asl["States"]["Report"]
    assert plan["Parameters"]["FunctionName"] == ARN.format("sweep-plan")
    assert report["Parameters"]["FunctionName"] == ARN.format("sweep-report")
    for task in (plan, report):
        assert [r["ErrorEquals"] for r in task["Retry"]] == [LAMBDA_TRANSIENT]
        assert task["Retry"][0]["JitterStrategy"] == "FULL"
    assert plan["Parameters"]["Payload"] == {
        "execution_name.$": "$$.Execution.Name",
        "input.$": "$",
    }
    assert plan["Catch"][0]["ErrorEquals"] == ["InvalidInputError"]
    assert asl["States"]["InvalidInput"]["Error"] == "InvalidInputError"
    assert report["Parameters"]["Payload"] == {"plan.$": "$.plan", "map.$": "$.map"}


def test_the_verdict_fails_with_the_reports_error(asl: dict) -> None:
    verdict = asl["States"]["Verdict"]
    assert verdict["Choices"] == [{"Variable": "$.verdict", "StringEquals": "OK", "Next": "Done"}]
    failed = asl["States"][verdict["Default"]]
    assert (failed["Type"], failed["ErrorPath"], failed["CausePath"]) == (
        "Fail",
        "$.error",
        "$.cause",
    )
