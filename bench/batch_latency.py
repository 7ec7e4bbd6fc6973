"""Latency of one emulated AWS Batch job on the embedded LocalStack, phase by phase.

    LOCALSTACK_PORT=4566 .venv/bin/python -m bench.batch_latency [--jobs 5]

Starts LocalStack (or reuses the one on the port), makes a Fargate compute environment and a
queue, then submits ``--jobs`` jobs one after another (``python -c pass`` on python:3.12-slim)
and prints, for each and as medians: submit -> RUNNING, RUNNING -> SUCCEEDED, submit ->
SUCCEEDED (DescribeJobs polled every 10 ms). The emulator's state durations are its defaults
(see ``batch_faults``). Reports only; asserts no time.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import boto3

from emulation import lsctl
from tests.e2e import batch_support as bs

CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def one_job(batch: Any, queue: str, definition: str) -> tuple[float, float]:
    """Seconds from submission to RUNNING and to SUCCEEDED."""
    started = time.monotonic()
    job_id = batch.submit_job(jobName="latency", jobQueue=queue, jobDefinition=definition)["jobId"]
    running = None
    while True:
        status = batch.describe_jobs(jobs=[job_id])["jobs"][0]["status"]
        now = time.monotonic() - started
        if status == "RUNNING" and running is None:
            running = now
        if status in bs.FINAL:
            if status != "SUCCEEDED":
                raise RuntimeError(f"latency job {job_id} ended {status}")
            return running if running is not None else now, now
        time.sleep(0.01)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.batch_latency", description=__doc__)
    parser.add_argument("--jobs", type=int, default=5)
    args = parser.parse_args(argv)
    endpoint = lsctl.start(lsctl.default_port())
    session = boto3.session.Session(region_name="us-east-1", **CREDENTIALS)
    batch = session.client("batch", endpoint_url=endpoint)
    ec2 = session.client("ec2", endpoint_url=endpoint)
    network = bs.network(ec2)
    environment = bs.create_environment(batch, network[1], network[2])
    queue = bs.create_queue(batch, environment)
    arguments = bs.python_job("pass")
    definition = batch.register_job_definition(**arguments)["jobDefinitionArn"]
    try:
        rows = [one_job(batch, queue, definition) for _ in range(args.jobs)]
    finally:
        batch.deregister_job_definition(jobDefinition=definition)
        bs.delete_queue(batch, queue)
        bs.delete_environment(batch, environment)
        bs.delete_network(ec2, *network)
    print(f"{'job':>4} {'submit->RUNNING':>16} {'RUNNING->SUCCEEDED':>19} {'total':>7}")
    for number, (running, done) in enumerate(rows, 1):
        print(f"{number:>4} {running:>15.2f}s {done - running:>18.2f}s {done:>6.2f}s")
    runnings = [r for r, _ in rows]
    totals = [d for _, d in rows]
    print(
        f"median: submit->RUNNING {statistics.median(runnings):.2f} s, "
        f"RUNNING->SUCCEEDED {statistics.median(t - r for r, t in rows):.2f} s, "
        f"total {statistics.median(totals):.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
