"""RedriveExecution, which LocalStack does not have, to AWS's documented semantics.

* https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html and
  https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html: a STANDARD
  execution that FAILED, was ABORTED or TIMED_OUT "continues the failed execution from the
  unsuccessful step and uses the same input", keeping its execution ARN; the steps that
  succeeded are not run again. Anything else is refused with ``ExecutionNotRedrivable``; an
  unknown execution with ``ExecutionDoesNotExist``. The answer is ``{"redriveDate"}``.
* https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html: a Distributed Map
  whose map run failed redrives that map run (same ARN): only its failed, aborted, timed-out
  and pending children run again (``sfn_map_run``; the ResultWriter files of the redrive are
  described in ``sfn_result_writer``).
* DescribeExecution gains ``redriveCount``, ``redriveStatus`` (REDRIVABLE | NOT_REDRIVABLE),
  ``redriveStatusReason`` (for example "Execution is SUCCEEDED and cannot be redriven", the
  wording of AWS's child records) and ``redriveDate``; DescribeMapRun its ``redriveCount`` and
  ``redriveDate`` (``sfn_map_run``). The history records an ``ExecutionRedriven`` event.

Unlike AWS, the unsuccessful step is found at the top level of the state machine: a failure
inside a Parallel or an Inline Map branch runs that whole state again (AWS reruns only the failed
branches or iterations), and workflow variables are not restored.

Patched: ``CommonStateField._eval_body`` (remembers the last top-level state entered and its
input), ``Execution.to_describe_output``, ``MapRunRecord.describe`` and
``StepFunctionsProvider.redrive_execution``.
"""

from __future__ import annotations

import copy
import datetime
import json
import threading
from typing import Any

from localstack_fanout_ext import sfn_map_run

REDRIVABLE_STATUSES = ("FAILED", "ABORTED", "TIMED_OUT")
# "You haven't exceeded the hard limit of 1000 redrives" (redrive-executions.html).
MAX_REDRIVES = 1000

_installed = False
_lock = threading.Lock()


def not_redrivable_reason(status: str, redrive_count: int) -> str | None:
    """Why an execution in ``status`` cannot be redriven, or None if it can."""
    if status not in REDRIVABLE_STATUSES:
        return f"Execution is {status} and cannot be redriven"
    if redrive_count >= MAX_REDRIVES:
        return f"Execution has been redriven {MAX_REDRIVES} times and cannot be redriven again"
    return None


def restart_point(definition: str, entered: tuple[str, Any] | None, start_input: Any) -> tuple:
    """(definition starting at the unsuccessful state, that state's input)."""
    if entered is None:
        return definition, start_input
    name, state_input = entered
    tree = json.loads(definition)
    tree["StartAt"] = name
    return json.dumps(tree), copy.deepcopy(state_input)


def _install() -> None:
    from localstack.aws.api.stepfunctions import (
        ExecutionDoesNotExist,
        ExecutionNotRedrivable,
        ExecutionRedrivenEventDetails,
        ExecutionStatus,
        HistoryEventType,
        RedriveExecutionOutput,
        StateMachineType,
    )
    from localstack.services.stepfunctions.asl.component.state.state import CommonStateField
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration.itemprocessor.map_run_record import (  # noqa: E501
        MapRunRecord,
    )
    from localstack.services.stepfunctions.asl.eval.evaluation_details import (
        EvaluationDetails,
        StateMachineDetails,
    )
    from localstack.services.stepfunctions.asl.eval.event.event_detail import EventDetails
    from localstack.services.stepfunctions.backend.execution import Execution
    from localstack.services.stepfunctions.backend.execution_worker import ExecutionWorker
    from localstack.services.stepfunctions.provider import StepFunctionsProvider

    # -- Remember the unsuccessful step: the last top-level state entered, with its input --

    original_state_eval_body = CommonStateField._eval_body

    def state_eval_body(self: Any, env: Any) -> None:
        if not env.is_frame():
            env.fanout_entered = (self.name, copy.deepcopy(env.states.get_input()))
        original_state_eval_body(self, env)

    CommonStateField._eval_body = state_eval_body

    # -- The redriven execution: same ARN and history, from the unsuccessful state --

    class RedriveWorker(ExecutionWorker):
        def __init__(self, previous_env: Any, state_input: Any, count: int, **kwargs: Any):
            super().__init__(**kwargs)
            self._previous_env = previous_env
            self._state_input = state_input
            self._count = count

        def _execution_logic(self) -> None:
            program = self._get_evaluation_entrypoint()
            self.env = self._get_evaluation_environment()
            previous = self._previous_env
            self.env.event_manager = previous.event_manager
            pool = previous.map_run_record_pool_manager
            self.env.map_run_record_pool_manager = pool
            sfn_map_run.offer_for_redrive(
                self._evaluation_details.execution_details.arn, pool.get_all()
            )
            self.env.states.reset(self._state_input)
            self.env.event_manager.add_event(
                context=self.env.event_history_context,
                event_type=HistoryEventType.ExecutionRedriven,
                event_details=EventDetails(
                    executionRedrivenEventDetails=ExecutionRedrivenEventDetails(
                        redriveCount=self._count
                    )
                ),
                update_source_event_id=False,
            )
            program.eval(self.env)
            self._execution_communication.terminated()

    # -- DescribeExecution --

    original_describe = Execution.to_describe_output

    def to_describe_output(self: Any) -> Any:
        output = original_describe(self)
        if self.sm_type != StateMachineType.STANDARD:
            return output
        count = getattr(self, "fanout_redrive_count", 0)
        output["redriveCount"] = count
        reason = not_redrivable_reason(str(self.exec_status), count)
        output["redriveStatus"] = "NOT_REDRIVABLE" if reason else "REDRIVABLE"
        if reason:
            output["redriveStatusReason"] = reason
        redrive_date = getattr(self, "fanout_redrive_date", None)
        if redrive_date is not None:
            output["redriveDate"] = redrive_date
        return output

    Execution.to_describe_output = to_describe_output

    # -- DescribeMapRun: redriveCount, redriveDate and the redrive counts --

    original_describe_map_run = MapRunRecord.describe

    def describe_map_run(self: Any) -> Any:
        output = original_describe_map_run(self)
        state = sfn_map_run.state_of(self)
        if state is None:
            return output
        output["redriveCount"] = state.generation
        if state.redrive_date is not None:
            output["redriveDate"] = state.redrive_date
        with state.lock:
            # Children of a redrive that have not started again yet.
            waiting = sum(
                1
                for child in state.children.values()
                if state.generation and child.status == "PENDING" and child.start is not None
            )
        for counts in (output["itemCounts"], output["executionCounts"]):
            counts["failuresNotRedrivable"] = 0
            counts["pendingRedrive"] = waiting
        return output

    MapRunRecord.describe = describe_map_run

    # -- RedriveExecution --

    def redrive_execution(
        self: Any, context: Any, execution_arn: str, client_token: str | None = None, **_: Any
    ) -> Any:
        self._validate_state_machine_execution_arn(execution_arn)
        execution = self.get_store(context).executions.get(execution_arn)
        if execution is None:
            raise ExecutionDoesNotExist(f"Execution Does Not Exist: '{execution_arn}'")
        if execution.sm_type != StateMachineType.STANDARD:
            raise ExecutionNotRedrivable(
                f"Execution is of type {execution.sm_type} and cannot be redriven"
            )
        count = getattr(execution, "fanout_redrive_count", 0)
        reason = not_redrivable_reason(str(execution.exec_status), count)
        previous = getattr(execution.exec_worker, "env", None)
        if reason is None and previous is None:
            reason = "Execution has not started and cannot be redriven"
        if reason is not None:
            raise ExecutionNotRedrivable(reason)

        start_details = execution.get_start_state_machine_details()
        definition, state_input = restart_point(
            start_details.definition,
            getattr(previous, "fanout_entered", None),
            execution.input_data,
        )
        worker = RedriveWorker(
            previous_env=previous,
            state_input=state_input,
            count=count + 1,
            evaluation_details=EvaluationDetails(
                aws_execution_details=execution._get_start_aws_execution_details(),
                execution_details=execution.get_start_execution_details(),
                state_machine_details=StateMachineDetails(
                    arn=start_details.arn,
                    name=start_details.name,
                    typ=start_details.typ,
                    definition=definition,
                ),
            ),
            exec_comm=execution._get_start_execution_worker_comm(),
            cloud_watch_logging_session=execution._cloud_watch_logging_session,
            activity_store=execution._activity_store,
            local_mock_test_case=execution.local_mock_test_case,
        )
        redrive_date = datetime.datetime.now(tz=datetime.UTC)
        execution.fanout_redrive_count = count + 1
        execution.fanout_redrive_date = redrive_date
        execution.exec_worker = worker
        execution.exec_status = ExecutionStatus.RUNNING
        execution.stop_date = None
        execution.error = execution.cause = execution.output = None
        execution.publish_execution_status_change_event()
        worker.start()
        return RedriveExecutionOutput(redriveDate=redrive_date)

    StepFunctionsProvider.redrive_execution = redrive_execution


def apply() -> None:
    global _installed
    with _lock:
        if not _installed:
            sfn_map_run.apply()
            _install()
            _installed = True
