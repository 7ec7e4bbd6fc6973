"""The AWS examples under tests/fixtures/aws are well formed: each names the https page it was
copied from, and the loader refuses one that does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import aws_fixtures

pytestmark = pytest.mark.unit

NAMES = sorted(
    str(p.relative_to(aws_fixtures.FIXTURE_DIR).with_suffix(""))
    for p in aws_fixtures.FIXTURE_DIR.rglob("*.json")
)


def test_the_shapes_both_sides_rely_on_are_all_present() -> None:
    assert set(NAMES) >= {
        "states/resultwriter_manifest",
        "states/resultwriter_state_output",
        "states/resultwriter_succeeded_records",
        "states/resultwriter_succeeded_record_real",
        "states/resultwriter_failed_record",
        "states/describe_map_run",
        "states/lambda_unknown_invocation_timeout",
        "lambda/python_function_error",
        "lambda/python_init_error",
        "lambda/invoke_timeout_payload",
    }


@pytest.mark.parametrize("name", NAMES)
def test_every_fixture_names_its_https_source(name: str) -> None:
    raw = json.loads((aws_fixtures.FIXTURE_DIR / f"{name}.json").read_text())
    assert raw["source"].startswith("https://")
    assert aws_fixtures.load(name) == raw["example"]


def test_a_fixture_without_an_https_source_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bad.json").write_text(json.dumps({"source": "docs", "example": {}}))
    monkeypatch.setattr(aws_fixtures, "FIXTURE_DIR", tmp_path)
    with pytest.raises(ValueError, match="bad: 'source' must be the https URL"):
        aws_fixtures.load("bad")
