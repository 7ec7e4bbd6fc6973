"""Jobs of the emulated AWS Batch API: SubmitJob, DescribeJobs, ListJobs, TerminateJob, CancelJob.

The lifecycle follows https://docs.aws.amazon.com/batch/latest/userguide/job_states.html:
SUBMITTED, then RUNNABLE ("If there are no dependencies, the job is moved to RUNNABLE"; PENDING
is for jobs with dependencies, which the emulator refuses), STARTING once a compute environment
of the queue is ENABLED and has free vCPUs (maxvCpus), RUNNING while the process runs, then
SUCCEEDED (exit code 0) or FAILED. A failed attempt goes back to RUNNABLE while the retry
strategy allows (https://docs.aws.amazon.com/batch/latest/userguide/job_retries.html).
TerminateJob fails a STARTING or RUNNING job and cancels an earlier one; CancelJob cancels jobs
before STARTING and leaves later ones alone (API reference: TerminateJob, CancelJob). Neither
is retried.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from localstack_fanout_ext import batch_faults
from localstack_fanout_ext.batch_control import (
    delete_job_queue,
    validate_environment,
    validate_retry_strategy,
    validate_timeout,
)
from localstack_fanout_ext.batch_rules import (
    AttemptOutcome,
    glob_matches,
    merge_environment,
    should_retry,
    substitute_parameters,
)
from localstack_fanout_ext.batch_runner import AttemptSpec, StopSignal, run_attempt
from localstack_fanout_ext.batch_store import STORES, BatchClientError, BatchStore, now_ms

LOG = logging.getLogger(__name__)

ACTIVE_BEFORE_START = ("SUBMITTED", "PENDING", "RUNNABLE")
JOB_STATUSES = ("SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED", "FAILED")


@dataclass
class Job:
    store: BatchStore
    job_id: str
    request: dict[str, Any]
    definition: dict[str, Any]
    queue_arn: str
    container: dict[str, Any]
    retry_strategy: dict[str, Any] | None
    timeout: dict[str, Any] | None
    status: str = "SUBMITTED"
    status_reason: str | None = None
    created_at: int = field(default_factory=now_ms)
    started_at: int | None = None
    stopped_at: int | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    last_container: dict[str, Any] = field(default_factory=dict)
    stop: StopSignal = field(default_factory=StopSignal)
    cancelled: str | None = None  # the reason, once cancelled or terminated
    ce_name: str | None = None
    vcpus: float = 1.0

    @property
    def arn(self) -> str:
        return self.store.arn("job", self.job_id)

    def describe(self) -> dict[str, Any]:
        container = dict(self.container)
        container["environment"] = [
            {"name": k, "value": v} for k, v in merge_environment(container["environment"]).items()
        ]
        container.update(self.last_container)
        out: dict[str, Any] = {
            "jobArn": self.arn,
            "jobName": self.request["jobName"],
            "jobId": self.job_id,
            "jobQueue": self.queue_arn,
            "status": self.status,
            "attempts": [dict(a) for a in self.attempts],
            "createdAt": self.created_at,
            "dependsOn": [],
            "jobDefinition": self.definition["jobDefinitionArn"],
            "parameters": self.parameters,
            "container": container,
            "tags": dict(self.store.tags.get(self.arn, {})),
            "platformCapabilities": self.definition.get("platformCapabilities", []),
            "propagateTags": bool(self.request.get("propagateTags", False)),
        }
        optional = {
            "statusReason": self.status_reason,
            "startedAt": self.started_at,
            "stoppedAt": self.stopped_at,
            "retryStrategy": self.retry_strategy,
            "timeout": self.timeout,
        }
        out.update({k: v for k, v in optional.items() if v is not None})
        return out

    @property
    def parameters(self) -> dict[str, str]:
        return {**self.definition.get("parameters", {}), **(self.request.get("parameters") or {})}


def _vcpus(container: dict[str, Any]) -> float:
    for requirement in container.get("resourceRequirements") or []:
        if requirement.get("type") == "VCPU":
            return float(requirement["value"])
    return float(container.get("vcpus") or 1)


def _container(definition: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    base = dict(definition.get("containerProperties") or {})
    validate_environment(overrides.get("environment"))
    base["environment"] = list(base.get("environment") or []) + list(
        overrides.get("environment") or []
    )
    if overrides.get("command") is not None:
        base["command"] = list(overrides["command"])
    if overrides.get("resourceRequirements"):
        base["resourceRequirements"] = overrides["resourceRequirements"]
    for key in ("vcpus", "memory", "instanceType"):
        if overrides.get(key) is not None:
            base[key] = overrides[key]
    base.setdefault("command", [])
    for key in ("volumes", "mountPoints", "ulimits"):
        base.setdefault(key, [])
    return base


def submit_job(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    for unsupported in ("dependsOn", "arrayProperties", "nodeOverrides", "eksPropertiesOverride"):
        if request.get(unsupported):
            raise BatchClientError(
                f"{unsupported} is not supported by the Batch emulator (single container jobs only)"
            )
    queue = store.job_queue(request["jobQueue"]).current()
    if queue["state"] != "ENABLED" or queue["status"] not in ("VALID", "UPDATING"):
        raise BatchClientError(
            f"Job queue {queue['jobQueueName']} is not ENABLED and VALID "
            f"(state {queue['state']}, status {queue['status']})"
        )
    definition = store.job_definition(request["jobDefinition"])
    if definition["status"] != "ACTIVE":
        raise BatchClientError(f"Job definition {request['jobDefinition']} is INACTIVE")
    if definition.get("type") != "container" or not definition.get("containerProperties"):
        raise BatchClientError("the Batch emulator runs container job definitions only")
    retry_strategy = request.get("retryStrategy") or definition.get("retryStrategy")
    timeout = request.get("timeout") or definition.get("timeout")
    validate_retry_strategy(retry_strategy)
    validate_timeout(timeout)
    container = _container(definition, request.get("containerOverrides") or {})
    job = Job(
        store=store,
        job_id=str(uuid.uuid4()),
        request=request,
        definition=definition,
        queue_arn=queue["jobQueueArn"],
        container=container,
        retry_strategy=retry_strategy,
        timeout=timeout,
        vcpus=_vcpus(container),
    )
    job.container["command"] = substitute_parameters(job.container["command"], job.parameters)
    store.jobs[job.job_id] = job
    store.tags[job.arn] = dict(request.get("tags") or {})
    threading.Thread(
        target=_lifecycle, args=(job,), name=f"batch-{job.job_id}", daemon=True
    ).start()
    return {"jobArn": job.arn, "jobName": request["jobName"], "jobId": job.job_id}


# --------------------------------------------------------------------------- lifecycle


def _pause() -> None:
    time.sleep(STORES.settings["stateSeconds"])


def _place(job: Job) -> str | None:
    """A compute environment of the queue that can start the job now, reserving its vCPUs."""
    queue = job.store.job_queue(job.queue_arn).current()
    if queue["state"] != "ENABLED":
        return None
    for entry in sorted(queue["computeEnvironmentOrder"], key=lambda e: e["order"]):
        resource = job.store.compute_environment(entry["computeEnvironment"])
        ce = resource.current()
        if ce["state"] != "ENABLED" or ce["status"] not in ("VALID", "UPDATING"):
            continue
        limit = float((ce.get("computeResources") or {}).get("maxvCpus") or 0)
        busy = sum(
            j.vcpus
            for j in job.store.jobs.values()
            if j.ce_name == ce["computeEnvironmentName"] and j.status in ("STARTING", "RUNNING")
        )
        if ce.get("type") == "UNMANAGED" or busy + job.vcpus <= limit:
            return ce["computeEnvironmentName"]
    return None


def _finish(job: Job, status: str, reason: str) -> None:
    job.status, job.status_reason, job.stopped_at = status, reason, now_ms()


def _lifecycle(job: Job) -> None:
    try:
        _advance(job)
    except Exception as e:  # a fault of the emulator must not leave the job RUNNING forever
        LOG.exception("Batch emulator failed on job %s", job.job_id)
        with STORES.lock:
            _finish(job, "FAILED", f"Batch emulator error: {e}"[:255])


def _advance(job: Job) -> None:
    _pause()
    with STORES.lock:
        if job.cancelled is not None:
            return
        job.status = "RUNNABLE"
    attempt = 0
    while True:
        _pause()  # the scheduler looks at RUNNABLE jobs at intervals
        while True:
            with STORES.lock:
                if job.cancelled is not None:
                    return
                try:
                    placed = _place(job)
                except BatchClientError:
                    placed = None
                if placed:
                    job.ce_name, job.status = placed, "STARTING"
                    break
            time.sleep(0.1)
        attempt += 1
        _pause()
        outcome = _run(job, attempt)
        with STORES.lock:
            if job.status == "SUCCEEDED":
                return
            if job.cancelled is None and should_retry(job.retry_strategy, attempt, outcome):
                job.status, job.ce_name = "RUNNABLE", None
                continue
            _finish(job, "FAILED", job.cancelled or outcome.status_reason)
            job.ce_name = None
            return


def _run(job: Job, attempt: int) -> AttemptOutcome:
    """One attempt: RUNNING while the process runs; records it in ``attempts``."""
    queue_name = job.queue_arn.rsplit("/", 1)[-1]
    spec = AttemptSpec(
        job_id=job.job_id,
        attempt=attempt,
        account=job.store.account,
        region=job.store.region,
        queue_name=queue_name,
        ce_name=job.ce_name or "",
        definition_name=job.definition["jobDefinitionName"],
        container=job.container,
        timeout_seconds=(job.timeout or {}).get("attemptDurationSeconds"),
    )
    stop = StopSignal()
    with STORES.lock:
        if job.cancelled is not None:  # terminated while STARTING
            return AttemptOutcome(job.cancelled)
        job.stop = stop
        job.status = "RUNNING"
        started = now_ms()
        if job.started_at is None:
            job.started_at = started
    batch_faults.arm(job.request["jobName"], queue_name, stop)
    result = run_attempt(spec, stop, STORES.settings["timeoutScale"])
    container: dict[str, Any] = {"taskArn": result.task_arn}
    if result.exit_code is not None:
        container["exitCode"] = result.exit_code
    if result.reason:
        container["reason"] = result.reason
    if result.log_stream:
        container["logStreamName"] = result.log_stream
    record: dict[str, Any] = {"container": container, "statusReason": result.status_reason}
    if result.started:
        record.update({"startedAt": started, "stoppedAt": now_ms()})
    with STORES.lock:
        job.attempts.append(record)
        job.last_container = container
        if result.exit_code == 0 and job.cancelled is None:
            _finish(job, "SUCCEEDED", result.status_reason)
    return AttemptOutcome(result.status_reason, result.reason, result.exit_code, result.timed_out)


# --------------------------------------------------------------------------- API


def describe_jobs(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    ids = request.get("jobs") or []
    if len(ids) > 100:
        raise BatchClientError("DescribeJobs takes at most 100 job IDs")
    with STORES.lock:
        found = [
            store.jobs[i.rsplit("/", 1)[-1]] for i in ids if i.rsplit("/", 1)[-1] in store.jobs
        ]
        return {"jobs": [job.describe() for job in found]}


def list_jobs(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    if request.get("arrayJobId") or request.get("multiNodeJobId"):
        raise BatchClientError("array and multi-node jobs are not supported by the Batch emulator")
    queue = (
        store.job_queue(request["jobQueue"]).current()["jobQueueArn"]
        if request.get("jobQueue")
        else None
    )
    # API reference ListJobs: only RUNNING jobs without a status; "When the filter is used,
    # jobStatus is ignored"; JOB_NAME is "a case-insensitive match for the job name" (a prefix
    # when it ends with "*"). The emulator has no other filter.
    filters = request.get("filters") or []
    for unknown in [f.get("name") for f in filters if f.get("name") != "JOB_NAME"]:
        raise BatchClientError(f"ListJobs filter {unknown} is not supported by the Batch emulator")
    wanted = None if filters else request.get("jobStatus") or "RUNNING"
    name_filter = next((f["values"][0] for f in filters), None)
    with STORES.lock:
        summaries = []
        for job in sorted(store.jobs.values(), key=lambda j: j.created_at, reverse=True):
            if queue and job.queue_arn != queue:
                continue
            if wanted and job.status != wanted:
                continue
            if name_filter and not _name_matches(name_filter, job.request["jobName"]):
                continue
            summaries.append(_summary(job))
    start = int(request.get("nextToken") or 0)
    size = int(request.get("maxResults") or 100)
    out: dict[str, Any] = {"jobSummaryList": summaries[start : start + size]}
    if start + size < len(summaries):
        out["nextToken"] = str(start + size)
    return out


def _name_matches(pattern: str, name: str) -> bool:
    return glob_matches(pattern.lower(), name.lower())


def _summary(job: Job) -> dict[str, Any]:
    detail = job.describe()
    keys = (
        "jobArn",
        "jobId",
        "jobName",
        "createdAt",
        "status",
        "statusReason",
        "startedAt",
        "stoppedAt",
        "jobDefinition",
    )
    out = {k: detail[k] for k in keys if k in detail}
    if "exitCode" in job.last_container:
        out["container"] = {"exitCode": job.last_container["exitCode"]}
    return out


def _job(store: BatchStore, job_id: str) -> Job:
    job = store.jobs.get(job_id)
    if job is None:
        raise BatchClientError(f"Job {job_id} does not exist")
    return job


def terminate_job(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    with STORES.lock:
        job = _job(store, request["jobId"])
        reason = request["reason"]
        if job.status in ACTIVE_BEFORE_START:
            job.cancelled = reason
            _finish(job, "FAILED", reason)
        elif job.status in ("STARTING", "RUNNING"):
            job.cancelled = reason
            job.stop.stop(reason, keep_exit_code=True)
    return {}


def cancel_job(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    with STORES.lock:
        job = _job(store, request["jobId"])
        if job.status in ACTIVE_BEFORE_START:
            job.cancelled = request["reason"]
            _finish(job, "FAILED", request["reason"])
    return {}


def delete_job_queue_and_its_jobs(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    """DeleteJobQueue: "All jobs in the job queue are eventually terminated when you delete a job
    queue" (API reference DeleteJobQueue); AWS does not document their statusReason."""
    queue = store.job_queue(request["jobQueue"]).current()
    delete_job_queue(store, request)
    reason = f"Job queue {queue['jobQueueName']} was deleted"
    for job in list(store.jobs.values()):
        if job.queue_arn == queue["jobQueueArn"] and job.status not in ("SUCCEEDED", "FAILED"):
            terminate_job(store, {"jobId": job.job_id, "reason": reason})
    return {}


HANDLERS = {
    "DeleteJobQueue": delete_job_queue_and_its_jobs,
    "SubmitJob": submit_job,
    "DescribeJobs": describe_jobs,
    "ListJobs": list_jobs,
    "TerminateJob": terminate_job,
    "CancelJob": cancel_job,
}
