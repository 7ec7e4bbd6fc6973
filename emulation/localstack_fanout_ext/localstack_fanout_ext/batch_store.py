"""State of the emulated AWS Batch API: compute environments, job queues, job definitions, jobs.

One ``BatchStore`` per (account, region), as AWS scopes Batch resources. ARNs follow AWS's
formats (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsbatch.html):
``arn:aws:batch:<region>:<account>:compute-environment/<name>``, ``job-queue/<name>``,
``job-definition/<name>:<revision>``, ``job/<job id>``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from localstack.aws.api import CommonServiceException

# Emulation settings a test may change through the internal route (see batch_faults): how long a
# job stays in each transient state, how long a resource stays CREATING/UPDATING/DELETING, and a
# factor applied to attemptDurationSeconds and to the 30 s grace before SIGKILL, so a 60 s timeout
# (AWS's minimum) can be exercised in a second.
DEFAULT_SETTINGS: dict[str, float] = {
    "stateSeconds": 0.2,
    "resourceSeconds": 0.5,
    "timeoutScale": 1.0,
}


class BatchClientError(CommonServiceException):
    """AWS Batch's ClientException (HTTP 400): bad input or an unknown resource."""

    def __init__(self, message: str) -> None:
        super().__init__("ClientException", message, status_code=400, sender_fault=True)


def now_ms() -> int:
    return int(time.time() * 1000)


def arn(region: str, account: str, kind: str, name: str) -> str:
    return f"arn:aws:batch:{region}:{account}:{kind}/{name}"


def name_of(reference: str) -> str:
    """The name part of a name or an ARN (``job-queue/q`` -> ``q``)."""
    return reference.rsplit("/", 1)[-1] if reference.startswith("arn:") else reference


@dataclass
class Resource:
    """A compute environment or a job queue: status moves CREATING -> VALID, and so on.

    AWS reports the transient statuses while it works; the Terraform provider waits on them
    (``waitComputeEnvironmentCreated``, ``waitJobQueueDeleted`` in
    hashicorp/terraform-provider-aws).
    """

    detail: dict[str, Any]
    status: str
    settle_at: float
    settled_status: str

    def current(self) -> dict[str, Any]:
        if self.status != self.settled_status and time.monotonic() >= self.settle_at:
            self.status = self.settled_status
            self.detail.pop("statusReason", None)
        out = dict(self.detail)
        out["status"] = self.status
        if self.status == "VALID":
            out["statusReason"] = (
                "ComputeEnvironment Healthy"
                if "computeEnvironmentArn" in out
                else "JobQueue Healthy"
            )
        return out

    def transition(self, transient: str, final: str, seconds: float) -> None:
        self.status = transient
        self.settled_status = final
        self.settle_at = time.monotonic() + seconds


@dataclass
class BatchStore:
    account: str
    region: str
    compute_environments: dict[str, Resource] = field(default_factory=dict)
    job_queues: dict[str, Resource] = field(default_factory=dict)
    # name -> revision -> job definition detail
    job_definitions: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    jobs: dict[str, Any] = field(default_factory=dict)  # job id -> batch_jobs.Job
    tags: dict[str, dict[str, str]] = field(default_factory=dict)  # ARN -> tags

    def arn(self, kind: str, name: str) -> str:
        return arn(self.region, self.account, kind, name)

    def compute_environment(self, reference: str) -> Resource:
        resource = self.compute_environments.get(name_of(reference))
        if resource is None or resource.current()["status"] == "DELETED":
            raise BatchClientError(f"ComputeEnvironment {reference} does not exist")
        return resource

    def job_queue(self, reference: str) -> Resource:
        resource = self.job_queues.get(name_of(reference))
        if resource is None or resource.current()["status"] == "DELETED":
            raise BatchClientError(f"JobQueue {reference} does not exist")
        return resource

    def job_definition(self, reference: str) -> dict[str, Any]:
        """By ARN, ``name:revision`` or ``name`` (its latest ACTIVE revision), as SubmitJob."""
        text = name_of(reference)
        name, _, revision = text.partition(":")
        revisions = self.job_definitions.get(name, {})
        if revision:
            found = revisions.get(int(revision)) if revision.isdigit() else None
        else:
            active = [r for r, d in revisions.items() if d["status"] == "ACTIVE"]
            found = revisions[max(active)] if active else None
        if found is None:
            raise BatchClientError(f"Job definition {reference} does not exist")
        return found

    def resource_tags(self, resource_arn: str) -> dict[str, str]:
        return self.tags.setdefault(resource_arn, {})


class Stores:
    """Every account's and region's store, created on first use."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._stores: dict[tuple[str, str], BatchStore] = {}
        self.settings: dict[str, float] = dict(DEFAULT_SETTINGS)

    def get(self, account: str, region: str) -> BatchStore:
        with self.lock:
            key = (account, region)
            if key not in self._stores:
                self._stores[key] = BatchStore(account, region)
            return self._stores[key]

    def all(self) -> list[BatchStore]:
        with self.lock:
            return list(self._stores.values())


STORES = Stores()
