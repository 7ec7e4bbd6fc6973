"""A chunk on AWS Batch: the job's environment, and the job's program.

The job runs the same sources as the Lambda functions (the code package Terraform uploads),
started by ``batch_main.py``. Its inputs are environment variables:

``FANOUT_RUN``, ``FANOUT_CHUNK``   the run and the chunk as JSON (set per job at submission)
``FANOUT_TASK_TOKEN``              the callback integration's task token (absent with .sync)
``FANOUT_HEARTBEAT_SECONDS``       seconds between SendTaskHeartbeat calls (callback only)
``FANOUT_JOB_TIMEOUT``             the job's attemptDurationSeconds (for the injected hang)
``AWS_BATCH_JOB_ID``, ``AWS_BATCH_JOB_ATTEMPT``   set by AWS Batch

The job always stores its partial in S3 (``runs/<run>/partials/<chunk>.json``, the format of
a large Lambda partial) so both integrations hand the reducer the same compute output:
with ``.sync`` the child state machine builds it (a ``.sync`` task's output is the job
description, not the program's result); with the callback the job sends it itself with
SendTaskSuccess.

Exit codes: 0 done; ``EXIT_RETRYABLE`` a transient failure the job definition's retry
strategy retries; 1 the program's own failure, never retried.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from fanout import s3io
from fanout.errors import (
    ComputeThrottledError,
    FanoutError,
    TransientComputeError,
    truncate_cause,
)
from fanout.steps import compute_step
from fanout.types import Chunk, ComputeOutput

logger = logging.getLogger(__name__)

ENV_RUN = "FANOUT_RUN"
ENV_CHUNK = "FANOUT_CHUNK"
ENV_TASK_TOKEN = "FANOUT_TASK_TOKEN"
ENV_HEARTBEAT_SECONDS = "FANOUT_HEARTBEAT_SECONDS"
ENV_JOB_TIMEOUT = "FANOUT_JOB_TIMEOUT"
# EX_TEMPFAIL (sysexits.h): the job definition's retry strategy retries this exit code.
EXIT_RETRYABLE = 75
EXIT_FAILED = 1
_RETRYABLE = (TransientComputeError, ComputeThrottledError)


class BatchJobInputError(FanoutError):
    """The job's environment lacks its run or chunk (it was not submitted by the fan-out)."""


def job_name(name_prefix: str, chunk: Chunk) -> str:
    """The job's name: letters, digits, hyphens and underscores, at most 128 characters."""
    return f"{name_prefix}-chunk-{chunk['chunk_id']}"[:128]


def submit_job_request(
    run: dict[str, Any],
    chunk: Chunk,
    queue: str,
    definition: str,
    name_prefix: str,
    task_token: str | None = None,
) -> dict[str, Any]:
    """The SubmitJob request of a chunk (the callback integration's function sends it; the
    ``.sync`` task builds the same request in the state machine)."""
    environment = [
        {"name": ENV_RUN, "value": json.dumps(run, separators=(",", ":"))},
        {"name": ENV_CHUNK, "value": json.dumps(chunk, separators=(",", ":"))},
    ]
    if task_token is not None:
        environment.append({"name": ENV_TASK_TOKEN, "value": task_token})
    return {
        "jobName": job_name(name_prefix, chunk),
        "jobQueue": queue,
        "jobDefinition": definition,
        "containerOverrides": {"environment": environment},
    }


def _job_inputs(environ: Mapping[str, str]) -> tuple[dict[str, Any], Chunk]:
    try:
        run, chunk = json.loads(environ[ENV_RUN]), json.loads(environ[ENV_CHUNK])
    except KeyError as exc:
        raise BatchJobInputError(f"environment variable {exc} is not set") from exc
    except ValueError as exc:
        raise BatchJobInputError(f"{ENV_RUN} / {ENV_CHUNK} are not JSON: {exc}") from exc
    if not isinstance(run, dict) or not isinstance(chunk, dict):
        raise BatchJobInputError(f"{ENV_RUN} and {ENV_CHUNK} must be JSON objects")
    return run, {k: chunk[k] for k in ("chunk_id", "start", "stop") if k in chunk}  # type: ignore[return-value]


class Heartbeat:
    """SendTaskHeartbeat every ``interval_s`` seconds from a thread, until stopped."""

    def __init__(self, sfn: Any, token: str, interval_s: float) -> None:
        self._sfn, self._token, self._interval = sfn, token, interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._sfn.send_task_heartbeat(taskToken=self._token)
            except Exception as exc:  # noqa: BLE001 - the task may be gone (TaskTimedOut)
                logger.warning("heartbeat refused; stopping heartbeats", extra={"error": str(exc)})
                return
            self._stop.wait(self._interval)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()


def run_job(
    s3: Any,
    sfn_factory: Callable[[], Any],
    environ: Mapping[str, str],
    fault_injection: bool,
    sleep: Callable[[float], None],
) -> int:
    """Compute the job's chunk, store its partial, report it (callback); the exit code."""
    job_id = environ.get("AWS_BATCH_JOB_ID", "(unknown job id)")
    attempt = max(int(environ.get("AWS_BATCH_JOB_ATTEMPT", "1") or 1) - 1, 0)
    token = environ.get(ENV_TASK_TOKEN)
    sfn = sfn_factory() if token else None
    heartbeat = None
    if sfn is not None and token:
        heartbeat = Heartbeat(sfn, token, float(environ.get(ENV_HEARTBEAT_SECONDS, "20")))
        heartbeat.start()
    where = f"AWS Batch job {job_id}"
    try:
        run, chunk = _job_inputs(environ)
        where = f"chunk {chunk.get('chunk_id')} (AWS Batch job {job_id})"
        timeout_s = float(environ.get(ENV_JOB_TIMEOUT, "3600"))
        output = compute_step(
            s3,
            {"run": run, "chunk": chunk, "attempt": attempt},
            fault_injection=fault_injection,
            remaining_ms=lambda: int(timeout_s * 1000),
            sleep=sleep,
            on_hang=heartbeat.stop if heartbeat else None,
        )
        output = store_partial(s3, run, output)
    except _RETRYABLE as exc:
        logger.warning(
            "transient failure; the retry strategy retries it", extra={"error": str(exc)}
        )
        return EXIT_RETRYABLE
    except Exception as exc:  # noqa: BLE001 - any failure is reported by name, then exit 1
        logger.error(
            "chunk failed", extra={"job_id": job_id, "error": type(exc).__name__, "cause": str(exc)}
        )
        if sfn is not None and token:
            sfn.send_task_failure(
                taskToken=token,
                error=type(exc).__name__,
                cause=truncate_cause(f"{where}: {type(exc).__name__}: {exc}"),
            )
        return EXIT_FAILED
    finally:
        if heartbeat:
            heartbeat.stop()
    if sfn is not None and token:
        sfn.send_task_success(taskToken=token, output=json.dumps(output))
    logger.info("chunk done", extra={"job_id": job_id, "chunk_id": output["chunk_id"]})
    return 0


def store_partial(s3: Any, run: dict[str, Any], output: ComputeOutput) -> ComputeOutput:
    """The output with its value in S3 under the chunk's partial key (stored once)."""
    if "value_key" in output:
        return output
    key = s3io.partial_key(run["run_id"], output["chunk_id"])
    stored = {k: v for k, v in output.items()}
    s3io.put_json(s3, run["bucket"], key, stored)
    reference: ComputeOutput = {
        "chunk_id": output["chunk_id"],
        "start": output["start"],
        "stop": output["stop"],
        "encoding": output["encoding"],
        "value_key": key,
    }
    return reference
