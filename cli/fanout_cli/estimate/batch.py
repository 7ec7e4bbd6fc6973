"""Heavy chunks on AWS Batch: which chunks the plan would send there, and their price.

The routing rule is the plan's own (``fanout.routing`` in lambda_src, imported, not copied):
the same chunk costs give the same backends. Batch jobs run on Fargate by default, priced
per vCPU-hour and GB-hour (``fanout_cli.prices``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fanout.config import Limits
from fanout.routing import ChunkCost, choose_backend
from fanout.workloads import utf8_count
from fanout_cli import prices
from fanout_cli.chunking import iter_chunks
from fanout_cli.estimate.model import CostModel, chunk_seconds, cpu_factor
from fanout_cli.estimate.notes import Note

# Fargate's largest task: https://docs.aws.amazon.com/batch/latest/userguide/fargate.html
FARGATE_MAX_VCPUS = 16
FARGATE_MAX_MEMORY_MB = 120 * 1024


@dataclass(frozen=True)
class BatchOptions:
    """The deployment's Batch settings (Terraform's batch object) and compute timeout."""

    compute_timeout_s: int = 900
    vcpus: float = 1
    memory_mb: int = 4096
    timeout_s: int = 14400


@dataclass(frozen=True)
class BatchFigures:
    chunks: int
    first_item: int | None  # the lowest item on Batch
    lambda_seconds_moved: float  # what those chunks would have cost on the compute function
    job_seconds: float  # their run time as jobs (one vCPU of work each)
    vcpu_hours: float
    gb_hours: float
    cost_usd: float
    refused: list[str]  # chunks that fit neither backend, as the plan would say


def route(
    kernel: str, size: int, chunk_size: int, memory_mb: int, opts: BatchOptions, model: CostModel
) -> BatchFigures:
    """Route every chunk as the plan would (backend "auto": the workload's own chunk cost,
    the plan's rule), and price the Batch ones with this tool's time model."""
    limits = Limits(
        compute_timeout_s=opts.compute_timeout_s,
        compute_memory_mb=memory_mb,
        batch_enabled=True,
        batch_timeout_s=opts.timeout_s,
        batch_memory_mb=opts.memory_mb,
    )
    slow = cpu_factor(memory_mb)
    count, first, moved, job_s, billed_s = 0, None, 0.0, 0.0, 0.0
    refused: list[str] = []
    for n, (start, stop) in enumerate(iter_chunks(size, chunk_size)):
        one_vcpu = chunk_seconds(kernel, start, stop, model)  # type: ignore[arg-type]
        seconds, memory = utf8_count.cost(
            {"kernel": kernel}, {"chunk_id": n, "start": start, "stop": stop}
        )
        backend, why = choose_backend(ChunkCost(seconds, memory), "auto", limits)
        if why:
            refused.append(
                f"chunk {n} (items {start} to {stop - 1}) cannot run on {backend}: {why}"
            )
        if backend != "batch":
            continue
        count += 1
        first = start if first is None else first
        moved += one_vcpu * slow
        job_s += one_vcpu
        billed_s += max(one_vcpu, prices.FARGATE_MINIMUM_SECONDS)
    vcpu_hours = billed_s / 3600 * opts.vcpus
    gb_hours = billed_s / 3600 * opts.memory_mb / 1024
    return BatchFigures(
        chunks=count,
        first_item=first,
        lambda_seconds_moved=moved,
        job_seconds=job_s,
        vcpu_hours=vcpu_hours,
        gb_hours=gb_hours,
        cost_usd=vcpu_hours * prices.FARGATE_PER_VCPU_HOUR + gb_hours * prices.FARGATE_PER_GB_HOUR,
        refused=refused,
    )


def batch_notes(figures: BatchFigures, children: int, opts: BatchOptions) -> list[Note]:
    notes = [
        Note("warning", f"The plan function would refuse this input: {why}.")
        for why in figures.refused[:3]
    ]
    if figures.chunks:
        notes.append(
            Note(
                "info",
                f"{figures.chunks:,} of {children:,} chunks (items {figures.first_item:,} and up) "
                f"need over 80% of the compute function's {opts.compute_timeout_s} s: the plan "
                "sends them to AWS Batch; the rest stay on Lambda.",
            )
        )
    if opts.vcpus > FARGATE_MAX_VCPUS or opts.memory_mb > FARGATE_MAX_MEMORY_MB:
        notes.append(
            Note(
                "warning",
                f"A Batch job of {opts.vcpus:g} vCPU and {opts.memory_mb:,} MB is over Fargate's "
                f"largest task ({FARGATE_MAX_VCPUS} vCPU, 120 GB): use compute_type EC2 or SPOT.",
            )
        )
    return notes
