"""Workload ``repro_check``: run the same job ``size`` times and check every run agrees.

Each item is one repetition of a built-in job; it returns the sha256 digest of the job's
result. Reduce compares the digests: all identical gives verdict "OK"; otherwise the
verdict is "DIFFERENT" with error "DifferencesFound" and a cause listing the distinct
digests, their counts and the runs that differ from the most common one.

Jobs:

* ``float_sum``: sums a fixed pseudo-random list of floats in a fixed order
  (deterministic: every run must agree).
* ``float_sum_shuffled``: sums the same floats in an order shuffled from ``os.urandom``
  (deliberately non-deterministic: floating-point addition is not associative).

Params: ``size`` (repetitions), ``job`` (default ``float_sum``), ``job_size`` (number of
floats, default 20000). A chunk is a range of run indices.
"""

from __future__ import annotations

import hashlib
import math
import os
import random
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from fanout.config import Limits
from fanout.deadline import Deadline
from fanout.errors import abbreviate_ids, truncate_cause
from fanout.types import Chunk
from fanout.validation import (
    choose_chunk_size,
    refuse_unknown,
    require_choice,
    require_int,
    split_range,
)

NAME = "repro_check"
PARTIAL_ENCODING = "json"
FIELDS = ("job", "job_size")
DEFAULT_JOB_SIZE = 20_000
MAX_JOB_SIZE = 1_000_000
_DATA_SEED = 20240607


@lru_cache(maxsize=4)
def _floats(job_size: int) -> tuple[float, ...]:
    """A fixed list of floats spanning many magnitudes (so summation order matters)."""
    rng = random.Random(_DATA_SEED)
    return tuple(rng.uniform(-1.0, 1.0) * 10.0 ** rng.randint(-12, 12) for _ in range(job_size))


def _ordered_sum(values: tuple[float, ...], order: list[int] | range) -> float:
    total = 0.0
    for index in order:
        total += values[index]
    return total


def job_float_sum(job_size: int) -> float:
    values = _floats(job_size)
    return _ordered_sum(values, range(len(values)))


def job_float_sum_shuffled(job_size: int) -> float:
    values = _floats(job_size)
    order = list(range(len(values)))
    random.Random(int.from_bytes(os.urandom(16), "big")).shuffle(order)
    return _ordered_sum(values, order)


JOBS: dict[str, Callable[[int], float]] = {
    "float_sum": job_float_sum,
    "float_sum_shuffled": job_float_sum_shuffled,
}


def digest(job: str, job_size: int, value: float) -> str:
    return hashlib.sha256(f"{job}:{job_size}:{value.hex()}".encode()).hexdigest()


def validate(params: dict[str, Any], limits: Limits) -> dict[str, Any]:
    refuse_unknown(params, ("size", "chunk_size", *FIELDS))
    job = require_choice(params.get("job", "float_sum"), "job", JOBS)
    job_size = require_int(params.get("job_size", DEFAULT_JOB_SIZE), "job_size", 1, MAX_JOB_SIZE)
    size: int = params["size"]
    # One repetition per child (each in its own environment) for runs up to 200.
    chunk_size = choose_chunk_size(params, limits, max(1, math.ceil(size / 200)))
    return {"size": size, "chunk_size": chunk_size, "job": job, "job_size": job_size}


def plan(params: dict[str, Any]) -> list[Chunk]:
    return split_range(params["size"], params["chunk_size"])


def compute(params: dict[str, Any], chunk: Chunk, deadline: Deadline) -> list[str]:
    job, job_size = params["job"], params["job_size"]
    run_job = JOBS[job]
    digests = []
    count = chunk["stop"] - chunk["start"]
    for done in range(count):
        deadline.check(done, count)
        digests.append(digest(job, job_size, run_job(job_size)))
    return digests


def reduce(params: dict[str, Any], partials: list[Any]) -> dict[str, Any]:
    digests: list[str] = [d for partial in partials for d in partial]
    counts = Counter(digests)
    lines = "".join(f"{run} {d}\n" for run, d in enumerate(digests))
    if len(counts) == 1:
        (only,) = counts
        return {"verdict": "OK", "digest": only, "runs": len(digests), "result_text": lines}
    common, _ = counts.most_common(1)[0]
    differing = [run for run, d in enumerate(digests) if d != common]
    listing = "; ".join(f"{d} x{n}" for d, n in counts.most_common(20))
    if len(counts) > 20:
        listing += f"; ... and {len(counts) - 20} more digests"
    cause = truncate_cause(
        f"{len(digests)} runs of job {params['job']} gave {len(counts)} distinct digests "
        f"({listing}). Runs differing from the most common digest ({len(differing)}): "
        f"{abbreviate_ids(differing, limit=1500)}"
    )
    return {
        "verdict": "DIFFERENT",
        "error": "DifferencesFound",
        "cause": cause,
        "runs": len(digests),
        "distinct_digests": len(counts),
        "differing_runs": len(differing),
        "result_text": lines,
    }
