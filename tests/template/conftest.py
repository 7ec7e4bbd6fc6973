"""Fixtures that run the real Terraform on the small roots under tests/template."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_ROOT = Path(__file__).resolve().parent / "fixture"


def terraform_binary() -> str:
    path = shutil.which("terraform")
    if path is None:
        pytest.fail("terraform is not on PATH: install Terraform >= 1.6 to run the template tests")
    return path


def run_terraform(args: list[str], *, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [terraform_binary(), *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(
            f"terraform {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc.stdout


@pytest.fixture(scope="session")
def terraform_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment with a private data dir; the offline provider mirror when there is one."""
    env = dict(os.environ)
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_DATA_DIR"] = str(tmp_path_factory.mktemp("tf-data") / ".terraform")
    config = subprocess.run(
        ["sh", str(REPO_ROOT / "scripts" / "terraform-cli-config")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if config:
        env["TF_CLI_CONFIG_FILE"] = config
    elif env.get("TF_CLI_CONFIG_FILE") and not Path(env["TF_CLI_CONFIG_FILE"]).exists():
        del env["TF_CLI_CONFIG_FILE"]
    return env


@pytest.fixture(scope="session")
def render_asl(
    terraform_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Callable[..., dict]:
    """Render the real ASL template through Terraform with the given fixture variables."""
    run_terraform(["init", "-input=false", "-no-color"], cwd=FIXTURE_ROOT, env=terraform_env)
    state_dir = tmp_path_factory.mktemp("tf-state")
    renders = 0

    def render(**variables: object) -> dict:
        nonlocal renders
        renders += 1
        state = state_dir / f"render-{renders}.tfstate"
        var_args = [
            f"-var={name}={value if isinstance(value, str) else json.dumps(value)}"
            for name, value in variables.items()
        ]
        run_terraform(
            ["apply", "-auto-approve", "-input=false", "-no-color", f"-state={state}", *var_args],
            cwd=FIXTURE_ROOT,
            env=terraform_env,
        )
        text = run_terraform(
            ["output", "-no-color", f"-state={state}", "-raw", "definition"],
            cwd=FIXTURE_ROOT,
            env=terraform_env,
        )
        return {"text": text, "json": json.loads(text)}

    return render
