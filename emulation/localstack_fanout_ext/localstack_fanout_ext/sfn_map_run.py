"""Distributed Map runs as AWS runs them: child records, failure tolerance, redrive.

LocalStack evaluates each Distributed Map child in-process. This module replaces the child
worker's job evaluation so that every child leaves a record (``sfn_map_records``), then

* ``map_failures``: a failed (or timed-out) child counts against ``ToleratedFailureCount`` /
  ``ToleratedFailurePercentage``; past the threshold the map run fails with
  ``States.ExceedToleratedFailureThreshold``: children still running are stopped and counted as
  aborted, children not yet started are not started and stay pending
  (https://docs.aws.amazon.com/step-functions/latest/apireference/API_MapRunExecutionCounts.html:
  aborted are those "stopped by the user or by Step Functions because the Map Run failed").
  Within it the failed item's place in the output holds its ``{"Error", "Cause"}``;
* EXPRESS children end as TIMED_OUT (``States.Timeout``) after 5 minutes, the most an Express
  workflow may run (https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html;
  ``sfn_map_records.EXPRESS_LIMIT_HOOK`` shortens it for tests). A Task in progress then ends
  first: the child stops at its next state;
* a redriven map run (``sfn_redrive``) keeps its ARN and counters and runs again only the
  children that failed, timed out, were aborted or never started
  (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html).

The ResultWriter files are written by ``sfn_result_writer``. Entry points patched (in
``localstack.services.stepfunctions.asl.component.state.state_execution.state_map``):
``StateMap.from_state_props`` and ``StateMap._eval_execution``, ``MapRunRecord.__init__`` and
``MapRunRecord.update``, ``DistributedIterationComponent._map_run`` and
``DistributedItemProcessorWorker._eval_job``.
"""

from __future__ import annotations

import copy
import logging
import threading
from typing import Any

from localstack_fanout_ext import sfn_definition
from localstack_fanout_ext.sfn_map_records import (
    EXCEEDED_CAUSE,
    EXCEEDED_ERROR,
    REDRIVABLE,
    Child,
    MapRunState,
    compact_json,
    express_limit,
    new_child_name,
    utc_now,
)

LOG = logging.getLogger(__name__)

_tls = threading.local()
_enabled = {"result_writer": False, "map_failures": False}
_installed = False
_install_lock = threading.Lock()


class _ThresholdExceeded(Exception):
    """Set as a job's output to stop the job pool; turned into the AWS failure by _map_run."""


# Map runs a redrive runs again, by (execution ARN, Map state name).
_redriven: dict[tuple[str, str], Any] = {}
_redriven_lock = threading.Lock()


def offer_for_redrive(execution_arn: str, records: list[Any]) -> None:
    """The unsuccessful map runs of an execution being redriven: the next map run of the same
    Map state in that execution continues one instead of starting afresh."""
    with _redriven_lock:
        for record in records:
            state = state_of(record)
            if state is not None and record.status != "SUCCEEDED":
                _redriven[(execution_arn, state.map_state_name)] = record


def state_of(record: Any) -> MapRunState | None:
    return getattr(record, "fanout_state", None)


def current_record() -> Any:
    """The MapRunRecord of the Distributed Map being evaluated on this thread, if any."""
    return getattr(_tls, "map_run_record", None)


def current_map_input() -> Any:
    return getattr(_tls, "map_input", None)


def result_writer_enabled() -> bool:
    return _enabled["result_writer"]


def _finish(record: Any, state: MapRunState, child: Child, status: str) -> None:
    """Count a child's end (the state's lock held)."""
    items, executions = record.item_counter, record.execution_counter
    items.running.offset(-1)
    executions.running.offset(-1)
    counter = {
        "SUCCEEDED": "succeeded",
        "TIMED_OUT": "timed_out",
        "ABORTED": "aborted",
    }.get(status, "failed")
    getattr(items, counter).count()
    getattr(executions, counter).count()
    if status == "SUCCEEDED":
        items.results_written.count()
        executions.results_written.count()
    child.status, child.stop, child.frame = status, utc_now(), None
    state.lock.notify_all()


def stop_running_children(record: Any, state: MapRunState, cause: str | None) -> None:
    """The map run failed: stop every running child, counted as aborted (lock held)."""
    state.stopping = True
    for child in state.running():
        frame = child.frame
        if frame is not None:
            frame.set_stop(stop_date=utc_now(), cause=cause, error=None)
        child.error = child.cause = None
        _finish(record, state, child, "ABORTED")


def _install() -> None:
    from localstack.aws.api.stepfunctions import HistoryEventType, MapRunFailedEventDetails
    from localstack.services.stepfunctions.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name import (  # noqa: E501
        StatesErrorName,
    )
    from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name_type import (  # noqa: E501
        StatesErrorNameType,
    )
    from localstack.services.stepfunctions.asl.component.common.timeouts.timeout import (
        EvalTimeoutError,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map import (
        state_map as state_map_module,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration import (  # noqa: E501
        distributed_iteration_component as dic_module,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration.itemprocessor import (  # noqa: E501
        distributed_item_processor as dip_module,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration.itemprocessor import (  # noqa: E501
        distributed_item_processor_worker as worker_module,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.iteration.itemprocessor import (  # noqa: E501
        map_run_record as record_module,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.tolerated_failure import (  # noqa: E501
        ToleratedFailureCountDecl,
        ToleratedFailurePercentageDecl,
    )
    from localstack.services.stepfunctions.asl.eval.event.event_detail import EventDetails
    from localstack.services.stepfunctions.asl.eval.program_state import (
        ProgramError,
        ProgramStopped,
        ProgramTimedOut,
    )
    from localstack.services.stepfunctions.asl.eval.states import ItemData, MapData

    from localstack_fanout_ext import sfn_result_writer

    StateMap = state_map_module.StateMap
    MapRunRecord = record_module.MapRunRecord
    DistributedIterationComponent = dic_module.DistributedIterationComponent
    DistributedItemProcessor = dip_module.DistributedItemProcessor
    Worker = worker_module.DistributedItemProcessorWorker

    # -- StateMap: remember which tolerances are declared; expose the state to MapRunRecord --

    original_from_state_props = StateMap.from_state_props

    def from_state_props(self: Any, state_props: Any) -> None:
        original_from_state_props(self, state_props)
        self.fanout_count_declared = state_props.get(ToleratedFailureCountDecl) is not None
        self.fanout_percentage_declared = (
            state_props.get(ToleratedFailurePercentageDecl) is not None
        )

    original_eval_execution = StateMap._eval_execution

    def _eval_execution(self: Any, env: Any) -> None:
        _tls.map_state = self
        _tls.map_run_record = None
        _tls.map_input = copy.deepcopy(env.states.get_input())
        try:
            original_eval_execution(self, env)
        except FailureEventException:
            record = _tls.map_run_record
            if _enabled["result_writer"] and self.result_writer and record is not None:
                sfn_result_writer.write_for_failed_run(self, env, record)
            raise
        finally:
            _tls.map_state = None

    StateMap.from_state_props = from_state_props
    StateMap._eval_execution = _eval_execution

    # -- MapRunRecord: carry a MapRunState; a redriven map run keeps its ARN and counters --

    original_record_init = MapRunRecord.__init__

    def record_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_record_init(self, *args, **kwargs)
        map_state = getattr(_tls, "map_state", None)
        name = getattr(map_state, "name", "")
        with _redriven_lock:
            redriven = _redriven.pop((self.execution_arn, name), None)
        state = state_of(redriven) if redriven is not None else None
        if redriven is not None and state is not None:
            self.map_run_arn = redriven.map_run_arn
            self.map_state_machine_arn = redriven.map_state_machine_arn
            self.execution_counter = redriven.execution_counter
            self.item_counter = redriven.item_counter
            self.start_date = redriven.start_date
            state.generation += 1
            state.redrive_date = utc_now()
            state.results_written = False
            state.stopping = False
            state.failures = 0
            self.fanout_state = state
        else:
            iteration = getattr(map_state, "iteration_component", None)
            config = getattr(iteration, "_processor_config", None)
            comment = getattr(getattr(iteration, "_comment", None), "comment", None)
            express = getattr(
                getattr(config, "execution_type", None), "name", ""
            ) == "Express" or sfn_definition.is_express_processor(comment)
            self.fanout_state = MapRunState(
                count_declared=bool(getattr(map_state, "fanout_count_declared", True)),
                percentage_declared=bool(getattr(map_state, "fanout_percentage_declared", True)),
                express=express,
                map_state_name=name,
                express_max_seconds=express_limit(comment),
            )
        _tls.map_run_record = self

    original_record_update = MapRunRecord.update

    def record_update(
        self: Any,
        max_concurrency: Any,
        tolerated_failure_count: Any,
        tolerated_failure_percentage: Any,
    ) -> None:
        state = state_of(self)
        if state is not None:
            if tolerated_failure_count is not None:
                state.count_declared = True
            if tolerated_failure_percentage is not None:
                state.percentage_declared = True
        original_record_update(
            self, max_concurrency, tolerated_failure_count, tolerated_failure_percentage
        )

    MapRunRecord.__init__ = record_init
    MapRunRecord.update = record_update

    # -- The map run: count items, redrive only what did not succeed, fail as AWS does --

    original_map_run = DistributedIterationComponent._map_run

    def _map_run(self: Any, env: Any, eval_input: Any) -> None:
        record = eval_input.map_run_record
        state = state_of(record)
        if state is None or not isinstance(self, DistributedItemProcessor):
            return original_map_run(self, env, eval_input)
        items = env.stack[-1]
        items = items if isinstance(items, list) else []
        with state.lock:
            if state.generation == 0:
                state.total = len(items)
                record.item_counter.total.count(state.total)
                record.item_counter.pending.count(state.total)
                state.children = {
                    index: Child(index=index, name=new_child_name(), input_json=compact_json(item))
                    for index, item in enumerate(items)
                }
            else:
                _prepare_redrive(record, state)
        try:
            original_map_run(self, env, eval_input)
        except _ThresholdExceeded:
            raise FailureEventException(
                failure_event=FailureEvent(
                    env=env,
                    error_name=StatesErrorName(
                        typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold
                    ),
                    event_type=HistoryEventType.MapRunFailed,
                    event_details=EventDetails(
                        mapRunFailedEventDetails=MapRunFailedEventDetails(
                            error=EXCEEDED_ERROR, cause=EXCEEDED_CAUSE
                        )
                    ),
                )
            ) from None
        except BaseException:
            with state.lock:
                stop_running_children(record, state, cause=None)
            raise

    def _prepare_redrive(record: Any, state: MapRunState) -> None:
        """Children to run again move back to pending; STANDARD ones keep their name."""
        items, executions = record.item_counter, record.execution_counter
        for child in state.children.values():
            if child.status == "PENDING":
                child.generation = state.generation
            elif child.status in REDRIVABLE:
                counter = {"TIMED_OUT": "timed_out", "ABORTED": "aborted"}.get(
                    child.status, "failed"
                )
                getattr(items, counter).offset(-1)
                getattr(executions, counter).offset(-1)
                items.pending.count()
                child.status, child.generation = "PENDING", state.generation
                child.error = child.cause = None
                if state.express:
                    child.name = new_child_name()  # a new execution, started afresh
                else:
                    child.redrive_count += 1

    DistributedIterationComponent._map_run = _map_run

    # -- One child --

    original_eval_job = Worker._eval_job

    def _eval_job(self: Any, env: Any, job: Any) -> None:
        record = self._map_run_record
        state = state_of(record)
        if state is None:
            return original_eval_job(self, env, job)
        with state.lock:
            child = state.children.get(job.job_index)
            if child is None:  # an item the map run did not count up front
                child = Child(job.job_index, new_child_name(), compact_json(job.job_input))
                state.children[job.job_index] = child
            if child.status == "SUCCEEDED":  # a redrive does not run it again
                job.job_output = copy.deepcopy(child.output)
                return
            if state.stopping:  # the map run failed before this child started
                job.job_output = None
                return
            first_start = child.start is None
            child.status, child.start, child.stop, child.frame = "RUNNING", utc_now(), None, env
            record.item_counter.pending.offset(-1)
            record.item_counter.running.count()
            if first_start or state.express:
                record.execution_counter.total.count()
            record.execution_counter.running.count()

        timer = None
        if state.express:
            timer = threading.Timer(state.express_max_seconds, env.set_timed_out)
            timer.daemon = True
            timer.start()
        status, output, error, cause = "FAILED", None, None, None
        try:
            env.states.context_object.context_object_data["Map"] = MapData(
                Item=ItemData(Index=job.job_index, Value=job.job_input)
            )
            env.states.reset(job.job_input)
            env.stack.append(env.states.get_input())
            self._eval_input(env_frame=env)
            child.input_json = compact_json(env.states.get_input())

            job.job_program.eval(env)

            end_state = env.program_state()
            if isinstance(end_state, ProgramError):
                details = end_state.error or {}
                error, cause = details.get("error"), details.get("cause")
            elif isinstance(end_state, ProgramTimedOut):
                status, error = "TIMED_OUT", "States.Timeout"
            elif isinstance(end_state, ProgramStopped):
                status, error, cause = "ABORTED", end_state.error, end_state.cause
            else:
                status, output = "SUCCEEDED", env.states.get_input()
        except EvalTimeoutError:
            status, error = "TIMED_OUT", "States.Timeout"
        except FailureEventException as failure:
            pair = failure.extract_error_cause_pair() or (None, None)
            error, cause = pair
        except Exception as ex:  # an interpreter error is the child's States.Runtime
            LOG.warning("Distributed Map child %s ended with %r", job.job_index, ex)
            error, cause = "States.Runtime", str(ex)
        finally:
            if timer is not None:
                timer.cancel()

        job_output: Any = None
        with state.lock:
            if child.status != "RUNNING":  # stopped as the map run failed: recorded already
                job.job_output = None
                return
            child.output, child.error, child.cause = output, error, cause
            _finish(record, state, child, status)
            if status == "SUCCEEDED":
                job_output = output
            elif status in ("FAILED", "TIMED_OUT") and _enabled["map_failures"]:
                state.failures += 1
                if state.exceeded(record):
                    stop_running_children(record, state, cause=EXCEEDED_CAUSE)
                    job_output = _ThresholdExceeded()
                else:
                    job_output = {"Error": error or "", "Cause": cause or ""}
        job.job_output = job_output

    Worker._eval_job = _eval_job


def apply(*, result_writer: bool = False, map_failures: bool = False) -> None:
    """Install the shared map-run machinery once and switch on the requested behaviours."""
    global _installed
    with _install_lock:
        if not _installed:
            _install()
            from localstack_fanout_ext import sfn_result_writer

            sfn_result_writer.install()
            _installed = True
        if result_writer:
            _enabled["result_writer"] = True
        if map_failures:
            _enabled["map_failures"] = True
