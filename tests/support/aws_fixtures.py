"""Examples copied from AWS's documentation (or public reports of real AWS output), each
with the page it came from. The product's tests and the emulator's tests both read them,
so the two cannot drift apart silently."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "aws"


def load(name: str) -> Any:
    """The example in ``tests/fixtures/aws/<name>.json``; its "source" names the page."""
    doc = json.loads((FIXTURE_DIR / f"{name}.json").read_text())
    if not str(doc.get("source", "")).startswith("https://"):
        raise ValueError(f"fixture {name}: 'source' must be the https URL it was copied from")
    return doc["example"]
