"""Packaging that works for a team, on LocalStack with the real Terraform.

Renaming ``name_prefix`` on a deployed stack applies; a teammate's fresh clone with a copy
of the state (and none of the first machine's build output) plans no changes and can
replace a function. Both failed when the function read its zip from the local build folder.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emulation import deploy
from tests.e2e.stack import client, run
from tests.support.utf8_reference import total

pytestmark = pytest.mark.e2e

WORKSPACE = "team"
FIRST: dict[str, object] = {
    "name_prefix": "fanout-team",
    "force_destroy_bucket": True,
    "map_max_concurrency": 4,
}
RENAMED = {**FIRST, "name_prefix": "fanout-crew"}
COMPUTE = 'module.function["compute"].aws_lambda_function.this'


@pytest.fixture(scope="module")
def team_stack(localstack_endpoint: str) -> Iterator[dict[str, Any]]:
    """A stack of its own (workspace "team"); destroyed with whatever variables it ends with."""
    current: dict[str, Any] = {"variables": FIRST}
    try:
        current["outputs"] = deploy.apply(localstack_endpoint, FIRST, workspace=WORKSPACE)
        yield current
    finally:
        deploy.destroy(localstack_endpoint, current["variables"], workspace=WORKSPACE)


def fresh_clone(destination: Path) -> Path:
    """The project's tracked files as they are now, and nothing else: no build output, no
    .localstack, no Terraform state."""
    root = deploy.REPO_ROOT
    listed = subprocess.run(
        ["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = root / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def clone_deploy(
    clone: Path, endpoint: str, action: str, *extra: str
) -> subprocess.CompletedProcess:
    """Run the clone's own ``python -m emulation.deploy`` (its own work folder and state)."""
    variables = [
        arg
        for name, value in sorted(RENAMED.items())
        for arg in ("--var", f"{name}={json.dumps(value) if not isinstance(value, str) else value}")
    ]
    return subprocess.run(
        [sys.executable, "-m", "emulation.deploy", action, "--endpoint", endpoint]
        + ["--workspace", WORKSPACE, *variables, *extra],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def last_modified(function_name: str) -> str:
    return client("lambda").get_function(FunctionName=function_name)["Configuration"][
        "LastModified"
    ]


def test_rename_applies_and_a_teammates_clone_plans_nothing_and_replaces_a_function(
    team_stack: dict[str, Any], localstack_endpoint: str, tmp_path: Path
) -> None:
    sfn = client("stepfunctions")
    assert team_stack["outputs"]["function_names"]["compute"] == "fanout-team-compute"

    # WHEN name_prefix is renamed on the deployed stack
    team_stack["variables"] = RENAMED
    renamed = deploy.apply(localstack_endpoint, RENAMED, workspace=WORKSPACE)
    # THEN it applies: every function is recreated under the new name and the pipeline works
    assert renamed["function_names"] == {
        role: f"fanout-crew-{role}"
        for role in ("plan", "compute", "reduce", "sweep-plan", "sweep-report")
    }
    desc = run(sfn, str(renamed["state_machine_arn"]), {"size": 256})
    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    assert json.loads(desc["output"])["total_sum"] == str(total(256))

    # GIVEN a teammate's fresh clone holding a copy of the state and no zip at all
    clone = fresh_clone(tmp_path / "clone")
    state = deploy.stack_dir_for(localstack_endpoint, WORKSPACE) / "terraform.tfstate"
    clone_stack = clone / ".localstack" / state.parent.name
    clone_stack.mkdir(parents=True)
    shutil.copy2(state, clone_stack / "terraform.tfstate")
    assert not list(clone.rglob("*.zip"))

    # WHEN the teammate plans with the same variables: THEN nothing would change
    planned = clone_deploy(clone, localstack_endpoint, "plan")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert planned.stdout.strip() == "no changes"

    # WHEN the teammate replaces the compute function: THEN it is recreated from S3
    before = last_modified("fanout-crew-compute")
    replaced = clone_deploy(clone, localstack_endpoint, "apply", "--replace", COMPUTE)
    assert replaced.returncode == 0, replaced.stdout + replaced.stderr
    assert f"{COMPUTE}: Creation complete" in replaced.stderr
    assert last_modified("fanout-crew-compute") != before
    # AND the pipeline still gives the exact answer with the replaced function
    desc = run(sfn, str(renamed["state_machine_arn"]), {"size": 320})
    assert desc["status"] == "SUCCEEDED", desc.get("cause")
    assert json.loads(desc["output"])["total_sum"] == str(total(320))
    # AND with the teammate's state back on the first machine, nothing is left to change
    shutil.copy2(clone_stack / "terraform.tfstate", state)
    assert deploy.plan(localstack_endpoint, RENAMED, workspace=WORKSPACE) is False
