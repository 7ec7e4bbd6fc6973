"""Deploying is idempotent: a deployed stack plans no changes and a second apply redeploys nothing.

What users expect of `terraform apply` run twice, and what LocalStack's responses must allow:
an attribute read back differently from what was written shows as a change on every plan.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from emulation import deploy
from tests.e2e.stack import E2E_VARIABLES, WORKSPACE, unique_name

# One worker for every test here: the update test applies a change to the shared stack for a
# while, which the plan tests of another worker would see.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("terraform-stack")]


def code_and_dates(aws_client: Callable[..., Any], names: dict[str, str]) -> dict[str, Any]:
    lam = aws_client("lambda")
    result = {}
    for role, name in sorted(names.items()):
        config = lam.get_function(FunctionName=name)["Configuration"]
        result[role] = (config["CodeSha256"], config["LastModified"])
    return result


@pytest.fixture
def stack_copy(deployed_stack: dict[str, Any], localstack_endpoint: str) -> Iterator[str]:
    """A work folder with a copy of the deployed stack's state (its workspace name).

    Plans run there, so they can run beside other tests that read the real stack's folder.
    """
    workspace = unique_name("e2e-copy")
    deploy.copy_stack(WORKSPACE, workspace, localstack_endpoint)
    try:
        yield workspace
    finally:
        deploy.remove_stack_folder(localstack_endpoint, workspace)


def test_replan_after_deploy_has_no_changes(stack_copy: str, localstack_endpoint: str) -> None:
    # GIVEN the deployed stack, WHEN Terraform plans again with the same variables
    changes = deploy.plan(localstack_endpoint, E2E_VARIABLES, workspace=stack_copy)

    # THEN it would change nothing
    assert changes is False


def test_plan_reports_a_changed_variable(stack_copy: str, localstack_endpoint: str) -> None:
    # GIVEN the deployed stack, WHEN a variable differs from the deployed one
    variables = {**E2E_VARIABLES, "map_max_concurrency": 9}
    changes = deploy.plan(localstack_endpoint, variables, workspace=stack_copy)

    # THEN the plan has changes (and nothing is applied)
    assert changes is True


# The one test that runs Terraform in the shared stack's own folder.
def test_second_apply_redeploys_nothing(
    deployed_stack: dict[str, Any],
    localstack_endpoint: str,
    aws_client: Callable[..., Any],
) -> None:
    # GIVEN the deployed functions' code hashes and modification dates
    names = deployed_stack["function_names"]
    before = code_and_dates(aws_client, names)

    # WHEN the same variables are applied again
    outputs = deploy.apply(localstack_endpoint, E2E_VARIABLES, workspace=WORKSPACE)

    # THEN the outputs and every function are as they were: nothing was redeployed
    assert outputs == deployed_stack
    assert sorted(before) == ["compute", "plan", "reduce", "sweep-plan", "sweep-report"]
    assert code_and_dates(aws_client, names) == before


# Where each function lived before the functions became one module block with for_each.
FORMER_FUNCTION_ADDRESSES = {
    'module.function["plan"]': "module.plan_function",
    'module.function["compute"]': "module.compute_function",
    'module.function["reduce"]': "module.reduce_function",
}


def test_a_stack_deployed_with_the_former_function_addresses_plans_only_moves(
    stack_copy: str, localstack_endpoint: str
) -> None:
    # GIVEN the deployed stack's state with its functions at their former addresses, as a
    # stack deployed before the move would have it (in a copy: others read the real state)
    for current, former in FORMER_FUNCTION_ADDRESSES.items():
        deploy.state_move(current, former, localstack_endpoint, workspace=stack_copy)
    addresses = deploy.state_addresses(localstack_endpoint, workspace=stack_copy)
    assert not any(a.startswith(tuple(FORMER_FUNCTION_ADDRESSES)) for a in addresses), addresses
    assert any(a.startswith("module.plan_function.") for a in addresses), addresses

    # WHEN Terraform plans the current configuration (whose moved blocks name them)
    changes = deploy.planned_changes(localstack_endpoint, E2E_VARIABLES, workspace=stack_copy)

    # THEN every resource is left as it is (no create, update, replace or destroy) ...
    assert [c for c in changes if c["actions"] != ["no-op"]] == []
    # ... and each function resource is recognised at its new address from its former one
    function_changes = [
        c for c in changes if str(c["address"]).startswith(tuple(FORMER_FUNCTION_ADDRESSES))
    ]
    # 3 functions x (package, package object, log group, role, policy, function)
    assert len(function_changes) == 18
    for change in function_changes:
        current = str(change["address"])
        module, _, resource = current.partition("].")
        assert change["previous_address"] == f"{FORMER_FUNCTION_ADDRESSES[module + ']']}.{resource}"


# Beside the re-apply: both change the real stack's resources.
def test_an_update_of_the_state_machine_applies_in_place(
    deployed_stack: dict[str, Any],
    stack_copy: str,
    localstack_endpoint: str,
    aws_client: Callable[..., Any],
) -> None:
    # Terraform's UpdateStateMachine always carries the definition and the role, which AWS
    # requires (and the emulator now requires too). The stack is shared with tests running
    # at the same time, so the change is one they do not notice: one more child at a time;
    # it is applied from a copy of the state and undone from there, so the shared state
    # stays true.
    sfn = aws_client("stepfunctions")
    arn = deployed_stack["state_machine_arn"]
    changed = {**E2E_VARIABLES, "map_max_concurrency": 9}

    def max_concurrency() -> int:
        definition = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
        [value] = [
            state["MaxConcurrency"]
            for state in definition["States"].values()
            if state.get("Type") == "Map"
        ]
        return int(value)

    try:
        # GIVEN the deployed stack, WHEN a change to the state machine is applied
        deploy.apply(localstack_endpoint, changed, workspace=stack_copy)
        # THEN the same state machine has it, and a re-plan is clean
        assert max_concurrency() == 9
        assert deploy.plan(localstack_endpoint, changed, workspace=stack_copy) is False
    finally:
        deploy.apply(localstack_endpoint, E2E_VARIABLES, workspace=stack_copy)
    assert max_concurrency() == 8
