"""fanout's exit codes: 2 for what the user must fix, 1 for a failed run, and an
error inside the tool itself never passed off as a usage error."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from fanout_cli import awsconfig, exit_codes
from fanout_cli import main as cli
from fanout_cli.commands import estimate as estimate_command

pytestmark = pytest.mark.unit

MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:fanout"
EXEC = "arn:aws:states:us-east-1:123456789012:execution:fanout:run-1"


class SucceededWith:
    """A Step Functions client whose one execution succeeded with ``output``."""

    def __init__(self, output: dict[str, Any]) -> None:
        self.output = output

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        return {
            "executionArn": executionArn,
            "status": "SUCCEEDED",
            "output": json.dumps(self.output),
        }


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--input", "{not json", "--state-machine-arn", MACHINE],
        ["run", "--input", "[1]", "--state-machine-arn", MACHINE],
        ["run", "--size", "8", "--state-machine-arn", "not-an-arn"],
        ["run", "--size", "8", "--name", "has spaces", "--state-machine-arn", MACHINE],
        ["status", "run-1"],
        ["status", "arn:aws:states:us-east-1:123456789012:nonsense"],
        ["estimate", "--size", "1024", "--memory-mb", "100"],
    ],
)
def test_usage_errors_exit_2_and_name_the_command(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FANOUT_STATE_MACHINE_ARN", raising=False)
    assert cli.main(argv) == exit_codes.EXIT_USAGE == 2
    assert capsys.readouterr().err.startswith(f"fanout {argv[0]}: ")


def test_argparse_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["estimate", "--size", "0"])
    assert exited.value.code == 2


def test_a_value_error_inside_the_tool_is_not_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a bug: the tool's own code raises ValueError on valid arguments
    def broken(**_: Any) -> None:
        raise ValueError("math domain error")

    monkeypatch.setattr(estimate_command, "estimate", broken)

    # WHEN the user runs a valid command
    code = cli.main(["estimate", "--size", "1024"])

    # THEN it is reported as an error in fanout, with its traceback, not as exit 2
    err = capsys.readouterr().err
    assert code == exit_codes.EXIT_INTERNAL
    assert code not in (exit_codes.EXIT_USAGE, exit_codes.EXIT_FAILED)
    assert "Traceback" in err
    assert "internal error ValueError: math domain error" in err


def test_a_run_whose_output_names_no_s3_object_is_a_failed_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sfn = SucceededWith({"sha256": "ab" * 32, "result_s3_uri": "https://example.com/x"})
    monkeypatch.setattr(awsconfig, "aws_client", lambda service, a, arn: sfn)
    assert cli.main(["result", EXEC]) == exit_codes.EXIT_FAILED == 1
    assert "names no S3 object" in capsys.readouterr().err


def test_the_help_lists_every_exit_code() -> None:
    for code in exit_codes.MEANINGS:
        assert f"{code} " in exit_codes.EPILOG


def test_the_readme_names_every_exit_code() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    [sentence] = [p for p in readme.split("\n\n") if "Exit codes:" in p]
    named = {int(code) for code in re.findall(r"(?:: |, |\n)(\d+) ", sentence)}
    assert named == set(exit_codes.MEANINGS)
