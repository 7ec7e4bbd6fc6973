"""Integer ``ToleratedFailurePercentage`` accepted, as on AWS.

LocalStack's ASL grammar takes only a NUMBER token with a fraction for
``ToleratedFailurePercentage``; ``0`` or ``10`` is a syntax error at CreateStateMachine. The
text handed to the parser (never the stored definition) is rewritten so that an integer
percentage on a Map state reads as the equal float.
"""

from __future__ import annotations

import json
from typing import Any

FIELD = "ToleratedFailurePercentage"


def _floatify(node: Any) -> bool:
    changed = False
    if isinstance(node, dict):
        value = node.get(FIELD)
        if node.get("Type") == "Map" and isinstance(value, int) and not isinstance(value, bool):
            node[FIELD] = float(value)
            changed = True
        for child in node.values():
            changed = _floatify(child) or changed
    elif isinstance(node, list):
        for child in node:
            changed = _floatify(child) or changed
    return changed


def normalise_definition(definition: str) -> str:
    """The definition with integer Map ``ToleratedFailurePercentage`` values as floats; the
    text unchanged when there are none (or when it is not JSON: the parser reports that)."""
    if FIELD not in definition:
        return definition
    try:
        tree = json.loads(definition)
    except ValueError:
        return definition
    if not _floatify(tree):
        return definition
    return json.dumps(tree)


def apply() -> None:
    from localstack.services.stepfunctions.asl.parse.asl_parser import AmazonStateLanguageParser

    original = AmazonStateLanguageParser.parse

    def parse(definition: str) -> Any:
        return original(normalise_definition(definition))

    parse.fanout_original = original  # type: ignore[attr-defined]
    AmazonStateLanguageParser.parse = staticmethod(parse)  # type: ignore[method-assign]
