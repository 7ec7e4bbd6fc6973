"""Distributed Map runs as AWS runs them: child records, failure tolerance, ResultWriter files.

LocalStack evaluates each Distributed Map child in-process. This module replaces the child
worker's job evaluation so that every child leaves a record (name, ARN, input, output or
error and cause, dates, status), then

* ``map_failures``: a failed (or timed-out) child counts against ``ToleratedFailureCount`` /
  ``ToleratedFailurePercentage``; past the threshold the map run fails with
  ``States.ExceedToleratedFailureThreshold`` (remaining items are not started); within it the
  failed item's place in the output holds its ``{"Error", "Cause"}``. DescribeMapRun counts
  follow (total = items read; pending, running, succeeded, failed, timed out, aborted).
* ``result_writer``: ``s3:putObject`` ResultWriter writes ``<Prefix>/<map run id>/`` with
  ``SUCCEEDED_n.json`` / ``FAILED_n.json`` (JSON arrays of child records) and a
  ``manifest.json`` listing them, also when the map run fails.

Entry points patched (all in ``localstack.services.stepfunctions.asl.component.state.
state_execution.state_map``): ``StateMap.from_state_props`` and ``StateMap._eval_execution``,
``MapRunRecord.__init__`` and ``MapRunRecord.update``,
``DistributedIterationComponent._map_run``, ``DistributedItemProcessorWorker._eval_job``,
``ResultWriter._eval_body`` and ``ResourceEvalS3._handle_put_object``.
"""

from __future__ import annotations

import copy
import datetime
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from localstack_fanout_ext import sfn_definition

LOG = logging.getLogger(__name__)

EXCEEDED_ERROR = "States.ExceedToleratedFailureThreshold"
EXCEEDED_CAUSE = "The specified tolerated failure threshold was exceeded"
# Step Functions splits a result file when it would pass 5 GB.
MAX_RESULT_FILE_BYTES = 5 * 1000**3
# How long a failing map run waits for children already running to finish and be recorded.
IN_FLIGHT_WAIT_SECONDS = 900.0

_tls = threading.local()
_enabled = {"result_writer": False, "map_failures": False}
_installed = False
_install_lock = threading.Lock()


class _ThresholdExceeded(Exception):
    """Set as a job's output to stop the job pool; turned into the AWS failure by _map_run."""


@dataclass
class MapRunState:
    """What the patches keep for one map run (attached to its MapRunRecord)."""

    count_declared: bool
    percentage_declared: bool
    express: bool
    total: int = 0
    failures: int = 0
    in_flight: int = 0
    records: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)
    results_written: bool = False

    def exceeded(self, record: Any) -> bool:
        if self.failures == 0:
            return False
        verdicts = []
        if self.count_declared:
            verdicts.append(self.failures > record.tolerated_failure_count)
        if self.percentage_declared:
            percentage = 100.0 * self.failures / self.total if self.total else 100.0
            verdicts.append(percentage > record.tolerated_failure_percentage)
        # Neither declared: no failure is tolerated.
        return any(verdicts) if verdicts else True


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC)


def _iso(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _compact_json(value: Any) -> str:
    from localstack.services.stepfunctions.asl.utils.encoding import to_json_str

    return to_json_str(value, separators=(",", ":"))


def child_record(
    *,
    record: Any,
    express: bool,
    child_input: Any,
    status: str,
    output: Any,
    error: str | None,
    cause: str | None,
    start: datetime.datetime,
    stop: datetime.datetime,
) -> dict[str, Any]:
    """One child execution as Step Functions writes it in a ResultWriter file."""
    name = str(uuid.uuid4())
    state_machine_arn = record.map_state_machine_arn
    execution_arn = (
        state_machine_arn.replace(":stateMachine:", ":express:" if express else ":execution:", 1)
        + ":"
        + name
    )
    entry: dict[str, Any] = {
        "ExecutionArn": execution_arn,
        "Input": _compact_json(child_input),
        "InputDetails": {"Included": True},
        "Name": name,
        "StartDate": _iso(start),
        "StateMachineArn": state_machine_arn,
        "Status": status,
        "StopDate": _iso(stop),
    }
    if status == "SUCCEEDED":
        entry["Output"] = _compact_json(output)
        entry["OutputDetails"] = {"Included": True}
    else:
        if error is not None:
            entry["Error"] = error
        if cause is not None:
            entry["Cause"] = cause
    if not express:
        entry["RedriveCount"] = 0
        if status == "SUCCEEDED":
            entry["RedriveStatus"] = "NOT_REDRIVABLE"
            entry["RedriveStatusReason"] = "Execution is SUCCEEDED and cannot be redriven"
        else:
            entry["RedriveStatus"] = "REDRIVABLE_BY_MAP_RUN"
    return dict(sorted(entry.items()))


def split_records(records: list[dict[str, Any]], limit: int) -> list[bytes]:
    """JSON array files of at most ``limit`` bytes each (a single larger record gets its own)."""
    files: list[bytes] = []
    current: list[bytes] = []
    size = 2  # "[" and "]"
    for entry in records:
        text = json.dumps(entry, separators=(",", ":")).encode()
        extra = len(text) + (1 if current else 0)
        if current and size + extra > limit:
            files.append(b"[" + b",".join(current) + b"]")
            current, size = [], 2
            extra = len(text)
        current.append(text)
        size += extra
    if current:
        files.append(b"[" + b",".join(current) + b"]")
    return files


def _state_of(record: Any) -> MapRunState | None:
    return getattr(record, "fanout_state", None)


def _install() -> None:
    from localstack.aws.api.stepfunctions import (
        HistoryEventType,
        MapRunFailedEventDetails,
    )
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
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.result_writer import (  # noqa: E501
        result_writer_decl as writer_decl_module,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.result_writer.resource_eval import (  # noqa: E501
        resource_eval_s3 as writer_module,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.tolerated_failure import (  # noqa: E501
        ToleratedFailureCountDecl,
        ToleratedFailurePercentageDecl,
    )
    from localstack.services.stepfunctions.asl.eval.event.event_detail import EventDetails
    from localstack.services.stepfunctions.asl.eval.program_state import (
        ProgramError,
        ProgramStopped,
    )
    from localstack.services.stepfunctions.asl.eval.states import ItemData, MapData

    StateMap = state_map_module.StateMap
    MapRunRecord = record_module.MapRunRecord
    DistributedIterationComponent = dic_module.DistributedIterationComponent
    DistributedItemProcessor = dip_module.DistributedItemProcessor
    Worker = worker_module.DistributedItemProcessorWorker
    ResourceEvalS3 = writer_module.ResourceEvalS3
    ResultWriter = writer_decl_module.ResultWriter

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
                state = _state_of(record)
                if state is not None and not state.results_written:
                    try:
                        env.stack.append(None)  # the results slot the writer pops
                        self.result_writer.eval(env)
                        env.stack.pop()
                    except Exception:
                        LOG.exception(
                            "ResultWriter failed for failed map run %s", record.map_run_arn
                        )
            raise
        finally:
            _tls.map_state = None

    StateMap.from_state_props = from_state_props
    StateMap._eval_execution = _eval_execution

    # -- MapRunRecord: carry a MapRunState --

    original_record_init = MapRunRecord.__init__

    def record_init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_record_init(self, *args, **kwargs)
        map_state = getattr(_tls, "map_state", None)
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
        )
        _tls.map_run_record = self

    original_record_update = MapRunRecord.update

    def record_update(
        self: Any,
        max_concurrency: Any,
        tolerated_failure_count: Any,
        tolerated_failure_percentage: Any,
    ) -> None:
        state = _state_of(self)
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

    # -- The map run: count items, turn a threshold stop into the AWS failure --

    original_map_run = DistributedIterationComponent._map_run

    def _map_run(self: Any, env: Any, eval_input: Any) -> None:
        record = eval_input.map_run_record
        state = _state_of(record)
        if state is None or not isinstance(self, DistributedItemProcessor):
            return original_map_run(self, env, eval_input)
        items = env.stack[-1]
        state.total = len(items) if isinstance(items, list) else 0
        record.item_counter.total.count(state.total)
        record.item_counter.pending.count(state.total)
        try:
            original_map_run(self, env, eval_input)
        except _ThresholdExceeded:
            deadline = time.monotonic() + IN_FLIGHT_WAIT_SECONDS
            with state.lock:
                while state.in_flight > 0 and time.monotonic() < deadline:
                    state.lock.wait(timeout=1.0)
            not_started = record.item_counter.pending.get()
            record.item_counter.pending.offset(-not_started)
            record.item_counter.aborted.count(not_started)
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

    DistributedIterationComponent._map_run = _map_run

    # -- One child --

    original_eval_job = Worker._eval_job

    def _eval_job(self: Any, env: Any, job: Any) -> None:
        record = self._map_run_record
        state = _state_of(record)
        if state is None:
            return original_eval_job(self, env, job)
        items, executions = record.item_counter, record.execution_counter
        with state.lock:
            state.in_flight += 1
        items.pending.offset(-1)
        items.running.count()
        executions.total.count()
        executions.running.count()

        start = _utc_now()
        child_input: Any = job.job_input
        status, output, error, cause = "FAILED", None, None, None
        try:
            env.states.context_object.context_object_data["Map"] = MapData(
                Item=ItemData(Index=job.job_index, Value=job.job_input)
            )
            env.states.reset(job.job_input)
            env.stack.append(env.states.get_input())
            self._eval_input(env_frame=env)
            child_input = copy.deepcopy(env.states.get_input())

            job.job_program.eval(env)

            end_state = env.program_state()
            if isinstance(end_state, ProgramError):
                details = end_state.error or {}
                error, cause = details.get("error"), details.get("cause")
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

        stop = _utc_now()
        items.running.offset(-1)
        executions.running.offset(-1)
        if status == "SUCCEEDED":
            items.succeeded.count()
            items.results_written.count()
            executions.succeeded.count()
            executions.results_written.count()
        elif status == "TIMED_OUT":
            items.timed_out.count()
            executions.timed_out.count()
        elif status == "ABORTED":
            items.aborted.count()
            executions.aborted.count()
        else:
            items.failed.count()
            executions.failed.count()

        entry = child_record(
            record=record,
            express=state.express,
            child_input=child_input,
            status=status,
            output=output,
            error=error,
            cause=cause,
            start=start,
            stop=stop,
        )
        job_output: Any = output if status == "SUCCEEDED" else None
        with state.lock:
            state.records.append((job.job_index, entry))
            if status in ("FAILED", "TIMED_OUT") and _enabled["map_failures"]:
                state.failures += 1
                if state.exceeded(record):
                    job_output = _ThresholdExceeded()
                else:
                    job_output = {"Error": error or "", "Cause": cause or ""}
            state.in_flight -= 1
            state.lock.notify_all()
        job.job_output = job_output

    Worker._eval_job = _eval_job

    # -- ResultWriter --

    original_put_object = ResourceEvalS3._handle_put_object

    def _handle_put_object(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
        if not _enabled["result_writer"]:
            return original_put_object(env, resource_runtime_part, state_credentials)
        parameters = env.stack.pop()
        env.stack.pop()  # the children's outputs: the records carry them
        record = getattr(_tls, "map_run_record", None)
        if record is None:
            record = env.map_run_record_pool_manager.get_all().pop()
        state = _state_of(record)
        bucket = parameters["Bucket"]
        prefix = parameters.get("Prefix", "")
        if prefix != "" and not prefix.endswith("/"):
            prefix += "/"
        directory = f"{prefix}{record.map_run_arn.split(':')[-1]}/"
        s3 = ResourceEvalS3._get_s3_client(
            resource_runtime_part=resource_runtime_part, state_credentials=state_credentials
        )
        entries = sorted(state.records, key=lambda pair: pair[0]) if state else []
        by_status: dict[str, list[dict[str, Any]]] = {"SUCCEEDED": [], "FAILED": []}
        for _, entry in entries:
            by_status["SUCCEEDED" if entry["Status"] == "SUCCEEDED" else "FAILED"].append(entry)
        result_files: dict[str, list[dict[str, Any]]] = {
            "FAILED": [],
            "PENDING": [],
            "SUCCEEDED": [],
        }
        for status in ("SUCCEEDED", "FAILED"):
            for index, body in enumerate(split_records(by_status[status], MAX_RESULT_FILE_BYTES)):
                key = f"{directory}{status}_{index}.json"
                s3.put_object(Bucket=bucket, Key=key, Body=body)
                result_files[status].append({"Key": key, "Size": len(body)})
        manifest = {
            "DestinationBucket": bucket,
            "MapRunArn": record.map_run_arn,
            "ResultFiles": result_files,
        }
        manifest_key = f"{directory}manifest.json"
        s3.put_object(Bucket=bucket, Key=manifest_key, Body=json.dumps(manifest).encode("utf-8"))
        if state is not None:
            state.results_written = True
        env.stack.append(
            {
                "MapRunArn": record.map_run_arn,
                "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key},
            }
        )

    ResourceEvalS3._handle_put_object = staticmethod(_handle_put_object)

    # ResultWriter Parameters read the Map state's input (as on AWS), not the children's
    # outputs LocalStack leaves on top of the evaluation stack.
    original_writer_eval_body = ResultWriter._eval_body

    def writer_eval_body(self: Any, env: Any) -> None:
        if not _enabled["result_writer"] or not hasattr(_tls, "map_input"):
            return original_writer_eval_body(self, env)
        env.stack.append(copy.deepcopy(_tls.map_input))
        self.parargs.eval(env=env)
        parameters = env.stack.pop()
        env.stack.pop()  # the map input
        env.stack.append(parameters)
        self.resource_eval.eval_resource(env=env)

    ResultWriter._eval_body = writer_eval_body


def apply(*, result_writer: bool = False, map_failures: bool = False) -> None:
    """Install the shared map-run machinery once and switch on the requested behaviours."""
    global _installed
    with _install_lock:
        if not _installed:
            _install()
            _installed = True
        if result_writer:
            _enabled["result_writer"] = True
        if map_failures:
            _enabled["map_failures"] = True
