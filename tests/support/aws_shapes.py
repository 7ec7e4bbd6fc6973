"""Whether a response has the shape of an AWS example (``tests/fixtures/aws``): every key of the
example, at every depth, with a value of the same JSON type. Extra keys are allowed (AWS's
examples show a subset of the members), missing ones and changed types are not. The product's
tests and the emulator's tests both check their responses with it."""

from __future__ import annotations

from typing import Any

from tests.support import aws_fixtures


def _kind(value: Any) -> str:
    if isinstance(value, bool):  # before int: True is an int to Python, not to JSON
        return "boolean"
    if isinstance(value, int):
        return "integer"
    for kind, name in ((float, "number"), (str, "string"), (list, "array"), (dict, "object")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def shape_errors(actual: Any, example: Any, where: str = "$") -> list[str]:
    """What differs between ``actual`` and AWS's ``example``, one line per difference."""
    if _kind(actual) != _kind(example):
        return [f"{where}: {_kind(actual)} where AWS's example has {_kind(example)}"]
    errors: list[str] = []
    if isinstance(example, dict):
        for key, value in example.items():
            if key not in actual:
                errors.append(f"{where}.{key}: missing")
            else:
                errors.extend(shape_errors(actual[key], value, f"{where}.{key}"))
    elif isinstance(example, list) and example:
        for index, item in enumerate(actual):
            errors.extend(shape_errors(item, example[0], f"{where}[{index}]"))
    return errors


def assert_shape(actual: Any, example: Any) -> None:
    errors = shape_errors(actual, example)
    assert not errors, "not the shape of AWS's example:\n" + "\n".join(errors)


def assert_describe_jobs_shape(response: dict[str, Any]) -> None:
    """A DescribeJobs response: each job has the shape of the job in AWS's example."""
    [example] = aws_fixtures.load("batch/describe_jobs")["jobs"]
    assert_shape(response, {"jobs": []})
    for job in response["jobs"]:
        assert_shape(job, example)
