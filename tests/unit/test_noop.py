from __future__ import annotations

import pytest

from fanout.config import Limits
from fanout.errors import InvalidInputError
from fanout.workloads import REGISTRY, noop
from tests.support.pipeline import Pipeline

pytestmark = pytest.mark.unit


def test_noop_is_discovered_by_the_registry() -> None:
    assert REGISTRY["noop"] is noop


def test_one_child_per_item_by_default(pipeline: Pipeline) -> None:
    # GIVEN a noop run naming no chunk_size
    out = pipeline.run({"workload": "noop", "size": 37})
    # THEN every item had its own child, and the count adds up
    assert out["verdict"] == "OK"
    assert out["chunk_count"] == 37
    assert (out["items"], out["children"]) == (37, 37)


def test_chunk_size_is_honoured_and_limited_by_max_chunks() -> None:
    assert noop.validate({"size": 10, "chunk_size": 4}, Limits())["chunk_size"] == 4
    assert noop.plan({"size": 10, "chunk_size": 4})[-1] == {"chunk_id": 2, "start": 8, "stop": 10}
    # MAX_CHUNKS caps the default: 1000 items in at most 100 children
    assert noop.validate({"size": 1000}, Limits(max_chunks=100))["chunk_size"] == 10


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="^kernel: unknown field"):
        noop.validate({"size": 10, "kernel": "fast"}, Limits())


def test_a_miscount_fails_the_run() -> None:
    # GIVEN partials that cover fewer items than the run planned
    summary = noop.reduce({"size": 5, "chunk_size": 1}, [1, 1, 1, 1])
    # THEN the verdict fails the execution with a named error
    assert summary["verdict"] == "MISCOUNTED"
    assert summary["error"] == "ItemsMiscountedError"
    assert summary["cause"] == "the children covered 4 items, the run planned 5"
