"""`fanout estimate` for runs over data: the chunking it predicts is the plan's, and the
listing, requests and warnings follow from it."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from fanout import itemio, items
from fanout.config import Limits
from fanout.workloads import s3_digest
from fanout_cli.estimate import items as est
from fanout_cli.main import main
from fanout_cli.resolve import UsageError, build_input, item_source

pytestmark = pytest.mark.unit


def test_the_rules_are_the_plan_functions() -> None:
    assert est.S3_DIGEST_MIN_CHUNK_SIZE == s3_digest.DEFAULT_CHUNK_SIZE
    assert est.MAX_CHUNK_NAME_BYTES == items.MAX_CHUNK_NAME_BYTES
    assert est.READERS == s3_digest.READERS
    assert est.PLAN_DEADLINE_MARGIN_S * 1000 == itemio.DEADLINE_MARGIN_MS


@pytest.mark.parametrize("objects", [1, 249, 250, 10_000, 123_457, 1_000_000])
@pytest.mark.parametrize("limits", [Limits(), Limits(max_chunk_size=300, max_chunks=5000)])
def test_default_chunk_size_is_the_plans(objects: int, limits: Limits) -> None:
    params = s3_digest.validate({"size": objects}, limits)
    assert (
        est.s3_digest_chunk_size(objects, limits.max_chunk_size, limits.max_chunks)
        == (params["chunk_size"])
    )


@pytest.mark.parametrize("key_chars", [1, 20, 40, 200, 1024])
def test_names_per_chunk_is_what_the_plan_cuts(key_chars: int) -> None:
    names = ["k" * key_chars] * 5000
    chunks = items.chunk_names(names, chunk_size=10**6)
    assert chunks[0]["stop"] == min(5000, est.names_per_chunk(key_chars))


def test_a_million_objects_on_the_defaults_warn_about_the_plan_and_say_what_to_set() -> None:
    e = est.estimate_objects(1_000_000, key_chars=40)
    assert e.list_requests == e.s3_lists == 1000
    per_chunk = est.names_per_chunk(40)
    assert e.chunk_size == per_chunk and e.children == math.ceil(1_000_000 / per_chunk)
    assert e.s3_gets >= 1_000_000
    warnings = [n.message for n in e.notes if n.level == "warning"]
    assert any("plan_timeout" in w and "InputTooLargeError" in w for w in warnings)
    assert any("plan_memory_size" in w for w in warnings)
    # with the settings the warnings ask for, the plan fits
    fitted = est.estimate_objects(1_000_000, key_chars=40, plan_timeout_s=300, plan_memory_mb=1769)
    assert not [n for n in fitted.notes if n.level == "warning"]
    assert fitted.plan_seconds < e.plan_seconds < 300


def test_more_objects_than_max_size_are_flagged() -> None:
    e = est.estimate_objects(2_000_000, plan_timeout_s=900, plan_memory_mb=4096)
    assert any("max_size" in n.message for n in e.notes)


def test_rows_cost_follows_the_time_per_row() -> None:
    cheap = est.estimate_rows(10_000, 500_000, 0.001, chunk_size=100)
    dear = est.estimate_rows(10_000, 500_000, 0.01, chunk_size=100)
    assert cheap.children == dear.children == 100
    assert dear.compute_seconds > cheap.compute_seconds
    assert dear.cost_usd["total"] > cheap.cost_usd["total"]
    slow = est.estimate_rows(1000, 50_000, 2.0, chunk_size=1000)
    assert any("--chunk-size" in n.message for n in slow.notes)


def test_bad_figures_are_refused() -> None:
    with pytest.raises(ValueError):
        est.estimate_objects(0)
    with pytest.raises(ValueError):
        est.estimate_rows(10, 5, 0.1, 1)


def test_sweep_chunk_size_is_the_plans() -> None:
    from fanout.workloads import utf8_sweep

    assert est.SWEEP_MIN_CHUNK_SIZE == 10
    for rows in (1, 9, 10, 2001, 50_000, 1_000_000):
        for limits in (Limits(), Limits(max_chunks=500)):
            params = utf8_sweep.validate({"size": rows}, limits)
            assert est.sweep_chunk_size(rows, limits.max_chunks) == params["chunk_size"]


def test_fanout_estimate_objects_prints_the_listing_and_the_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["estimate", "--objects", "1000000"]) == 0
    out = capsys.readouterr().out
    assert "1,000 ListObjectsV2 requests" in out
    assert "warning: The plan needs about" in out and "plan_timeout" in out
    assert main(["estimate", "--objects", "1000", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["list_requests"] == 1


def test_fanout_estimate_rows_needs_the_file_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", "--rows", "10"]) == 2
    assert "--file-bytes" in capsys.readouterr().err
    assert main(["estimate", "--rows", "100", "--file-bytes", "5000"]) == 0
    assert "100 items from jsonl/csv rows" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"s3_prefix": "s3://b/p/"}, {"s3_prefix": "s3://b/p/"}),
        ({"jsonl": "s3://b/p.jsonl"}, {"jsonl": "s3://b/p.jsonl"}),
        ({"csv": "s3://b/p.csv"}, {"csv": "s3://b/p.csv", "header": True}),
        ({"csv": "s3://b/p.csv", "header": False}, {"csv": "s3://b/p.csv", "header": False}),
        ({}, None),
    ],
)
def test_item_source_flags(flags: dict[str, Any], expected: dict[str, Any] | None) -> None:
    assert item_source(**flags) == expected


@pytest.mark.parametrize(
    "flags",
    [
        {"s3_prefix": "s3://b/p/", "jsonl": "s3://b/x"},
        {"jsonl": "b/p.jsonl"},
        {"jsonl": "s3://b/p.jsonl", "header": False},
        {"header": False},
    ],
)
def test_bad_item_source_flags_are_usage_errors(flags: dict[str, Any]) -> None:
    with pytest.raises(UsageError):
        item_source(**flags)


def test_the_input_of_a_run_over_data() -> None:
    items = {"jsonl": "s3://b/p.jsonl"}
    assert build_input(None, None, chunk_size=5, workload="utf8_sweep", items=items) == {
        "chunk_size": 5,
        "workload": "utf8_sweep",
        "items": items,
    }
    with pytest.raises(UsageError, match="--workload"):
        build_input(None, None, items=items)
    # a whole input naming items needs no size
    assert build_input(None, json.dumps({"workload": "s3_digest", "items": items})) == {
        "workload": "s3_digest",
        "items": items,
    }
    with pytest.raises(UsageError, match="size or items"):
        build_input(None, "{}")
