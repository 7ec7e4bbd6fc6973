"""An AWS Batch API for LocalStack community, which has none (host mode, no Docker).

Registered in the plux namespace ``localstack.aws.provider`` as ``batch:default``: a provider
with ``service = "batch"`` whose dispatch table maps the botocore ``batch`` operations the
emulator implements (``batch_control``: compute environments, job queues, job definitions,
tags; ``batch_jobs``: jobs) to handlers. Other operations answer LocalStack's "not implemented"
error. The ``on_infra_start`` hook adds the emulation-only route (``batch_faults``) and, when
LocalStack's EC2 is enabled, checks the subnets and security groups a compute environment names.
``python -m emulation.lsctl start`` enables ``batch`` and ``ec2``.

What is emulated (each with the AWS page it follows, in the module that does it):

* resources: CREATING/UPDATING/DELETING then VALID/DELETED, ENABLED/DISABLED, deletion only when
  DISABLED, job definition revisions and ACTIVE/INACTIVE, tags, AWS's ARN formats; enough for
  the Terraform AWS provider's ``aws_batch_*`` resources (apply, no drift on plan, destroy);
* jobs: SUBMITTED, RUNNABLE, STARTING, RUNNING, SUCCEEDED/FAILED with statusReason, exit codes,
  ``attempts[]``, retry strategy with ``evaluateOnExit``, ``attemptDurationSeconds``,
  TerminateJob/CancelJob per state, ``maxvCpus`` as capacity (jobs that do not fit stay
  RUNNABLE), AWS_BATCH_* variables, ``Ref::`` parameters, logs in CloudWatch Logs;
* LocalStack's own ``arn:aws:states:::batch:submitJob.sync`` works against it unchanged.

Limits (what only AWS can show):

* a job is a local process, not a container: no image is pulled, no CPU/memory limits or
  isolation; Docker's ``python:X.Y`` images run that CPython version (stdlib and pip only) and
  AWS Lambda Python images are refused by their own entrypoint unless given one argument (see
  ``batch_rules``); any other image fails the job naming the image;
* the job role's credentials arrive as environment variables (AWS serves them from the ECS
  container credentials endpoint); a job without a job role has no credentials, as on AWS;
* no dependencies (dependsOn), array or multi-node jobs, scheduling policies, EKS or ECS
  properties: they are refused with a ClientException that says so;
* infrastructure failures only happen when a test injects them (``batch_faults``); the
  statusReason of a Fargate Spot interruption is not established from AWS's documentation;
* state durations are the emulator's (``/_fanout/batch/settings``), not AWS's minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError
from localstack.aws.api import RequestContext
from localstack.aws.connect import connect_to
from localstack.aws.spec import load_service
from localstack.runtime import hooks
from localstack.services.plugins import Service, aws_provider

from localstack_fanout_ext import batch_control, batch_faults, batch_jobs
from localstack_fanout_ext.batch_store import STORES, BatchClientError, BatchStore

LOG = logging.getLogger(__name__)

Handler = Callable[[BatchStore, dict[str, Any]], dict[str, Any]]
HANDLERS: dict[str, Handler] = {**batch_control.HANDLERS, **batch_jobs.HANDLERS}


class BatchProvider:
    service = "batch"

    def dispatch_table(self) -> dict[str, Callable[[RequestContext, Any], Any]]:
        operations = set(load_service("batch").operation_names)
        unknown = set(HANDLERS) - operations
        if unknown:
            raise RuntimeError(f"Batch emulator handlers for unknown operations: {unknown}")
        return {name: _dispatcher(handler) for name, handler in HANDLERS.items()}


def _dispatcher(handler: Handler) -> Callable[[RequestContext, Any], Any]:
    def dispatch(context: RequestContext, request: Any) -> Any:
        store = STORES.get(context.account_id, context.region)
        with STORES.lock:
            return handler(store, dict(request or {}))

    dispatch.__name__ = handler.__name__
    return dispatch


@aws_provider(api="batch", name="default")
def batch() -> Service:
    return Service.for_provider(BatchProvider(), dispatch_table_factory=_table)


def _table(provider: Any) -> dict[str, Callable[[RequestContext, Any], Any]]:
    return provider.dispatch_table()


def check_network(store: BatchStore, subnets: list[str], groups: list[str]) -> None:
    """ClientException naming a subnet or security group LocalStack's EC2 does not have."""
    ec2 = connect_to(aws_access_key_id=store.account, region_name=store.region).ec2
    try:
        if subnets:
            ec2.describe_subnets(SubnetIds=list(subnets))
        if groups:
            ec2.describe_security_groups(GroupIds=list(groups))
    except ClientError as e:
        raise BatchClientError(f"computeResources: {e.response['Error']['Message']}") from e


@hooks.on_infra_start(name="fanout_batch")
def register_batch_emulation() -> None:
    """LocalStack ``on_infra_start`` hook: the fault/settings route and the EC2 checks."""
    from localstack.utils.bootstrap import is_api_enabled

    batch_faults.register_routes()
    if is_api_enabled("ec2") and check_network not in batch_control.VALIDATE_NETWORK:
        batch_control.VALIDATE_NETWORK.append(check_network)
    LOG.info("fanout Batch emulation ready (route %s)", batch_faults.ROUTE)
