"""Deployment limits, read from the Lambda environment (see docs/architecture.md)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_MAX_SIZE = 1_000_000
DEFAULT_MAX_CHUNK_SIZE = 100_000
DEFAULT_MAX_CHUNKS = 10_000
DEFAULT_WORKLOAD = "utf8_count"
# The compute function's limits as Terraform sets them (COMPUTE_TIMEOUT, COMPUTE_MEMORY_MB);
# these defaults are Lambda's own maxima, used when the variables are absent.
DEFAULT_COMPUTE_TIMEOUT_S = 900
DEFAULT_COMPUTE_MEMORY_MB = 10240
# Largest execution input accepted, in bytes of its JSON text.
MAX_INPUT_BYTES = 16 * 1024


@dataclass(frozen=True)
class Limits:
    max_size: int = DEFAULT_MAX_SIZE
    max_chunk_size: int = DEFAULT_MAX_CHUNK_SIZE
    max_chunks: int = DEFAULT_MAX_CHUNKS
    default_workload: str = DEFAULT_WORKLOAD
    fault_injection: bool = False
    # s3://bucket/prefix/ locations item sources may name (ALLOWED_INPUT_LOCATIONS).
    allowed_input_locations: tuple[str, ...] = ()
    compute_timeout_s: int = DEFAULT_COMPUTE_TIMEOUT_S
    compute_memory_mb: int = DEFAULT_COMPUTE_MEMORY_MB
    # The AWS Batch backend (enable_batch): on, and its job's limits when it is.
    batch_enabled: bool = False
    batch_timeout_s: int = 0
    batch_memory_mb: int = 0


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    value = int(str(raw).strip())
    if value < 1:
        raise ValueError(f"environment variable {name} must be a positive integer, got {raw!r}")
    return value


def limits_from_env(environ: Mapping[str, str] | None = None) -> Limits:
    env = os.environ if environ is None else environ
    return Limits(
        max_size=_positive_int(env, "MAX_SIZE", DEFAULT_MAX_SIZE),
        max_chunk_size=_positive_int(env, "MAX_CHUNK_SIZE", DEFAULT_MAX_CHUNK_SIZE),
        max_chunks=_positive_int(env, "MAX_CHUNKS", DEFAULT_MAX_CHUNKS),
        default_workload=str(env.get("DEFAULT_WORKLOAD") or DEFAULT_WORKLOAD),
        fault_injection=fault_injection_enabled(env),
        allowed_input_locations=allowed_input_locations(env),
        compute_timeout_s=_positive_int(env, "COMPUTE_TIMEOUT", DEFAULT_COMPUTE_TIMEOUT_S),
        compute_memory_mb=_positive_int(env, "COMPUTE_MEMORY_MB", DEFAULT_COMPUTE_MEMORY_MB),
        batch_enabled=_flag(env, "BATCH_ENABLED"),
        batch_timeout_s=_positive_int(env, "BATCH_TIMEOUT", 0),
        batch_memory_mb=_positive_int(env, "BATCH_MEMORY_MB", 0),
    )


def _flag(environ: Mapping[str, str], name: str) -> bool:
    return str(environ.get(name, "")).strip().lower() == "true"


def allowed_input_locations(environ: Mapping[str, str]) -> tuple[str, ...]:
    """ALLOWED_INPUT_LOCATIONS: a JSON array of s3://bucket/prefix/ strings (unset: none)."""
    raw = str(environ.get("ALLOWED_INPUT_LOCATIONS") or "").strip()
    if not raw:
        return ()
    value = json.loads(raw)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"ALLOWED_INPUT_LOCATIONS must be a JSON array of strings, got {raw!r}")
    return tuple(value)


def fault_injection_enabled(environ: Mapping[str, str] | None = None) -> bool:
    return _flag(os.environ if environ is None else environ, "FAULT_INJECTION")
