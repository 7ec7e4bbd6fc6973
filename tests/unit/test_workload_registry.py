"""The workload registry is discovered from the workloads folder by one rule (shared with
the Terraform variable default_workload) and every discovered module follows the protocol."""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import fanout.workloads
from fanout.workloads import InvalidWorkloadError, discover, workload_names

pytestmark = pytest.mark.unit

VALID = """
NAME = "{name}"
PARTIAL_ENCODING = "json"
FIELDS = ("offset",)


def validate(params, limits):
    return params


def plan(params):
    return []


def compute(params, chunk):
    return 0


def reduce(params, partials):
    return {{"verdict": "OK"}}
"""


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """An empty importable package with a unique name (removed from sys.modules after)."""
    name = f"workloads_{uuid.uuid4().hex[:10]}"
    folder = tmp_path / name
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    (folder / "base.py").write_text("class Workload: ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield folder, name
    for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[module]


def test_bundled_workloads_are_the_modules_of_the_folder() -> None:
    folder = Path(fanout.workloads.__file__).parent
    assert sorted(fanout.workloads.REGISTRY) == workload_names(folder)
    assert {"utf8_count", "repro_check"} <= set(fanout.workloads.REGISTRY)
    for name, workload in fanout.workloads.REGISTRY.items():
        assert workload.NAME == name


def test_a_new_module_is_a_workload_and_helpers_base_and_package_are_not(
    package: tuple[Path, str],
) -> None:
    # GIVEN a workload module, a helper starting with "_", base.py and __init__.py
    folder, name = package
    (folder / "squares.py").write_text(VALID.format(name="squares"))
    (folder / "_helpers.py").write_text("def split(n):\n    return n\n")

    # WHEN the folder is discovered
    registry = discover(folder, name)

    # THEN only the workload is registered, as the module itself
    assert list(registry) == ["squares"]
    assert registry["squares"] is sys.modules[f"{name}.squares"]
    assert workload_names(folder) == ["squares"]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (VALID.format(name="other"), "NAME must be 'broken'"),
        (VALID.format(name="broken").replace('"json"', '"xml"'), "PARTIAL_ENCODING"),
        (VALID.format(name="broken").replace('("offset",)', '"offset"'), "FIELDS"),
        (VALID.format(name="broken").replace("def reduce(", "def _reduce("), "reduce() is missing"),
        # A helper module that forgot its leading underscore.
        ("def split(n):\n    return n\n", "NAME must be 'broken'"),
    ],
    ids=[
        "wrong-name",
        "bad-encoding",
        "fields-not-tuple",
        "no-reduce",
        "helper-without-underscore",
    ],
)
def test_a_module_that_breaks_the_protocol_stops_discovery(
    package: tuple[Path, str], source: str, problem: str
) -> None:
    folder, name = package
    (folder / "broken.py").write_text(source)
    (folder / "fine.py").write_text(VALID.format(name="fine"))

    with pytest.raises(
        InvalidWorkloadError, match=rf"workload module 'broken' .*{re.escape(problem)}"
    ):
        discover(folder, name)
