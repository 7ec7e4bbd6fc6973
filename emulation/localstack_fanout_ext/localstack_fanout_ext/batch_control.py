"""Control plane of the emulated AWS Batch API: compute environments, job queues, job
definitions and tags.

Follows the API reference (https://docs.aws.amazon.com/batch/latest/APIReference/Welcome.html)
and what the Terraform AWS provider waits for (hashicorp/terraform-provider-aws,
internal/service/batch): a compute environment or job queue is CREATING/UPDATING/DELETING for a
moment, then VALID (or DELETED, which the provider reads as gone); deletion needs the resource
DISABLED first (the provider disables, waits, deletes, waits). Job definitions get a revision per
registration and become INACTIVE when deregistered. Each handler takes the store and the request
(member names as in the API) and returns the response.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from localstack_fanout_ext.batch_store import STORES, BatchClientError, BatchStore, Resource

# https://docs.aws.amazon.com/batch/latest/userguide/job_env_vars.html: "This is a protected
# environment variable prefix. You can't use this prefix for your own variables".
RESERVED_ENV_PREFIX = "AWS_BATCH_"
# https://docs.aws.amazon.com/batch/latest/userguide/job_timeouts.html: at least 60 seconds.
MIN_TIMEOUT_SECONDS = 60
# job queue members kept as given when set
QUEUE_OPTIONS = ("schedulingPolicyArn", "jobStateTimeLimitActions")
VALIDATE_NETWORK: list[Callable[[BatchStore, list[str], list[str]], None]] = []


def _settle_seconds() -> float:
    return STORES.settings["resourceSeconds"]


def _with_tags(store: BatchStore, resource_arn: str, detail: dict[str, Any]) -> dict[str, Any]:
    out = dict(detail)
    tags = store.tags.get(resource_arn)
    if tags:
        out["tags"] = dict(tags)
    return out


def _describe(
    store: BatchStore, table: dict[str, Resource], request: dict[str, Any], kind: str
) -> dict[str, Any]:
    """Describe compute environments or job queues (``kind``: ``computeEnvironment`` or
    ``jobQueue``), by name or ARN, paginated."""
    wanted = request.get(f"{kind}s") or []
    found = []
    for name, resource in table.items():
        detail = resource.current()
        if wanted and name not in wanted and detail[f"{kind}Arn"] not in wanted:
            continue
        found.append(_with_tags(store, detail[f"{kind}Arn"], detail))
    page, token = _page(found, request)
    return {f"{kind}s": page, **({"nextToken": token} if token else {})}


def _created(
    store: BatchStore, table: dict[str, Resource], detail: dict[str, Any], kind: str, tags: Any
) -> dict[str, Any]:
    """Store a new compute environment or job queue (CREATING for a moment) and its tags."""
    resource = Resource(detail, "CREATING", 0.0, "CREATING")
    resource.transition("CREATING", "VALID", _settle_seconds())
    table[detail[f"{kind}Name"]] = resource
    store.tags[detail[f"{kind}Arn"]] = dict(tags or {})
    return {f"{kind}Name": detail[f"{kind}Name"], f"{kind}Arn": detail[f"{kind}Arn"]}


def _copy(detail: dict[str, Any], request: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Take the members the request sets (an omitted or empty one keeps its value)."""
    detail.update({key: request[key] for key in keys if request.get(key) not in (None, "")})


def _page(items: list[dict[str, Any]], request: dict[str, Any]) -> tuple[list, str | None]:
    start = int(request.get("nextToken") or 0)
    size = int(request.get("maxResults") or 100)
    token = str(start + size) if start + size < len(items) else None
    return items[start : start + size], token


# --------------------------------------------------------------------------- compute environments


def create_compute_environment(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    name = request["computeEnvironmentName"]
    existing = store.compute_environments.get(name)
    if existing and existing.current()["status"] != "DELETED":
        raise BatchClientError(f"Object already exists: compute environment {name}")
    kind = request.get("type")
    resources = request.get("computeResources")
    if kind == "MANAGED":
        if not resources:
            raise BatchClientError("computeResources is required for a MANAGED compute environment")
        if not resources.get("subnets"):
            raise BatchClientError("computeResources.subnets is required")
        if resources.get("maxvCpus") is None:
            raise BatchClientError("computeResources.maxvCpus is required")
        for check in VALIDATE_NETWORK:
            check(store, resources.get("subnets", []), resources.get("securityGroupIds", []))
    elif kind == "UNMANAGED" and resources:
        raise BatchClientError("an UNMANAGED compute environment takes no computeResources")
    ce_arn = store.arn("compute-environment", name)
    detail: dict[str, Any] = {
        "computeEnvironmentName": name,
        "computeEnvironmentArn": ce_arn,
        "ecsClusterArn": (
            f"arn:aws:ecs:{store.region}:{store.account}:cluster/AWSBatch-{name}-{uuid.uuid4()}"
        ),
        "type": kind,
        "state": request.get("state") or "ENABLED",
        "serviceRole": request.get("serviceRole")
        or (
            f"arn:aws:iam::{store.account}:role/aws-service-role/batch.amazonaws.com/"
            "AWSServiceRoleForBatch"
        ),
        "containerOrchestrationType": "ECS",
        "uuid": str(uuid.uuid4()),
    }
    if resources:
        detail["computeResources"] = resources
    tags = request.get("tags")
    return _created(store, store.compute_environments, detail, "computeEnvironment", tags)


def describe_compute_environments(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    return _describe(store, store.compute_environments, request, "computeEnvironment")


def update_compute_environment(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    resource = store.compute_environment(request["computeEnvironment"])
    detail = resource.detail
    _copy(detail, request, ("state", "serviceRole", "updatePolicy"))
    update = request.get("computeResources") or {}
    if update:
        merged = dict(detail.get("computeResources") or {})
        merged.update(update)
        if update.get("subnets") or update.get("securityGroupIds"):
            for check in VALIDATE_NETWORK:
                check(store, update.get("subnets", []), update.get("securityGroupIds", []))
        detail["computeResources"] = merged
    resource.transition("UPDATING", "VALID", _settle_seconds())
    return {
        "computeEnvironmentName": detail["computeEnvironmentName"],
        "computeEnvironmentArn": detail["computeEnvironmentArn"],
    }


def _disabled(resource: Resource, what: str, name_key: str) -> dict[str, Any]:
    """The resource's description; ClientException unless it is DISABLED (deletion needs it)."""
    detail = resource.current()
    if detail["state"] != "DISABLED":
        raise BatchClientError(
            f"Cannot delete {what} {detail[name_key]}: it must be DISABLED first"
        )
    return detail


def delete_compute_environment(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    resource = store.compute_environment(request["computeEnvironment"])
    detail = _disabled(resource, "compute environment", "computeEnvironmentName")
    for queue in store.job_queues.values():
        current = queue.current()
        if current["status"] == "DELETED":
            continue
        for entry in current.get("computeEnvironmentOrder", []):
            if entry["computeEnvironment"] == detail["computeEnvironmentArn"]:
                raise BatchClientError(
                    "Cannot delete, found existing JobQueue relationship "
                    f"({current['jobQueueName']})"
                )
    resource.transition("DELETING", "DELETED", _settle_seconds())
    return {}


# --------------------------------------------------------------------------- job queues


def _order(store: BatchStore, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not entries:
        raise BatchClientError("computeEnvironmentOrder needs at least one compute environment")
    out = []
    for entry in entries:
        ce = store.compute_environment(entry["computeEnvironment"]).current()
        out.append({"order": entry["order"], "computeEnvironment": ce["computeEnvironmentArn"]})
    return out


def create_job_queue(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    name = request["jobQueueName"]
    existing = store.job_queues.get(name)
    if existing and existing.current()["status"] != "DELETED":
        raise BatchClientError(f"Object already exists: job queue {name}")
    jq_arn = store.arn("job-queue", name)
    detail: dict[str, Any] = {
        "jobQueueName": name,
        "jobQueueArn": jq_arn,
        "state": request.get("state") or "ENABLED",
        "priority": request["priority"],
        "computeEnvironmentOrder": _order(store, request.get("computeEnvironmentOrder") or []),
        "jobQueueType": "ECS",
    }
    _copy(detail, request, QUEUE_OPTIONS)
    return _created(store, store.job_queues, detail, "jobQueue", request.get("tags"))


def describe_job_queues(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    return _describe(store, store.job_queues, request, "jobQueue")


def update_job_queue(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    resource = store.job_queue(request["jobQueue"])
    detail = resource.detail
    _copy(detail, request, ("state", "priority", *QUEUE_OPTIONS))
    if request.get("computeEnvironmentOrder"):
        detail["computeEnvironmentOrder"] = _order(store, request["computeEnvironmentOrder"])
    resource.transition("UPDATING", "VALID", _settle_seconds())
    return {"jobQueueName": detail["jobQueueName"], "jobQueueArn": detail["jobQueueArn"]}


def delete_job_queue(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    resource = store.job_queue(request["jobQueue"])
    _disabled(resource, "job queue", "jobQueueName")
    resource.transition("DELETING", "DELETED", _settle_seconds())
    return {}


# --------------------------------------------------------------------------- job definitions


def validate_timeout(timeout: dict[str, Any] | None) -> None:
    seconds = (timeout or {}).get("attemptDurationSeconds")
    if seconds is not None and seconds < MIN_TIMEOUT_SECONDS:
        raise BatchClientError(
            f"timeout.attemptDurationSeconds must be at least {MIN_TIMEOUT_SECONDS} "
            f"(got {seconds}); see https://docs.aws.amazon.com/batch/latest/userguide/job_timeouts.html"
        )


def validate_retry_strategy(strategy: dict[str, Any] | None) -> None:
    if not strategy:
        return
    attempts = strategy.get("attempts")
    if attempts is not None and not 1 <= attempts <= 10:
        raise BatchClientError(f"retryStrategy.attempts must be between 1 and 10 (got {attempts})")
    rules = strategy.get("evaluateOnExit") or []
    if len(rules) > 5:
        raise BatchClientError("retryStrategy.evaluateOnExit takes at most 5 entries")
    for rule in rules:
        if str(rule.get("action", "")).upper() not in ("RETRY", "EXIT"):
            raise BatchClientError(f"evaluateOnExit action must be RETRY or EXIT: {rule}")


def validate_environment(variables: list[dict[str, str]] | None) -> None:
    for variable in variables or []:
        if str(variable.get("name", "")).startswith(RESERVED_ENV_PREFIX):
            raise BatchClientError(
                f"environment variable {variable['name']}: the prefix {RESERVED_ENV_PREFIX} is "
                "reserved for variables AWS Batch sets"
            )


def register_job_definition(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    name = request["jobDefinitionName"]
    kind = request.get("type")
    if kind not in ("container", "multinode"):
        raise BatchClientError(f"type must be container or multinode (got {kind!r})")
    container = request.get("containerProperties")
    if kind == "container" and not (container or request.get("ecsProperties")):
        raise BatchClientError("a container job definition needs containerProperties")
    if container is not None:
        if not container.get("image"):
            raise BatchClientError("containerProperties.image is required")
        validate_environment(container.get("environment"))
    validate_timeout(request.get("timeout"))
    validate_retry_strategy(request.get("retryStrategy"))
    revisions = store.job_definitions.setdefault(name, {})
    revision = max(revisions, default=0) + 1
    jd_arn = store.arn("job-definition", f"{name}:{revision}")
    detail = {
        key: value for key, value in request.items() if key not in ("tags",) and value is not None
    }
    detail.update(
        {
            "jobDefinitionName": name,
            "jobDefinitionArn": jd_arn,
            "revision": revision,
            "status": "ACTIVE",
            "containerOrchestrationType": "ECS",
        }
    )
    detail.setdefault("parameters", {})
    revisions[revision] = detail
    store.tags[jd_arn] = dict(request.get("tags") or {})
    return {"jobDefinitionName": name, "jobDefinitionArn": jd_arn, "revision": revision}


def describe_job_definitions(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    found = []
    if request.get("jobDefinitions"):
        for reference in request["jobDefinitions"]:
            try:
                found.append(store.job_definition(reference))
            except BatchClientError:
                continue
    else:
        only = request.get("jobDefinitionName")
        for name, revisions in store.job_definitions.items():
            if only and name != only:
                continue
            found.extend(revisions[r] for r in sorted(revisions))
    if request.get("status"):
        found = [d for d in found if d["status"] == request["status"]]
    found = [_with_tags(store, d["jobDefinitionArn"], d) for d in found]
    page, token = _page(found, request)
    return {"jobDefinitions": page, **({"nextToken": token} if token else {})}


def deregister_job_definition(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    store.job_definition(request["jobDefinition"])["status"] = "INACTIVE"
    return {}


# --------------------------------------------------------------------------- tags


def _known_arn(store: BatchStore, resource_arn: str) -> None:
    if resource_arn not in store.tags and resource_arn.split(":job/")[-1] not in store.jobs:
        raise BatchClientError(f"Resource {resource_arn} does not exist")


def tag_resource(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    _known_arn(store, request["resourceArn"])
    store.resource_tags(request["resourceArn"]).update(request.get("tags") or {})
    return {}


def untag_resource(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    _known_arn(store, request["resourceArn"])
    tags = store.resource_tags(request["resourceArn"])
    for key in request.get("tagKeys") or []:
        tags.pop(key, None)
    return {}


def list_tags_for_resource(store: BatchStore, request: dict[str, Any]) -> dict[str, Any]:
    _known_arn(store, request["resourceArn"])
    return {"tags": dict(store.resource_tags(request["resourceArn"]))}


HANDLERS: dict[str, Callable[[BatchStore, dict[str, Any]], dict[str, Any]]] = {
    "CreateComputeEnvironment": create_compute_environment,
    "DescribeComputeEnvironments": describe_compute_environments,
    "UpdateComputeEnvironment": update_compute_environment,
    "DeleteComputeEnvironment": delete_compute_environment,
    "CreateJobQueue": create_job_queue,
    "DescribeJobQueues": describe_job_queues,
    "UpdateJobQueue": update_job_queue,
    "RegisterJobDefinition": register_job_definition,
    "DescribeJobDefinitions": describe_job_definitions,
    "DeregisterJobDefinition": deregister_job_definition,
    "TagResource": tag_resource,
    "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}
