"""The AWS limits and the deployment's facts an estimate is measured against."""

from __future__ import annotations

# Service limits (AWS defaults).
LAMBDA_MAX_TIMEOUT_S = 900.0
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
LAMBDA_MIN_MEMORY_MB = 128
LAMBDA_MAX_MEMORY_MB = 10_240
LAMBDA_DEFAULT_CONCURRENCY = 1_000
DISTRIBUTED_MAP_MAX_CONCURRENCY = 10_000
HISTORY_EVENT_LIMIT = 25_000
STATE_PAYLOAD_LIMIT_BYTES = 256 * 1024
EXPRESS_MAX_DURATION_S = 300.0
# docs/architecture.md: a compute output over 32 KiB goes to S3 and carries its key.
PARTIAL_INLINE_LIMIT_BYTES = 32 * 1024
# docs/architecture.md: the summary carries total_sum when digits <= 100000.
SUMMARY_TOTAL_SUM_MAX_DIGITS = 100_000
# The deployment's defaults (Terraform variables map_max_concurrency,
# plan_memory_size, reduce_memory_size, retry.max_attempts).
DEFAULT_MAX_CONCURRENCY = 40
DEFAULT_PLAN_MEMORY_MB = 256
DEFAULT_REDUCE_MEMORY_MB = 1769
RETRY_MAX_ATTEMPTS = 6
# The Compute task has two retriers (Lambda service errors; transient compute errors).
MAX_RETRIES_PER_CHILD = 2 * RETRY_MAX_ATTEMPTS
# Lambda gives one full vCPU at 1,769 MB; below that, CPU share scales with memory.
ONE_VCPU_MEMORY_MB = 1769

# Parent states: Plan, FanOut, Reduce, Verdict, Done (one transition each).
PARENT_STATES = 5
# Parent history: ExecutionStarted; Plan and Reduce 5 each (TaskStateEntered,
# TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited); FanOut 4
# (MapStateEntered, MapRunStarted, MapRunSucceeded, MapStateExited); Verdict 2;
# Done 2; ExecutionSucceeded. A Distributed Map keeps its children's events out
# of the parent's history, so this does not grow with the number of children.
PARENT_HISTORY_EVENTS = 1 + 5 + 4 + 5 + 2 + 2 + 1
# Child history: ExecutionStarted, the Compute task's 5 events, ExecutionSucceeded.
CHILD_HISTORY_EVENTS = 7
# Each retry adds TaskFailed, TaskScheduled and TaskStarted.
HISTORY_EVENTS_PER_RETRY = 3


def effective_concurrency(children: int, max_concurrency: int | None) -> int:
    """Children running at once: MaxConcurrency (0 or unset = no limit) within the map's cap."""
    cap = DISTRIBUTED_MAP_MAX_CONCURRENCY
    if max_concurrency:
        cap = min(cap, max_concurrency)
    return min(children, cap)
