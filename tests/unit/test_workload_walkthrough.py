"""Follows "Add your own workload" in docs/workloads.md literally: the module and the test
are taken from the page itself and run through the real handlers."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import fanout.workloads
from fanout.errors import InvalidInputError, MalformedInputError
from fanout.workloads.base import check_workload
from tests.support.pipeline import Pipeline

pytestmark = pytest.mark.unit

DOC = Path(__file__).resolve().parents[2] / "docs" / "workloads.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


def block_containing(marker: str) -> str:
    found = [b for b in python_blocks() if marker in b]
    assert len(found) == 1, f"docs/workloads.md must hold exactly one block with {marker!r}"
    return found[0]


@pytest.fixture
def walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return install_page_workload("squares_sum", tmp_path, monkeypatch)


def install_page_workload(name: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Step 1: the page's module, written to a file as the page says (here under a temp
    folder). Step 2: nothing to register; the registry's own check accepts the module."""
    path = folder / f"{name}.py"
    path.write_text(block_containing(f'NAME = "{name}"'))
    spec = importlib.util.spec_from_file_location(f"fanout.workloads.{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, f"fanout.workloads.{name}", module)
    spec.loader.exec_module(module)
    monkeypatch.setitem(fanout.workloads.REGISTRY, name, check_workload(name, module))
    return module


def test_walkthrough_test_passes(walkthrough: ModuleType, pipeline: Pipeline) -> None:
    # Step 3: the page's own test, run against the real handlers.
    namespace: dict[str, Any] = {}
    exec(block_containing("def test_squares_sum"), namespace)  # noqa: S102
    namespace["test_squares_sum"](pipeline)


def test_walkthrough_output_matches_the_page(walkthrough: ModuleType, pipeline: Pipeline) -> None:
    # Step 4: the execution output the page shows.
    out = pipeline.run({"workload": "squares_sum", "size": 2500, "offset": 3})
    expected_total = sum((i + 3) ** 2 for i in range(2500))
    assert out["total"] == str(expected_total)
    assert out["chunk_count"] == 3
    text = DOC.read_text()
    assert f'"total": "{expected_total}"' in text
    assert '"chunk_count": 3' in text


def test_walkthrough_workload_is_validated_like_the_others(
    walkthrough: ModuleType, pipeline: Pipeline
) -> None:
    with pytest.raises(InvalidInputError, match=r"^offset: "):
        pipeline.plan({"workload": "squares_sum", "size": 10, "offset": -1})
    with pytest.raises(InvalidInputError, match=r"^kernel: unknown field"):
        pipeline.plan({"workload": "squares_sum", "size": 10, "kernel": "fast"})


@pytest.fixture
def item_walkthrough(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """ "A workload over data", steps 1 and 2."""
    return install_page_workload("order_totals", tmp_path, monkeypatch)


def test_item_walkthrough_test_passes(item_walkthrough: ModuleType, pipeline: Pipeline) -> None:
    namespace: dict[str, Any] = {}
    exec(block_containing("def test_order_totals"), namespace)  # noqa: S102
    with pytest.MonkeyPatch.context() as monkeypatch:
        namespace["test_order_totals"](pipeline, monkeypatch)


def test_item_walkthrough_refuses_a_bad_row_by_line_as_the_page_says(
    item_walkthrough: ModuleType, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOWED_INPUT_LOCATIONS", '["s3://shop-data/orders/"]')
    lines = ['{"price_cents": 1, "quantity": 1}'] * 6 + ['{"price_cents": 5, "quantity": -1}']
    pipeline.s3.put_object(Bucket="shop-data", Key="orders/today.jsonl", Body="\n".join(lines))
    with pytest.raises(MalformedInputError) as err:
        pipeline.plan(
            {"workload": "order_totals", "items": {"jsonl": "s3://shop-data/orders/today.jsonl"}}
        )
    assert f"`MalformedInputError` naming its line (`{err.value}`)" in " ".join(
        DOC.read_text().split()
    )


def test_item_walkthrough_over_csv(
    item_walkthrough: ModuleType, pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOWED_INPUT_LOCATIONS", '["s3://shop-data/orders/"]')
    body = "price_cents,quantity\n250,3\n1999,1\n"
    pipeline.s3.put_object(Bucket="shop-data", Key="orders/today.csv", Body=body)
    out = pipeline.run(
        {"workload": "order_totals", "items": {"csv": "s3://shop-data/orders/today.csv"}}
    )
    assert (out["orders"], out["total_cents"]) == (2, 250 * 3 + 1999)
