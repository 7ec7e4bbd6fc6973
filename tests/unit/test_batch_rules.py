"""The AWS Batch rules the emulator applies, without LocalStack: evaluateOnExit, parameter
substitution and which images run locally with which Python."""

from __future__ import annotations

from pathlib import Path

import pytest

from localstack_fanout_ext.batch_rules import (
    AttemptOutcome,
    ImageNotEmulated,
    LocalImage,
    container_argv,
    glob_matches,
    interpreter_for,
    local_image,
    retry_action,
    should_retry,
    substitute_parameters,
)

pytestmark = pytest.mark.unit

HOST_FAILURE = AttemptOutcome("Host EC2 (instance i-0123456789abcdef0) terminated.")
PROGRAM_FAILURE = AttemptOutcome("Essential container in task exited", exit_code=1)
# https://docs.aws.amazon.com/batch/latest/userguide/job_retries.html (its example strategy)
DOC_RULES = [
    {"action": "RETRY", "onReason": "AGENT"},
    {"action": "RETRY", "onStatusReason": "Task failed to start"},
    {"action": "EXIT", "onReason": "*"},
]


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("137", "137", True),
        ("137", "1370", False),
        ("13*", "137", True),
        ("*", "", True),
        ("*", None, True),
        ("1*", None, False),
        ("N*", None, False),  # a missing value is only matched by "*"
        ("Host EC2*", "Host EC2 (instance i-1) terminated.", True),
        ("host ec2*", "Host EC2 (instance i-1) terminated.", False),
    ],
)
def test_glob_matches_exactly_or_by_prefix(pattern: str, value: str | None, matches: bool) -> None:
    # API_EvaluateOnExit: "can optionally end with an asterisk (*) so that only the start of the
    # string needs to be an exact match"
    assert glob_matches(pattern, value) is matches


def test_first_matching_rule_decides_and_actions_ignore_case() -> None:
    rules = [
        {"onStatusReason": "Host EC2*", "action": "retry"},
        {"onReason": "*", "action": "EXIT"},
    ]
    assert retry_action({"evaluateOnExit": rules}, HOST_FAILURE) == "RETRY"
    assert retry_action({"evaluateOnExit": rules}, PROGRAM_FAILURE) == "EXIT"


def test_every_condition_of_a_rule_must_match() -> None:
    rules = [{"onStatusReason": "Essential*", "onExitCode": "2", "action": "EXIT"}]
    assert retry_action({"evaluateOnExit": rules}, PROGRAM_FAILURE) == "RETRY"
    rules[0]["onExitCode"] = "1"
    assert retry_action({"evaluateOnExit": rules}, PROGRAM_FAILURE) == "EXIT"


def test_no_matching_rule_means_retry() -> None:
    # job_retries.html: "If evaluateOnExit is specified, but none of the retry strategies match,
    # then the job is retried"
    rules = [{"onExitCode": "9", "action": "EXIT"}]
    assert retry_action({"evaluateOnExit": rules}, PROGRAM_FAILURE) == "RETRY"
    assert retry_action(None, PROGRAM_FAILURE) == "RETRY"
    assert retry_action({"evaluateOnExit": DOC_RULES}, PROGRAM_FAILURE) == "EXIT"


@pytest.mark.parametrize(
    ("strategy", "attempt", "retried"),
    [
        (None, 1, False),  # one attempt by default
        ({"attempts": 3}, 1, True),
        ({"attempts": 3}, 2, True),
        ({"attempts": 3}, 3, False),
        ({"attempts": 3, "evaluateOnExit": [{"onExitCode": "1", "action": "EXIT"}]}, 1, False),
    ],
)
def test_attempts_bound_the_retries(strategy: dict | None, attempt: int, retried: bool) -> None:
    assert should_retry(strategy, attempt, PROGRAM_FAILURE) is retried


def test_a_timed_out_attempt_is_not_retried() -> None:
    # https://docs.aws.amazon.com/batch/latest/userguide/job_timeouts.html: "If a job is
    # terminated for exceeding the timeout duration, it isn't retried"
    timed_out = AttemptOutcome(
        "Job attempt duration exceeded timeout", exit_code=143, timed_out=True
    )
    strategy = {"attempts": 3, "evaluateOnExit": [{"onReason": "*", "action": "RETRY"}]}
    assert should_retry(strategy, 1, timed_out) is False
    assert should_retry(strategy, 1, PROGRAM_FAILURE) is True


def test_ref_placeholders_take_the_parameters() -> None:
    # job_definition_parameters.html#parameters
    command = ["run", "Ref::inputfile", "--size=Ref::size", "Ref::missing"]
    assert substitute_parameters(command, {"inputfile": "a.json", "size": "10"}) == [
        "run",
        "a.json",
        "--size=10",
        "Ref::missing",
    ]


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("python:3.12-slim", LocalImage("python", (3, 12))),
        ("python:3.13", LocalImage("python", (3, 13))),
        ("docker.io/library/python:3.12-bookworm", LocalImage("python", (3, 12))),
        ("public.ecr.aws/docker/library/python:3.12-slim", LocalImage("python", (3, 12))),
        ("public.ecr.aws/lambda/python:3.12", LocalImage("lambda", (3, 12))),
        ("amazon/aws-lambda-python:3.13.2024", LocalImage("lambda", (3, 13))),
    ],
)
def test_python_images_map_to_their_version(image: str, expected: LocalImage) -> None:
    assert local_image(image) == expected


@pytest.mark.parametrize("image", ["busybox", "python:latest", "mypython:3.12", "ubuntu:24.04"])
def test_other_images_are_named_in_the_refusal(image: str) -> None:
    with pytest.raises(ImageNotEmulated, match=f"image '{image}'"):
        local_image(image)


def test_python_images_run_the_base_interpreter_and_lambda_images_the_runtime(
    tmp_path: Path,
) -> None:
    venv = tmp_path / "python3.12"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").touch()
    base = tmp_path / "base-python" / "bin" / "python3.12"
    (venv / "pyvenv.cfg").write_text(f"home = {base.parent}\nexecutable = {base}\n")
    assert interpreter_for(LocalImage("python", (3, 12)), tmp_path) == base
    assert interpreter_for(LocalImage("lambda", (3, 12)), tmp_path) == venv / "bin" / "python"
    with pytest.raises(ImageNotEmulated, match="no local Python 3.9"):
        interpreter_for(LocalImage("python", (3, 9)), tmp_path)


def test_lambda_image_entrypoint_takes_exactly_one_argument() -> None:
    lambda_image = LocalImage("lambda", (3, 12))
    assert container_argv(lambda_image, ["python", "-c", "1"]) is None  # exits 142 on AWS
    with pytest.raises(ImageNotEmulated, match="Lambda runtime"):
        container_argv(lambda_image, ["app.handler"])
    assert container_argv(LocalImage("python", (3, 12)), ["python", "-V"]) == ["python", "-V"]
