"""The deployed stack every end-to-end part of the bench runs on, and how it runs one
execution: start it, follow it with progress, read its stage breakdown.

Parts of the bench take a :class:`Stack` and call :func:`run_execution`; none deploys on
its own, so one ``make bench`` deploys once.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emulation import deploy, lsctl

# The bucket of the data run's input objects (bench.data), the one input the stack allows.
DATA_BUCKET = "fanout-bench-inputs"
BENCH_VARIABLES: dict[str, object] = {
    "name_prefix": "fanout-bench",
    "force_destroy_bucket": True,
    "max_size": 1_000_000,
    # This machine runs every Lambda environment as a local process: more children at
    # once than LocalStack starts in parallel (16) only adds memory, not speed.
    "map_max_concurrency": 16,
    "allowed_input_locations": [f"s3://{DATA_BUCKET}/"],
}
# A bench-only environment variable whose new value makes the functions' next invocations
# start in new execution environments (see recycle_environments).
GENERATION_VARIABLE = "FANOUT_BENCH_GENERATION"
PROGRESS_EVERY_S = 15.0
POLL_S = 0.25


@dataclass
class Stack:
    endpoint: str
    outputs: dict[str, Any]
    sfn: Any
    lambda_: Any
    s3: Any
    localstack_pid: int | None
    deploy_s: float

    @property
    def state_machine_arn(self) -> str:
        return str(self.outputs["state_machine_arn"])

    @property
    def bucket(self) -> str:
        return str(self.outputs["results_bucket_name"])

    @property
    def function_names(self) -> list[str]:
        return sorted(self.outputs["function_names"].values())


@contextlib.contextmanager
def deployed_stack(keep: bool = False) -> Iterator[Stack]:
    """LocalStack (started here unless one runs already) with the product deployed by
    Terraform; destroyed afterwards, and LocalStack stopped if started here, unless ``keep``."""
    import boto3

    started_here = lsctl.localstack_pid() is None and not os.environ.get("LOCALSTACK_ENDPOINT")
    endpoint = lsctl.start()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    try:
        t0 = time.perf_counter()
        outputs = deploy.apply(endpoint, BENCH_VARIABLES, workspace="bench")
        deploy_s = time.perf_counter() - t0
        print(f"  deploy (terraform apply): {deploy_s:.1f} s", flush=True)
        yield Stack(
            endpoint=endpoint,
            outputs=outputs,
            sfn=boto3.client("stepfunctions", endpoint_url=endpoint),
            lambda_=boto3.client("lambda", endpoint_url=endpoint),
            s3=boto3.client("s3", endpoint_url=endpoint),
            localstack_pid=lsctl.localstack_pid(),
            deploy_s=deploy_s,
        )
    finally:
        if not keep:
            deploy.destroy(endpoint, BENCH_VARIABLES, workspace="bench")
            if started_here:
                lsctl.stop()


def recycle_environments(stack: Stack) -> float:
    """Make every function's next invocation a cold start; returns the seconds it took.

    UpdateFunctionConfiguration with a new value of a bench-only environment variable:
    "When you update a function, Lambda provisions an instance of the function and its
    supporting resources" (https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html),
    and an environment made with the old variables cannot serve the new configuration, so
    the following invocations start new execution environments, on AWS as on LocalStack
    (whose rollover shuts the old version's environments down). The call waits until
    LastUpdateStatus is Successful (the function_updated_v2 waiter).
    """
    t0 = time.perf_counter()
    generation = uuid.uuid4().hex[:12]
    for name in stack.function_names:
        config = stack.lambda_.get_function_configuration(FunctionName=name)
        variables = dict(config.get("Environment", {}).get("Variables", {}))
        variables[GENERATION_VARIABLE] = generation
        stack.lambda_.update_function_configuration(
            FunctionName=name, Environment={"Variables": variables}
        )
    for name in stack.function_names:
        stack.lambda_.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
    return time.perf_counter() - t0


@dataclass
class Execution:
    name: str
    arn: str
    wall_s: float
    output: dict[str, Any]
    stages_s: dict[str, float]
    peak_rss_mib: float | None


def run_execution(stack: Stack, execution_input: dict[str, Any], label: str) -> Execution:
    """Start one execution, follow it to the end (progress every 15 s) and read its stage
    breakdown; a run that does not succeed stops the bench, naming it."""
    name = f"bench-{label.replace(' ', '-')}-{uuid.uuid4().hex[:8]}"
    sampler = lsctl.PeakRss(stack.localstack_pid) if stack.localstack_pid else None
    with sampler or contextlib.nullcontext():
        started = time.perf_counter()
        arn = stack.sfn.start_execution(
            stateMachineArn=stack.state_machine_arn, name=name, input=json.dumps(execution_input)
        )["executionArn"]
        shown = started
        while (desc := stack.sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
            if time.perf_counter() - shown >= PROGRESS_EVERY_S:
                shown = time.perf_counter()
                print(f"    {label}: running, {shown - started:.0f} s", flush=True)
            time.sleep(POLL_S)
        wall = time.perf_counter() - started
    if desc["status"] != "SUCCEEDED":
        raise SystemExit(
            f"{label} ({name}): {desc['status']}: {desc.get('error')} {desc.get('cause')}"
        )
    return Execution(
        name=name,
        arn=arn,
        wall_s=wall,
        output=json.loads(desc["output"]),
        stages_s=stage_breakdown(stack.sfn, arn),
        peak_rss_mib=(sampler.peak / 2**20) if sampler else None,
    )


def stage_breakdown(sfn: Any, execution_arn: str) -> dict[str, float]:
    """Seconds spent in each top-level state, from the execution history."""
    events: list[dict[str, Any]] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        events += page["events"]
    entered: dict[str, datetime] = {}
    stages: dict[str, float] = {}
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            entered[details["name"]] = event["timestamp"]
        elif kind.endswith("StateExited"):
            details = event["stateExitedEventDetails"]
            if details["name"] in entered:
                delta = event["timestamp"] - entered[details["name"]]
                stages[details["name"]] = delta.total_seconds()
    return stages


def format_stages(stages: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f}s" for k, v in stages.items())
