"""Definitions AWS accepts and LocalStack's ASL grammar refuses.

* ``int_tolerated_percentage``: the grammar takes only a NUMBER token with a fraction for
  ``ToleratedFailurePercentage``; ``0`` or ``10`` is a syntax error at CreateStateMachine.
* ``express_children``: ``"ExecutionType": "EXPRESS"`` in a Distributed Map's
  ``ProcessorConfig`` is a syntax error (only ``STANDARD`` is in the grammar).

The text handed to the parser -- never the stored definition, which DescribeStateMachine
returns as written -- is rewritten: an integer percentage on a Map state reads as the equal
float, and an EXPRESS processor reads as STANDARD with a marker in the ItemProcessor's
``Comment`` so that the map run writes its children's records in the EXPRESS format.
"""

from __future__ import annotations

import json
from typing import Any

PERCENTAGE = "ToleratedFailurePercentage"
EXPRESS = "EXPRESS"
EXPRESS_MARKER = "[fanout:express-children]"

_enabled = {"int_tolerated_percentage": False, "express_children": False}
_installed = False


def _rewrite(node: Any) -> bool:
    changed = False
    if isinstance(node, dict):
        if node.get("Type") == "Map":
            value = node.get(PERCENTAGE)
            if (
                _enabled["int_tolerated_percentage"]
                and isinstance(value, int)
                and not isinstance(value, bool)
            ):
                node[PERCENTAGE] = float(value)
                changed = True
            processor = node.get("ItemProcessor")
            if not isinstance(processor, dict):
                processor = {}
            config = processor.get("ProcessorConfig")
            if (
                _enabled["express_children"]
                and isinstance(config, dict)
                and config.get("ExecutionType") == EXPRESS
            ):
                config["ExecutionType"] = "STANDARD"
                comment = processor.get("Comment")
                processor["Comment"] = f"{comment} {EXPRESS_MARKER}" if comment else EXPRESS_MARKER
                changed = True
        for child in node.values():
            changed = _rewrite(child) or changed
    elif isinstance(node, list):
        for child in node:
            changed = _rewrite(child) or changed
    return changed


def normalise_definition(definition: str) -> str:
    """The definition as LocalStack's parser needs it; the text unchanged when nothing needs
    rewriting (or when it is not JSON: the parser reports that)."""
    if PERCENTAGE not in definition and EXPRESS not in definition:
        return definition
    try:
        tree = json.loads(definition)
    except ValueError:
        return definition
    if not _rewrite(tree):
        return definition
    return json.dumps(tree)


def is_express_processor(comment: str | None) -> bool:
    return bool(comment) and EXPRESS_MARKER in str(comment)


def apply(name: str) -> None:
    """Switch on one rewrite (``int_tolerated_percentage`` or ``express_children``)."""
    global _installed
    _enabled[name] = True
    if _installed:
        return
    from localstack.services.stepfunctions.asl.parse.asl_parser import AmazonStateLanguageParser

    original = AmazonStateLanguageParser.parse

    def parse(definition: str) -> Any:
        return original(normalise_definition(definition))

    AmazonStateLanguageParser.parse = staticmethod(parse)
    _installed = True
