"""Every Terraform file in the repository is formatted the canonical way."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.template

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_terraform_fmt_check() -> None:
    terraform = shutil.which("terraform")
    assert terraform, "terraform is not on PATH: install Terraform >= 1.6"
    proc = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-no-color"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, f"not formatted (run `terraform fmt -recursive`):\n{proc.stdout}"
