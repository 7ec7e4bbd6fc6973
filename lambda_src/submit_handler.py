"""Callback integration: submit a chunk's AWS Batch job carrying the task token.

Event: {"run": ..., "chunk": ..., "task_token": $$.Task.Token}. The state machine waits
(``lambda:invoke.waitForTaskToken``) until the job reports with SendTaskSuccess or
SendTaskFailure, or stops heartbeating. Returns the job id.
"""

from __future__ import annotations

import os
from typing import Any

from fanout.batch import submit_job_request
from fanout.logs import get_logger

logger = get_logger("fanout.submit")
# The environment's Batch client, created on first use and reused across invocations.
batch: Any = None


def _batch_client() -> Any:
    global batch
    if batch is None:
        import boto3

        batch = boto3.client("batch")
    return batch


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = submit_job_request(
        event["run"],
        event["chunk"],
        queue=os.environ["BATCH_JOB_QUEUE"],
        definition=os.environ["BATCH_JOB_DEFINITION"],
        name_prefix=os.environ["BATCH_JOB_NAME_PREFIX"],
        task_token=event["task_token"],
    )
    response = _batch_client().submit_job(**request)
    logger.info(
        "submitted batch job",
        extra={
            "run_id": event["run"].get("run_id"),
            "chunk_id": event["chunk"].get("chunk_id"),
            "job_id": response["jobId"],
            "aws_request_id": getattr(context, "aws_request_id", None),
        },
    )
    return {"job_id": response["jobId"], "job_name": request["jobName"]}
