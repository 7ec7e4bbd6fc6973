"""The question an estimate answers, checked: a run's size, chunking and deployment."""

from __future__ import annotations

from dataclasses import dataclass

from fanout_cli.chunking import default_chunk_size, plan_problems
from fanout_cli.estimate.limits import LAMBDA_MAX_MEMORY_MB, LAMBDA_MIN_MEMORY_MB
from fanout_cli.estimate.model import ChildType, Kernel
from fanout_cli.resolve import UsageError


@dataclass(frozen=True)
class Request:
    """A run to estimate: its input, and the deployment settings that shape it."""

    size: int
    chunk_size: int
    chunk_size_is_default: bool
    kernel: Kernel
    memory_mb: int
    child_type: ChildType
    max_concurrency: int | None
    retries_per_child: int
    plan_memory_mb: int
    reduce_memory_mb: int
    refusals: list[str]  # why the plan function would refuse the input; empty if it accepts

    @property
    def attempts(self) -> int:
        """Compute invocations per child."""
        return 1 + self.retries_per_child


def check(
    size: int,
    chunk_size: int | None,
    kernel: Kernel,
    memory_mb: int,
    child_type: ChildType,
    max_concurrency: int | None,
    retries_per_child: int,
    max_chunk_size: int,
    max_chunks: int,
    max_size: int,
    plan_memory_mb: int,
    reduce_memory_mb: int,
    batch_enabled: bool = False,
) -> Request:
    """The request, or a UsageError naming what cannot be estimated.

    Inputs the deployment would refuse are estimated all the same, with the
    reasons in ``refusals``: the estimate says what happens, the plan refuses.
    """
    if size < 1:
        raise UsageError(f"size must be >= 1, got {size}")
    if kernel not in ("fast", "reference"):
        raise UsageError(f"kernel must be 'fast' or 'reference', got {kernel!r}")
    if child_type not in ("STANDARD", "EXPRESS"):
        raise UsageError(f"child type must be STANDARD or EXPRESS, got {child_type!r}")
    if max_concurrency is not None and max_concurrency < 0:
        raise UsageError("max_concurrency must be >= 0 (0 = no limit)")
    if retries_per_child < 0:
        raise UsageError("retries_per_child must be >= 0")
    if max_chunk_size < 1 or max_chunks < 1:
        raise UsageError("max_chunk_size and max_chunks must be >= 1")
    for name, mb in (
        ("compute", memory_mb),
        ("plan", plan_memory_mb),
        ("reduce", reduce_memory_mb),
    ):
        if not LAMBDA_MIN_MEMORY_MB <= mb <= LAMBDA_MAX_MEMORY_MB:
            raise UsageError(
                f"{name} memory must be {LAMBDA_MIN_MEMORY_MB}-{LAMBDA_MAX_MEMORY_MB} MB "
                f"(Lambda's range), got {mb}"
            )
    if chunk_size is not None and chunk_size < 1:
        raise UsageError(f"chunk size must be >= 1, got {chunk_size}")
    refusals = plan_problems(
        size, chunk_size, kernel, max_size, max_chunk_size, max_chunks, batch_enabled
    )
    return Request(
        size=size,
        chunk_size=(
            default_chunk_size(size, kernel, max_chunk_size, max_chunks)
            if chunk_size is None
            else chunk_size
        ),
        chunk_size_is_default=chunk_size is None,
        kernel=kernel,
        memory_mb=memory_mb,
        child_type=child_type,
        max_concurrency=max_concurrency,
        retries_per_child=retries_per_child,
        plan_memory_mb=plan_memory_mb,
        reduce_memory_mb=reduce_memory_mb,
        refusals=refusals,
    )
