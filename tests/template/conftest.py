"""Fixtures that run the real Terraform on the small roots under tests/template."""

from __future__ import annotations

import base64
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


def run_terraform(
    args: list[str], *, cwd: Path, env: dict[str, str], stdin: str | None = None
) -> str:
    proc = subprocess.run(
        [terraform_binary(), *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
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
def render_asl(terraform_env: dict[str, str]) -> Callable[[dict[str, dict]], dict[str, dict]]:
    """Render the real ASL through the state_machine module (fixture/main.tf), one definition
    per named variant of its settings, all in one Terraform run (loading the provider is slow)."""
    run_terraform(["init", "-input=false", "-no-color"], cwd=FIXTURE_ROOT, env=terraform_env)

    def render(variants: dict[str, dict]) -> dict[str, dict]:
        # terraform console evaluates the module's outputs without planning its resources
        # (a plan would ask AWS to validate the definition). base64 keeps the text intact.
        printed = run_terraform(
            ["console", "-no-color", f"-var=variants={json.dumps(variants)}"],
            cwd=FIXTURE_ROOT,
            env=terraform_env,
            stdin="base64encode(jsonencode(local.definitions))\n",
        )
        texts = json.loads(base64.b64decode(printed.strip().strip('"')))
        return {name: {"text": text, "json": json.loads(text)} for name, text in texts.items()}

    return render
