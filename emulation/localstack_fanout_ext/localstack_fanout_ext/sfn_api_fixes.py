"""Step Functions API responses as AWS gives them, where LocalStack's differ.

* ``tracing_configuration``: DescribeStateMachine (and DescribeStateMachineForExecution) omit
  ``tracingConfiguration``; AWS always returns it, ``{"enabled": false}`` when tracing is off.
  UpdateStateMachine ignores a new ``tracingConfiguration``. Without these, ``terraform plan``
  after ``apply`` shows the state machine changing in place forever. An update without
  ``definition`` and ``roleArn`` is refused with ``MissingRequiredParameter``, as AWS documents
  (https://docs.aws.amazon.com/step-functions/latest/apireference/API_UpdateStateMachine.html:
  "You must include at least one of definition or roleArn"), with the message AWS returns for
  an empty update (recorded in LocalStack's AWS-validated snapshot). LocalStack accepts an
  update of the logging configuration alone. Terraform always sends both
  (terraform-provider-aws ``resourceStateMachineUpdate``).
* ``list_map_run_executions``: ListExecutions with ``mapRunArn`` fails with an InternalError
  (it validates the absent ``stateMachineArn``). It now lists the map run's child executions,
  newest first, with ``statusFilter``, ``redriveFilter`` and paging, from the child records kept
  by ``sfn_map_run`` (children appear once they end).
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from localstack_fanout_ext import sfn_map_run
from localstack_fanout_ext.sfn_map_records import execution_arn

# AWS's message for an UpdateStateMachine with nothing to update.
MISSING_DEFINITION_AND_ROLE = (
    "Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration "
    "must be specified"
)

_installed: set[str] = set()
_lock = threading.Lock()


def tracing_of(config: Any) -> dict[str, bool]:
    """A tracing configuration as AWS returns it."""
    enabled = config.get("enabled") if isinstance(config, dict) else None
    return {"enabled": bool(enabled)}


def _install_tracing() -> None:
    from localstack.aws.api.stepfunctions import MissingRequiredParameter
    from localstack.services.stepfunctions.backend.execution import Execution
    from localstack.services.stepfunctions.backend.state_machine import (
        StateMachineInstance,
        StateMachineRevision,
    )
    from localstack.services.stepfunctions.provider import StepFunctionsProvider
    from localstack.utils.strings import long_uid

    original_describe = StateMachineInstance.describe

    def describe(self: Any) -> Any:
        output = original_describe(self)
        output["tracingConfiguration"] = tracing_of(self.tracing_config)
        return output

    StateMachineInstance.describe = describe

    original_for_execution = Execution.to_describe_state_machine_for_execution_output

    def to_describe_state_machine_for_execution_output(self: Any) -> Any:
        output = original_for_execution(self)
        output["tracingConfiguration"] = tracing_of(self.state_machine.tracing_config)
        return output

    Execution.to_describe_state_machine_for_execution_output = (
        to_describe_state_machine_for_execution_output
    )

    original_update = StepFunctionsProvider.update_state_machine

    def update_state_machine(self: Any, context: Any, state_machine_arn: str, **kwargs: Any) -> Any:
        machine = self.get_store(context).state_machines.get(state_machine_arn)
        if not kwargs.get("definition") and not kwargs.get("role_arn"):
            if not isinstance(machine, StateMachineRevision):  # LocalStack names what is wrong
                return original_update(self, context, state_machine_arn, **kwargs)
            raise MissingRequiredParameter(MISSING_DEFINITION_AND_ROLE)
        tracing = kwargs.get("tracing_configuration")
        if tracing is None or not isinstance(machine, StateMachineRevision):
            return original_update(self, context, state_machine_arn, **kwargs)
        saved = (machine.tracing_config, machine.revision_id)
        if tracing_of(tracing) != tracing_of(machine.tracing_config):
            machine.tracing_config = tracing_of(tracing)
            # A new revision, so that publishing makes a version with the new tracing.
            machine.revision_id = long_uid()
        try:
            return original_update(self, context, state_machine_arn, **kwargs)
        except Exception:
            machine.tracing_config, machine.revision_id = saved
            raise

    StepFunctionsProvider.update_state_machine = update_state_machine


def child_list_items(record: Any) -> list[dict[str, Any]]:
    """ListExecutions items for a map run's ended children (ExecutionListItem shape)."""
    state = sfn_map_run.state_of(record)
    if state is None:
        return []
    with state.lock:
        children = [
            copy.copy(c) for c in state.children.values() if c.status not in ("PENDING", "RUNNING")
        ]
    # itemCount is the number of items a child processed: one unless an ItemBatcher grouped
    # them, in which case fewer children than items ran and it is left out.
    one_item_each = record.execution_counter.total.get() == record.item_counter.total.get()
    items = []
    for child in children:
        item: dict[str, Any] = {
            "executionArn": execution_arn(record.map_state_machine_arn, child.name, state.express),
            "stateMachineArn": record.map_state_machine_arn,
            "name": child.name,
            "status": child.status,
            "startDate": child.start,
            "stopDate": child.stop,
            "mapRunArn": record.map_run_arn,
            "redriveCount": child.redrive_count,
        }
        if one_item_each:
            item["itemCount"] = 1
        items.append(item)
    return items


def _install_map_run_listing() -> None:
    from localstack.aws.api.stepfunctions import (
        InvalidArn,
        ListExecutionsOutput,
        ResourceNotFound,
        StateMachineTypeNotSupported,
        ValidationException,
    )
    from localstack.services.stepfunctions.provider import StepFunctionsProvider
    from localstack.services.stepfunctions.stepfunctions_utils import (
        assert_pagination_parameters_valid,
        get_next_page_token_from_arn,
        normalise_max_results,
    )
    from localstack.utils.collections import PaginatedList

    # The child records this listing reads.
    sfn_map_run.apply()

    original_list = StepFunctionsProvider.list_executions

    def list_executions(self: Any, context: Any, **kwargs: Any) -> Any:
        map_run_arn = kwargs.get("map_run_arn")
        if not map_run_arn:
            return original_list(self, context, **kwargs)
        if kwargs.get("state_machine_arn"):
            raise ValidationException("Specify either a stateMachineArn or a mapRunArn, not both")
        if ":mapRun:" not in map_run_arn:
            raise InvalidArn(f"Invalid Arn: '{map_run_arn}'")
        record = None
        for execution in list(self.get_store(context).executions.values()):
            worker = getattr(execution, "exec_worker", None)
            env = getattr(worker, "env", None)
            if env is not None:
                record = env.map_run_record_pool_manager.get(map_run_arn)
            if record is not None:
                break
        if record is None:
            raise ResourceNotFound(f"Map Run Does Not Exist: '{map_run_arn}'")
        assert_pagination_parameters_valid(
            max_results=kwargs.get("max_results"),
            next_token=kwargs.get("next_token"),
            next_token_length_limit=3096,
        )
        state = sfn_map_run.state_of(record)
        if state is not None and state.express:
            raise StateMachineTypeNotSupported(
                "This operation is not supported by this type of state machine"
            )
        items = child_list_items(record)
        status_filter = kwargs.get("status_filter")
        if status_filter:
            items = [item for item in items if item["status"] == status_filter]
        redrive_filter = kwargs.get("redrive_filter")
        if redrive_filter == "REDRIVEN":
            items = [item for item in items if item["redriveCount"] > 0]
        elif redrive_filter == "NOT_REDRIVEN":
            items = [item for item in items if item["redriveCount"] == 0]
        items.sort(key=lambda item: item["startDate"], reverse=True)
        page, next_token = PaginatedList(items).get_page(
            token_generator=lambda item: get_next_page_token_from_arn(item.get("executionArn")),
            page_size=normalise_max_results(kwargs.get("max_results")),
            next_token=kwargs.get("next_token"),
        )
        output = ListExecutionsOutput(executions=page)
        if next_token:
            output["nextToken"] = next_token
        return output

    StepFunctionsProvider.list_executions = list_executions


_INSTALLERS = {
    "tracing_configuration": _install_tracing,
    "list_map_run_executions": _install_map_run_listing,
}


def apply(name: str) -> None:
    """Install one fix (``tracing_configuration`` or ``list_map_run_executions``) once."""
    with _lock:
        if name in _installed:
            return
        _INSTALLERS[name]()
        _installed.add(name)
