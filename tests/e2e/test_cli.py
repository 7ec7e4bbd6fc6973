"""The `fanout` command against the deployed stack, given only the endpoint and the
Terraform state: run (with progress), status and result."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from emulation import deploy
from tests.e2e.stack import fanout, unique_name
from tests.support.utf8_reference import total

pytestmark = pytest.mark.e2e


def test_run_status_and_result_from_the_terraform_state(
    deployed_stack: dict[str, Any], localstack_endpoint: str, tmp_path: Path
) -> None:
    # GIVEN only the endpoint and the folder holding the Terraform state
    tf_dir = str(deploy.stack_dir_for(localstack_endpoint, "e2e"))
    name = unique_name("cli")
    expected = str(total(1024))

    # WHEN the user runs the job with the command-line tool
    ran = fanout(
        localstack_endpoint,
        "run",
        "--size",
        "1024",
        "--name",
        name,
        "--terraform-dir",
        tf_dir,
        "--poll-interval",
        "0.5",
    )

    # THEN it succeeds, showed progress on stderr and printed the exact number
    assert ran.returncode == 0, ran.stderr
    assert "done" in ran.stderr and "elapsed" in ran.stderr
    assert "SUCCEEDED" in ran.stdout
    assert expected in ran.stdout.split()

    # AND status reports the finished run with its map-run counts
    status = fanout(localstack_endpoint, "status", name, "--terraform-dir", tf_dir)
    assert status.returncode == 0, status.stderr
    assert "SUCCEEDED" in status.stdout

    # AND result downloads the full number and verifies its sha256
    out_file = tmp_path / "t1024.txt"
    got = fanout(
        localstack_endpoint, "result", name, "-o", str(out_file), "--terraform-dir", tf_dir
    )
    assert got.returncode == 0, got.stderr
    text = out_file.read_text().strip()
    assert text == expected
    assert hashlib.sha256(text.encode()).hexdigest() in got.stdout + got.stderr


def test_run_exits_non_zero_with_the_error_and_cause(
    deployed_stack: dict[str, Any], localstack_endpoint: str
) -> None:
    tf_dir = str(deploy.stack_dir_for(localstack_endpoint, "e2e"))
    # The input passes the tool's own checks; the state machine refuses it.
    payload = '{"size": 10, "colour": "red"}'
    ran = fanout(localstack_endpoint, "run", "--input", payload, "--terraform-dir", tf_dir)
    assert ran.returncode == 1, ran.stderr
    output = ran.stdout + ran.stderr
    assert "InvalidInputError" in output
    assert "colour: unknown field in input" in output
