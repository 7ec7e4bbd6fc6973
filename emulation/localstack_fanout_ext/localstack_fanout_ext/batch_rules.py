"""Pure rules of AWS Batch the emulator applies: retries, parameter substitution, images.

No LocalStack imports here, so the unit tests exercise them directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# ------------------------------------------------------------------ retries (evaluateOnExit)
# https://docs.aws.amazon.com/batch/latest/userguide/job_retries.html and
# https://docs.aws.amazon.com/batch/latest/APIReference/API_EvaluateOnExit.html:
# * each entry's conditions (onStatusReason, onReason, onExitCode) must all match; the first
#   matching entry decides (RETRY or EXIT, not case sensitive);
# * a pattern matches exactly, or by prefix when it ends with an asterisk;
# * "If evaluateOnExit is specified, but none of the retry strategies match, then the job is
#   retried" (while attempts remain);
# * "Jobs that are cancelled or terminated aren't retried."
# https://docs.aws.amazon.com/batch/latest/userguide/job_timeouts.html: "If a job is terminated
# for exceeding the timeout duration, it isn't retried", whatever the retry strategy says.
# A value the attempt does not have (no exit code after a host failure, say) is matched as the
# empty string, so only "*" matches it: AWS does not document this case.


def glob_matches(pattern: str, value: str | None) -> bool:
    text = "" if value is None else str(value)
    if pattern.endswith("*"):
        return text.startswith(pattern[:-1])
    return text == pattern


@dataclass(frozen=True)
class AttemptOutcome:
    """What one failed attempt reports: the fields evaluateOnExit looks at."""

    status_reason: str
    reason: str | None = None
    exit_code: int | None = None
    timed_out: bool = False  # stopped for exceeding attemptDurationSeconds


def retry_action(strategy: dict[str, Any] | None, outcome: AttemptOutcome) -> str:
    """RETRY or EXIT for a failed attempt (attempt counting is the caller's)."""
    for rule in (strategy or {}).get("evaluateOnExit") or []:
        conditions = (
            ("onStatusReason", outcome.status_reason),
            ("onReason", outcome.reason),
            ("onExitCode", None if outcome.exit_code is None else str(outcome.exit_code)),
        )
        if all(
            glob_matches(rule[key], value) for key, value in conditions if rule.get(key) is not None
        ):
            return str(rule["action"]).upper()
    return "RETRY"


def should_retry(strategy: dict[str, Any] | None, attempt: int, outcome: AttemptOutcome) -> bool:
    """Whether a failed attempt number ``attempt`` (1-based) is followed by another one."""
    attempts = int((strategy or {}).get("attempts") or 1)
    if outcome.timed_out:
        return False
    return attempt < attempts and retry_action(strategy, outcome) == "RETRY"


# ------------------------------------------------------------------ parameters
# https://docs.aws.amazon.com/batch/latest/userguide/job_definition_parameters.html#parameters:
# "Parameters in a SubmitJob request override any corresponding parameter defaults from the job
# definition"; a "Ref::name" placeholder in the command is replaced by the parameter's value.
# A placeholder with no parameter is left as written.

REF_PATTERN = re.compile(r"Ref::([A-Za-z0-9_-]+)")


def substitute_parameters(command: list[str], parameters: dict[str, str]) -> list[str]:
    def one(argument: str) -> str:
        return REF_PATTERN.sub(lambda m: parameters.get(m.group(1), m.group(0)), argument)

    return [one(argument) for argument in command]


def merge_environment(*layers: list[dict[str, str]] | None) -> dict[str, str]:
    """Job definition environment, then containerOverrides (later layers win)."""
    out: dict[str, str] = {}
    for layer in layers:
        for variable in layer or []:
            out[str(variable["name"])] = str(variable.get("value", ""))
    return out


# ------------------------------------------------------------------ images
# The emulator runs a job's command as a local process with the Python the image carries:
#   * Docker's official Python images (python:3.12, python:3.12-slim, docker.io/library/...,
#     public.ecr.aws/docker/library/python:...) carry CPython and pip only: the job runs with
#     that CPython version's plain interpreter, without boto3, as in the image;
#   * AWS Lambda Python base images (public.ecr.aws/lambda/python:3.12, amazon/aws-lambda-python)
#     carry Python with boto3, and their ENTRYPOINT is /lambda-entrypoint.sh, which a Batch
#     command cannot replace (ContainerProperties has no entryPoint): that script exits 142 with
#     "entrypoint requires the handler name to be the first argument" unless given exactly one
#     argument, and with one argument it starts the Lambda runtime and waits for invocations.

PYTHON_IMAGE = re.compile(
    r"^(?:(?:docker\.io/)?(?:library/)?|public\.ecr\.aws/docker/library/)python:(\d+)\.(\d+)"
)
LAMBDA_IMAGE = re.compile(
    r"^(?:public\.ecr\.aws/lambda/python|(?:docker\.io/)?amazon/aws-lambda-python):(\d+)\.(\d+)"
)
LAMBDA_ENTRYPOINT_EXIT = 142
LAMBDA_ENTRYPOINT_MESSAGE = "entrypoint requires the handler name to be the first argument"


class ImageNotEmulated(Exception):
    """The emulator has no local equivalent of this image; the message names it and why."""


@dataclass(frozen=True)
class LocalImage:
    """How to run a command of this image locally: argv prefix and the Python to use."""

    kind: str  # "python" or "lambda"
    version: tuple[int, int]


def local_image(image: str) -> LocalImage:
    if match := PYTHON_IMAGE.match(image):
        return LocalImage("python", (int(match.group(1)), int(match.group(2))))
    if match := LAMBDA_IMAGE.match(image):
        return LocalImage("lambda", (int(match.group(1)), int(match.group(2))))
    raise ImageNotEmulated(
        f"CannotPullContainerError: the Batch emulator cannot run image {image!r}: it runs "
        "Docker's official python:<major>.<minor> images and the AWS Lambda Python base images "
        "(public.ecr.aws/lambda/python:<major>.<minor>) as local processes, nothing else"
    )


def interpreter_for(image: LocalImage, runtimes_dir: Path) -> Path:
    """The interpreter of the Lambda runtime venv (Lambda images) or its base CPython (python)."""
    name = f"python{image.version[0]}.{image.version[1]}"
    venv = runtimes_dir / name
    if not (venv / "bin" / "python").exists():
        raise ImageNotEmulated(
            f"CannotPullContainerError: no local Python {image.version[0]}.{image.version[1]} "
            f"for this image (looked for {venv}/bin/python; `python -m emulation.lsctl install` "
            "makes it when that Python version is installed)"
        )
    if image.kind == "lambda":
        return venv / "bin" / "python"
    for line in (venv / "pyvenv.cfg").read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "executable":
            return Path(value.strip())
    raise ImageNotEmulated(f"CannotPullContainerError: {venv}/pyvenv.cfg names no executable")


def container_argv(image: LocalImage, command: list[str]) -> list[str] | None:
    """The container's command to run locally, or None when the image's entrypoint fails.

    The runner puts ``python``, ``python3`` and ``pythonX.Y`` for the image's interpreter first
    on PATH, so the command (or a shell it starts) finds the image's Python by those names.
    """
    if image.kind == "lambda" and len(command) != 1:
        return None
    if image.kind == "lambda":
        raise ImageNotEmulated(
            "the Lambda base image's entrypoint would start the Lambda runtime with handler "
            f"{command[0]!r} and wait for invocations: the Batch emulator does not run that"
        )
    if not command:
        raise ImageNotEmulated("the job has no command (a python image would start a REPL)")
    return list(command)
