"""The shape check the product's and the emulator's tests apply to AWS responses."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.support import aws_fixtures
from tests.support.aws_shapes import assert_describe_jobs_shape, shape_errors

pytestmark = pytest.mark.unit

EXAMPLE = aws_fixtures.load("batch/describe_jobs")


def test_aws_example_has_its_own_shape_and_extra_keys_are_allowed() -> None:
    response = copy.deepcopy(EXAMPLE)
    response["jobs"][0]["attempts"] = []
    response["jobs"][0]["container"]["exitCode"] = 0
    assert_describe_jobs_shape(response)


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda job: job.pop("jobQueue"), "$.jobs[0].jobQueue: missing"),
        (lambda job: job["container"].pop("ulimits"), "$.jobs[0].container.ulimits: missing"),
        (
            lambda job: job.update(createdAt="1480483387803"),
            "$.jobs[0].createdAt: string where AWS's example has integer",
        ),
        (
            lambda job: job["container"].update(vcpus=True),
            "$.jobs[0].container.vcpus: boolean where AWS's example has integer",
        ),
        (
            lambda job: job["container"].update(command=["sleep", 60]),
            "$.jobs[0].container.command[1]: integer where AWS's example has string",
        ),
        (lambda job: job.update(parameters=[]), "$.jobs[0].parameters: array where"),
    ],
)
def test_a_missing_key_or_another_type_is_named(
    change: Callable[[dict[str, Any]], None], error: str
) -> None:
    response = copy.deepcopy(EXAMPLE)
    change(response["jobs"][0])
    [found] = shape_errors(response, EXAMPLE)
    assert found.startswith(error)
    with pytest.raises(AssertionError, match="not the shape of AWS's example"):
        assert_describe_jobs_shape(response)
