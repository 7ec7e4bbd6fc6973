"""fanout estimate: figures checked against arithmetic written out by hand."""

from __future__ import annotations

import math

import pytest

from fanout_cli import prices
from fanout_cli.estimate import CostModel, estimate
from fanout_cli.estimate.model import cpu_factor, item_seconds, partial_bytes_about
from fanout_cli.estimate.notes import (
    concurrency_notes,
    history_notes,
    payload_notes,
    timeout_notes,
)

pytestmark = pytest.mark.unit

REL = 1e-12


def test_size_1024_defaults_every_figure_by_hand() -> None:
    # GIVEN the deployment's defaults: fast kernel, 1769 MB compute, 256 MB plan,
    # 1769 MB reduce, STANDARD children, MaxConcurrency 40
    est = estimate(1024)

    # chunk = max(64, ceil(1024/200) = 6) = 64; 1024/64 = 16 children
    assert est.chunk_size == 64
    assert est.chunk_size_is_default
    assert est.children == 16
    assert est.effective_concurrency == 16  # min(16, 40)
    assert est.lambda_invocations == {"plan": 1, "compute": 16, "reduce": 1, "total": 18}
    # 5 parent states + 16 x (1 map child start + 1 Compute state)
    assert est.state_transitions == 37
    assert est.history_events_parent == 20
    assert est.history_events_per_child == 7
    assert est.history_events_per_child_max == 7 + 3 * 12
    # largest partial: ceil(1.7902619 * 1024 = 1833.23) + 2 quotes = 1836 bytes <= 32 KiB
    assert est.largest_partial_bytes == 1836
    assert est.partials_via_s3 == 0
    assert est.s3_puts["total"] == 1 + 0 + 2 + 2
    assert est.s3_gets["total"] == 1 + 2 + 0
    # digits: floor(1024 * 2.1556901 - 1) = floor(2206.43) = 2206 (T(1024) has 2206)
    assert est.result_digits_about == 2206

    # compute: 16 x 0.05 overhead + 1024 items x 1e-6 + 3e-9 x (0 + 1 + ... + 1023)
    sum_i = 1023 * 1024 // 2
    assert sum_i == 523776
    compute = 16 * 0.05 + 1024 * 1e-6 + 3e-9 * 523776
    assert compute == pytest.approx(0.802595328, rel=REL)
    assert est.compute_seconds == pytest.approx(compute, rel=REL)
    # last chunk [960, 1024): 0.05 + 64e-6 + 3e-9 * (960 + 1023) * 64 / 2
    assert est.longest_chunk_seconds == pytest.approx(0.050254368, rel=REL)
    reduce_s = 0.3 + 0.002 * 16 + 1e-7 * 2206
    assert reduce_s == pytest.approx(0.3322206, rel=REL)
    gb_s = (0.3 * 256 + 0.802595328 * 1769 + 0.3322206 * 1769) / 1024
    assert gb_s == pytest.approx(2084.289376632 / 1024, rel=REL)
    assert est.lambda_gb_seconds == pytest.approx(gb_s, rel=REL)
    # wall: plan + max(longest chunk 0.050254368, 0.802595328 / 16 = 0.050162208) + reduce
    assert est.wall_seconds_about == pytest.approx(0.3 + 0.050254368 + 0.3322206, rel=REL)

    # dollars: $0.025/1000 transitions; $0.20/1M requests + $0.0000166667/GB-s;
    # $0.005/1000 PUT, $0.0004/1000 GET
    assert est.cost_usd["step_functions"] == pytest.approx(37 * 0.000025, rel=REL)
    assert est.cost_usd["lambda"] == pytest.approx(18 * 0.0000002 + gb_s * 0.0000166667, rel=REL)
    assert est.cost_usd["s3_requests"] == pytest.approx(5 * 0.000005 + 3 * 0.0000004, rel=REL)
    assert est.cost_usd["total"] == pytest.approx(
        0.000925 + 18 * 0.0000002 + gb_s * 0.0000166667 + 0.0000262, rel=REL
    )
    assert est.notes == []


def test_price_constants_are_the_us_east_1_list_prices() -> None:
    assert prices.SFN_STANDARD_PER_TRANSITION == pytest.approx(0.000025, rel=REL)
    assert prices.LAMBDA_PER_REQUEST == pytest.approx(0.0000002, rel=REL)
    assert prices.LAMBDA_PER_GB_SECOND == 0.0000166667
    assert prices.S3_PER_PUT == pytest.approx(0.000005, rel=REL)
    assert prices.S3_PER_GET == pytest.approx(0.0000004, rel=REL)
    assert all(url.startswith("https://aws.amazon.com/") for url in prices.SOURCES.values())


def test_express_children_bill_requests_and_duration_by_hand() -> None:
    est = estimate(1024, child_type="EXPRESS")
    # 5 parent states + 1 per child started; the children's own states are Express-billed
    assert est.state_transitions == 5 + 16
    assert est.express_requests == 16
    # each child: about 0.0502 s of Lambda + 0.1 s = 0.15 s -> rounded up to 0.2 s, at 64 MB
    assert est.express_gb_seconds == pytest.approx(16 * 0.2 * 64 / 1024, rel=1e-9)
    assert est.history_events_per_child is None
    assert est.cost_usd["step_functions"] == pytest.approx(
        21 * 0.000025 + 16 * 0.000001 + 0.2 * 0.00001667, rel=1e-9
    )


def test_chunk_results_over_32_kib_go_through_s3_counted_by_hand() -> None:
    # stop 18000: ceil(1.7902619 * 18000 = 32224.71) + 2 = 32227 <= 32768, inline
    # stop 19000: ceil(34014.98) + 2 = 34017 > 32768, through S3; so 19000 and 20000
    assert partial_bytes_about(18000) == 32227
    assert partial_bytes_about(19000) == 34017
    est = estimate(20000, chunk_size=1000)
    assert est.children == 20
    assert est.partials_via_s3 == 2
    assert est.s3_puts["partials"] == 2
    assert est.s3_gets["partials"] == 2
    assert est.s3_puts["total"] == 1 + 2 + 2 + 2
    assert est.s3_gets["total"] == 1 + 2 + 2
    assert [n.level for n in est.notes] == ["info"]
    assert "2 of 20 chunk results" in est.notes[0].message


def test_inline_limit_boundary_is_exact() -> None:
    # 1.7902619 * 18302 = 32765.37 -> 32766 + 2 = 32768: not over 32 KiB
    # 1.7902619 * 18303 = 32767.16 -> 32768 + 2 = 32770: over
    assert partial_bytes_about(18302) == 32768
    assert partial_bytes_about(18303) == 32770
    est = estimate(18303, chunk_size=18302)
    assert est.children == 2
    assert est.partials_via_s3 == 1


def test_partial_over_256_kib_is_reported() -> None:
    # 1.7902619 * 150000 = 268539.3 -> 268542 bytes > 262144
    est = estimate(150000, chunk_size=150000)
    assert est.largest_partial_bytes == 268542
    messages = [n.message for n in est.notes]
    assert any("256 KiB Step Functions payload limit" in m for m in messages)
    assert payload_notes(0, 10, 256 * 1024) == []  # at the limit: nothing to say
    assert len(payload_notes(0, 10, 256 * 1024 + 1)) == 1


def test_reference_kernel_item_times_follow_the_model() -> None:
    assert item_seconds("reference", 512) == 15.0
    # 15 * 2**4.5 = 15 * 22.627417 = 339.41 s
    assert item_seconds("reference", 1024) == pytest.approx(15 * 2**4.5, rel=REL)
    assert item_seconds("fast", 1000) == pytest.approx(1e-6 + 3e-9 * 1000, rel=REL)


def test_timeout_warnings_at_the_900_s_limit() -> None:
    assert timeout_notes(900.0, 10, 900.0, "STANDARD") == []
    notes = timeout_notes(900.001, 10, 900.001, "STANDARD")
    assert [n.level for n in notes] == ["warning", "warning"]
    assert "Item 10" in notes[0].message
    assert timeout_notes(10.0, 10, 300.0, "EXPRESS") == []
    assert len(timeout_notes(10.0, 10, 300.001, "EXPRESS")) == 1


def test_reference_chunks_of_three_heavy_items_overrun_lambda() -> None:
    # default for reference: one item per child; the heaviest, item 1023, takes
    # 15 * (1023/512)**4.5 = 337.9 s: fits 900 s
    est = estimate(1024, kernel="reference")
    assert est.chunk_size == 1
    assert est.children == 1024
    assert not any(n.level == "warning" for n in est.notes)
    # three items 1021..1023: about 3 x 337 s = 1012 s > 900 s; two: about 675 s
    t = [15 * (i / 512) ** 4.5 for i in (1021, 1022, 1023)]
    assert 0.05 + t[1] + t[2] < 900 < 0.05 + sum(t)
    est = estimate(1024, kernel="reference", chunk_size=3)
    chunk_warnings = [n.message for n in est.notes if "longest chunk" in n.message]
    assert chunk_warnings and "at most about 2" in chunk_warnings[0]


def test_reference_item_over_900_s_cannot_fit_any_chunk() -> None:
    # 15 * (2048/512)**4.5 = 15 * 512 = 7680 s
    est = estimate(2049, kernel="reference", chunk_size=1)
    assert est.longest_item_seconds == pytest.approx(7680.0, rel=REL)
    messages = [n.message for n in est.notes]
    assert any(m.startswith("Item 2048 alone takes about 7,680 s") for m in messages)
    assert any("reference kernel accepts size up to 1,024" in m for m in messages)


def test_express_children_over_five_minutes_warn() -> None:
    # item 1023 alone: 337.9 s > 300 s Express limit
    est = estimate(1024, kernel="reference", child_type="EXPRESS")
    assert any("Express child execution" in n.message for n in est.notes)


def test_concurrency_limits() -> None:
    # at Lambda's default 1,000 concurrent executions: fine; one more: warning
    assert concurrency_notes(1000, 1000) == []
    notes = concurrency_notes(1001, 1001)
    assert len(notes) == 1 and "1,000" in notes[0].message
    # MaxConcurrency at the Distributed Map maximum is allowed; above it is not
    assert not any(
        "over the Distributed Map maximum" in n.message for n in concurrency_notes(5, 10000)
    )
    assert any("over the Distributed Map maximum" in n.message for n in concurrency_notes(5, 10001))
    # no limit with more than 10,000 children: 10,000 run at once, the rest wait
    notes = concurrency_notes(10001, 0)
    assert [n.level for n in notes] == ["info", "warning"]
    assert concurrency_notes(10000, 0)[0].level == "warning"  # only the Lambda one


def test_more_children_than_lambda_concurrency_through_estimate() -> None:
    est = estimate(100_000, chunk_size=64, max_concurrency=0)
    assert est.children == math.ceil(100_000 / 64) == 1563
    assert est.effective_concurrency == 1563
    assert any("Lambda's default account concurrency" in n.message for n in est.notes)
    est = estimate(100_000, chunk_size=64, max_concurrency=1000)
    assert not any("Lambda's default account concurrency" in n.message for n in est.notes)


def test_history_limit_per_child_execution() -> None:
    assert history_notes(20, 25_000) == []
    assert len(history_notes(20, 25_001)) == 1
    assert len(history_notes(25_001, None)) == 1
    # 7 + 3 x 8331 = 25,000 events: at the limit; 7 + 3 x 8332 = 25,003: over
    at = estimate(1024, retries_per_child=8331)
    assert at.history_events_per_child == 25_000
    assert not any("history events" in n.message for n in at.notes)
    over = estimate(1024, retries_per_child=8332)
    assert over.history_events_per_child == 25_003
    assert any("history events" in n.message for n in over.notes)
    # every retry is a compute invocation and (Standard) a state transition
    assert over.lambda_invocations["compute"] == 16 * 8333
    assert over.state_transitions == 5 + 16 * (1 + 8333)


def test_less_memory_means_less_cpu() -> None:
    assert cpu_factor(1769) == 1.0
    assert cpu_factor(3538) == 1.0
    assert cpu_factor(1000) == pytest.approx(1.769, rel=REL)
    slow = estimate(1024, memory_mb=1000)
    fast = estimate(1024)
    assert slow.compute_seconds == pytest.approx(fast.compute_seconds * 1.769, rel=REL)


def test_custom_model_round_numbers() -> None:
    # one second per item, no overheads: 10 items in chunks of 4 -> 4 + 4 + 2 s
    model = CostModel(
        fast_item_s=1.0,
        fast_item_per_index_s=0.0,
        invoke_overhead_s=0.0,
        plan_s=0.0,
        reduce_base_s=0.0,
        reduce_per_chunk_s=0.0,
        reduce_per_digit_s=0.0,
    )
    est = estimate(10, chunk_size=4, model=model, max_concurrency=2)
    assert est.children == 3
    assert est.compute_seconds == 10.0
    assert est.longest_chunk_seconds == 4.0
    assert est.lambda_gb_seconds == pytest.approx(10.0 * 1769 / 1024, rel=REL)
    assert est.wall_seconds_about == 5.0  # max(4, 10 / 2)


def test_refused_inputs_are_flagged() -> None:
    est = estimate(1_000_000, chunk_size=50)  # 20,000 chunks > MAX_CHUNKS 10,000
    assert any("max_chunks 10,000" in n.message for n in est.notes)
    est = estimate(2_000_000)
    assert any("max_size 1,000,000" in n.message for n in est.notes)
