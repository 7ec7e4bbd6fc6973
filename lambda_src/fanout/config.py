"""Deployment limits, read from the Lambda environment (see docs/architecture.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_MAX_SIZE = 1_000_000
DEFAULT_MAX_CHUNK_SIZE = 100_000
DEFAULT_MAX_CHUNKS = 10_000
DEFAULT_WORKLOAD = "utf8_count"
# Largest execution input accepted, in bytes of its JSON text.
MAX_INPUT_BYTES = 16 * 1024


@dataclass(frozen=True)
class Limits:
    max_size: int = DEFAULT_MAX_SIZE
    max_chunk_size: int = DEFAULT_MAX_CHUNK_SIZE
    max_chunks: int = DEFAULT_MAX_CHUNKS
    default_workload: str = DEFAULT_WORKLOAD
    fault_injection: bool = False


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
    )


def fault_injection_enabled(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return str(env.get("FAULT_INJECTION", "")).strip().lower() == "true"
