"""Deploying is idempotent: a deployed stack plans no changes and a second apply redeploys nothing.

What users expect of `terraform apply` run twice, and what LocalStack's responses must allow:
an attribute read back differently from what was written shows as a change on every plan.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from emulation import deploy
from tests.e2e.stack import E2E_VARIABLES

pytestmark = pytest.mark.e2e

WORKSPACE = "e2e"


def code_and_dates(aws_client: Callable[..., Any], names: dict[str, str]) -> dict[str, Any]:
    lam = aws_client("lambda")
    result = {}
    for role, name in sorted(names.items()):
        config = lam.get_function(FunctionName=name)["Configuration"]
        result[role] = (config["CodeSha256"], config["LastModified"])
    return result


def test_replan_after_deploy_has_no_changes(
    deployed_stack: dict[str, Any], localstack_endpoint: str
) -> None:
    # GIVEN the deployed stack, WHEN Terraform plans again with the same variables
    changes = deploy.plan(localstack_endpoint, E2E_VARIABLES, workspace=WORKSPACE)

    # THEN it would change nothing
    assert changes is False


def test_plan_reports_a_changed_variable(
    deployed_stack: dict[str, Any], localstack_endpoint: str
) -> None:
    # GIVEN the deployed stack, WHEN a variable differs from the deployed one
    variables = {**E2E_VARIABLES, "map_max_concurrency": 9}
    changes = deploy.plan(localstack_endpoint, variables, workspace=WORKSPACE)

    # THEN the plan has changes (and nothing is applied)
    assert changes is True


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
    assert sorted(before) == ["compute", "plan", "reduce"]
    assert code_and_dates(aws_client, names) == before
