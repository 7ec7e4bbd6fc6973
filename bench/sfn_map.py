"""Time Distributed Map executions on a running LocalStack (no Lambda needed).

    python -m bench.sfn_map --items 50 --items 300 --repeat 3   # [--endpoint URL]

Children are either Pass/Choice states (``pass``) or one aws-sdk S3 Task (``task``), so the
figures show the interpreter's own cost. Run it once against LocalStack started with
``FANOUT_SFN_PATCHES=none`` and once with the default to compare.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from typing import Any

import boto3

from emulation import lsctl

ROLE_ARN = "arn:aws:iam::000000000000:role/fanout-sfn-bench"


def definition(kind: str, bucket: str) -> dict[str, Any]:
    if kind == "pass":
        states: dict[str, Any] = {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.value", "NumericGreaterThan": -1, "Next": "Shape"}],
                "Default": "Shape",
            },
            "Shape": {
                "Type": "Pass",
                "Parameters": {"index.$": "$.index", "value.$": "$.value", "run.$": "$.run"},
                "ResultPath": "$.shaped",
                "Next": "Done",
            },
            "Done": {"Type": "Pass", "OutputPath": "$.shaped", "End": True},
        }
        start = "Check"
    else:
        states = {
            "Head": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:headBucket",
                "Parameters": {"Bucket": bucket},
                "ResultSelector": {"ok": True},
                "End": True,
            }
        }
        start = "Head"
    return {
        "StartAt": "FanOut",
        "States": {
            "FanOut": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {
                    "index.$": "$$.Map.Item.Index",
                    "value.$": "$$.Map.Item.Value",
                    "run.$": "$.run",
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": start,
                    "States": states,
                },
                "MaxConcurrency": 16,
                "End": True,
            }
        },
    }


def time_execution(sfn: Any, arn: str, count: int, deadline_s: float) -> float:
    payload = json.dumps({"run": "bench", "items": list(range(count))})
    execution_arn = sfn.start_execution(
        stateMachineArn=arn, name=f"bench-{uuid.uuid4().hex[:10]}", input=payload
    )["executionArn"]
    end = time.monotonic() + deadline_s
    while True:
        desc = sfn.describe_execution(executionArn=execution_arn)
        if desc["status"] != "RUNNING":
            break
        if time.monotonic() > end:
            raise TimeoutError(f"{execution_arn} still running after {deadline_s} s")
        time.sleep(0.1)
    if desc["status"] != "SUCCEEDED":
        raise RuntimeError(f"{execution_arn} ended {desc['status']}: {desc.get('cause')}")
    if len(json.loads(desc["output"])) != count:
        raise RuntimeError(f"{execution_arn} returned the wrong number of results")
    return (desc["stopDate"] - desc["startDate"]).total_seconds()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--endpoint", help="LocalStack's endpoint (default: LOCALSTACK_ENDPOINT or LOCALSTACK_PORT)"
    )
    parser.add_argument("--items", type=int, action="append", help="items per map (repeatable)")
    parser.add_argument("--kind", choices=["pass", "task"], action="append")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--deadline", type=float, default=900.0)
    args = parser.parse_args(argv)

    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    url = args.endpoint or lsctl.endpoint()
    sfn = session.client("stepfunctions", endpoint_url=url)
    s3 = session.client("s3", endpoint_url=url)
    bucket = f"fanout-sfn-bench-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    try:
        for kind in args.kind or ["pass", "task"]:
            arn = sfn.create_state_machine(
                name=f"fanout-sfn-bench-{uuid.uuid4().hex[:8]}",
                definition=json.dumps(definition(kind, bucket)),
                roleArn=ROLE_ARN,
            )["stateMachineArn"]
            try:
                for count in args.items or [50, 300]:
                    times = [
                        time_execution(sfn, arn, count, args.deadline) for _ in range(args.repeat)
                    ]
                    print(
                        json.dumps(
                            {
                                "kind": kind,
                                "items": count,
                                "median_s": round(statistics.median(times), 3),
                                "runs_s": [round(t, 3) for t in times],
                            }
                        )
                    )
            finally:
                sfn.delete_state_machine(stateMachineArn=arn)
    finally:
        s3.delete_bucket(Bucket=bucket)


if __name__ == "__main__":
    main()
