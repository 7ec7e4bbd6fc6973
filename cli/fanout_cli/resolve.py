"""Names, ARNs, Terraform outputs and the execution input: pure functions."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime
from typing import Any

# Step Functions execution names: 1-80 characters. The run's S3 prefix is the
# name, so keep to characters that are safe in both.
EXECUTION_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
STATE_MACHINE_ARN_RE = re.compile(r"^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$")
EXECUTION_ARN_RE = re.compile(
    r"^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:(execution|express):[^:]+:[^:]+$"
)


class UsageError(ValueError):
    """The command line or its environment does not say enough to act on."""


def region_from_arn(arn: str) -> str | None:
    """The region field of an ARN (``arn:partition:service:region:...``)."""
    parts = arn.split(":")
    if len(parts) > 3 and parts[0] == "arn" and parts[3]:
        return parts[3]
    return None


def state_machine_arn_from_output(output_json: str) -> str:
    """``state_machine_arn`` from ``terraform output -json`` text."""
    try:
        outputs = json.loads(output_json)
    except json.JSONDecodeError as err:
        raise UsageError(f"terraform output -json did not return JSON: {err}") from err
    entry = outputs.get("state_machine_arn") if isinstance(outputs, dict) else None
    value = entry.get("value") if isinstance(entry, dict) else None
    if not isinstance(value, str) or not value:
        raise UsageError(
            "the Terraform state has no 'state_machine_arn' output: has the stack been "
            "applied in that directory (terraform apply)?"
        )
    return value


def _require(pattern: re.Pattern[str], value: str, problem: str) -> str:
    """``value`` when it matches ``pattern``; else a UsageError saying ``problem``."""
    if not pattern.match(value):
        raise UsageError(problem)
    return value


def validate_state_machine_arn(arn: str) -> str:
    return _require(
        STATE_MACHINE_ARN_RE,
        arn,
        f"{arn!r} is not a state machine ARN "
        "(arn:aws:states:<region>:<account>:stateMachine:<name>)",
    )


def execution_arn(ref: str, state_machine_arn: str | None) -> str:
    """An execution ARN from an ARN or an execution name plus its state machine's ARN."""
    if ref.startswith("arn:"):
        return _require(EXECUTION_ARN_RE, ref, f"{ref!r} is not an execution ARN")
    _require(EXECUTION_NAME_RE, ref, f"{ref!r} is neither an execution ARN nor an execution name")
    if not state_machine_arn:
        raise UsageError(
            f"to find execution {ref!r} by name, give --state-machine-arn or --terraform-dir "
            "(or pass the execution ARN)"
        )
    validate_state_machine_arn(state_machine_arn)
    prefix = state_machine_arn.replace(":stateMachine:", ":execution:", 1)
    return f"{prefix}:{ref}"


def new_execution_name(
    size: int | None, now: datetime | None = None, token: str | None = None
) -> str:
    """A unique, readable execution name such as ``fanout-1024-20261123T201500Z-3f2a9c``."""
    now = now or datetime.now(UTC)
    token = token or secrets.token_hex(3)
    label = f"fanout-{size}" if size is not None else "fanout"
    return f"{label}-{now.strftime('%Y%m%dT%H%M%SZ')}-{token}"


def validate_execution_name(name: str) -> str:
    return _require(
        EXECUTION_NAME_RE,
        name,
        f"execution name {name!r} must be 1-80 characters of letters, digits, '-' and '_' "
        "(it also names the run's S3 prefix)",
    )


def item_source(
    s3_prefix: str | None = None,
    jsonl: str | None = None,
    csv: str | None = None,
    header: bool = True,
) -> dict[str, Any] | None:
    """The ``items`` field for --s3-prefix, --jsonl or --csv (docs/architecture.md, "Item
    sources"), or None when none is given."""
    given = {k: v for k, v in (("s3_prefix", s3_prefix), ("jsonl", jsonl), ("csv", csv)) if v}
    if len(given) > 1:
        raise UsageError("give one of --s3-prefix, --jsonl or --csv")
    if not given:
        if not header:
            raise UsageError("--no-header goes with --csv")
        return None
    ((kind, uri),) = given.items()
    if not uri.startswith("s3://"):
        raise UsageError(f"--{kind.replace('_', '-')} takes an s3://bucket/key URI, got {uri!r}")
    if kind != "csv" and not header:
        raise UsageError("--no-header goes with --csv")
    return {kind: uri, "header": header} if kind == "csv" else {kind: uri}


def build_input(
    size: int | None,
    input_json: str | None,
    chunk_size: int | None = None,
    kernel: str | None = None,
    workload: str | None = None,
    items: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The execution input (docs/architecture.md, "Execution input").

    ``input_json`` is the whole input; flags given next to it override its fields.
    """
    if size is not None and input_json is not None:
        raise UsageError("give --size or --input, not both")
    if items is not None and size is not None:
        raise UsageError("give --size or an item source, not both (the items are the size)")
    if items is not None and workload is None:
        raise UsageError(
            "an item source needs --workload naming a workload that takes it, "
            "e.g. --workload s3_digest with --s3-prefix"
        )
    payload: dict[str, Any]
    if input_json is not None:
        try:
            payload = json.loads(input_json)
        except json.JSONDecodeError as err:
            raise UsageError(f"--input is not valid JSON: {err}") from err
        if not isinstance(payload, dict):
            raise UsageError("--input must be a JSON object such as '{\"size\": 1024}'")
    else:
        payload = {}
    if size is not None:
        payload["size"] = size
    if chunk_size is not None:
        payload["chunk_size"] = chunk_size
    if kernel is not None:
        payload["kernel"] = kernel
    if workload is not None:
        payload["workload"] = workload
    if items is not None:
        payload["items"] = items
    if "size" not in payload and "items" not in payload:
        raise UsageError(
            "the input needs a size or items: give --size N, --s3-prefix, --jsonl or --csv "
            "URI, or --input '{\"size\": N}'"
        )
    return payload


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``(bucket, key)`` of ``s3://bucket/key``."""
    if not uri.startswith("s3://"):
        raise ValueError(f"not an S3 URI: {uri!r}")
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket or not key:
        raise ValueError(f"not an S3 object URI: {uri!r}")
    return bucket, key
