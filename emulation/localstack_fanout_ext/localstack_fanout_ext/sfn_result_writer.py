"""ResultWriter files as Step Functions writes them
(https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html).

``s3:putObject`` ResultWriter writes ``<Prefix>/<map run id>/`` with ``SUCCEEDED_n.json``,
``FAILED_n.json`` (failed, timed-out and aborted children) and ``PENDING_n.json`` (children never
started because the map run failed), JSON arrays of child records (``sfn_map_records``), and a
``manifest.json`` listing them; also when the map run fails. LocalStack writes an empty
manifest and no result files.

After the n-th redrive of a map run the files of the children run again go to
``<Prefix>/<map run id>/Redrive-<n>/`` with a manifest there that lists the SUCCEEDED files of
earlier attempts beside this attempt's files, so nothing written before is overwritten. AWS's
pages do not describe this layout; it follows a recording of real AWS output used to test a
third-party emulator (see the README's parity table).

Patched: ``ResultWriter._eval_body`` (its Parameters read the Map state's input, as on AWS) and
``ResourceEvalS3._handle_put_object``.
"""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

from localstack_fanout_ext import sfn_map_run
from localstack_fanout_ext.sfn_map_records import (
    MAX_RESULT_FILE_BYTES,
    REDRIVE_FOLDER,
    MapRunState,
    child_record,
    file_group,
    split_records,
)

LOG = logging.getLogger(__name__)

GROUPS = ("FAILED", "PENDING", "SUCCEEDED")


def result_folder(prefix: str, map_run_arn: str, generation: int) -> str:
    if prefix != "" and not prefix.endswith("/"):
        prefix += "/"
    folder = f"{prefix}{map_run_arn.split(':')[-1]}/"
    return folder + (REDRIVE_FOLDER.format(n=generation) if generation else "")


def generation_files(
    state: MapRunState, state_machine_arn: str, limit: int = MAX_RESULT_FILE_BYTES
) -> dict[str, list[bytes]]:
    """This attempt's result files by group: the children it ran or left pending."""
    with state.lock:
        children = sorted(
            (c for c in state.children.values() if c.generation == state.generation),
            key=lambda c: c.index,
        )
        grouped: dict[str, list[dict[str, Any]]] = {group: [] for group in GROUPS}
        for child in children:
            grouped[file_group(child.status)].append(
                child_record(child, state_machine_arn, state.express)
            )
    return {group: split_records(grouped[group], limit) for group in GROUPS}


def manifest_files(state: MapRunState, written: dict[str, list[dict[str, Any]]]) -> dict:
    """The manifest's ResultFiles: earlier attempts' SUCCEEDED files, then this attempt's."""
    earlier = [
        {"Key": key, "Size": size}
        for generation, group, key, size in state.result_files
        if group == "SUCCEEDED" and generation < state.generation
    ]
    return {
        "FAILED": written["FAILED"],
        "PENDING": written["PENDING"],
        "SUCCEEDED": earlier + written["SUCCEEDED"],
    }


def write_for_failed_run(map_state: Any, env: Any, record: Any) -> None:
    """A failed map run still writes its results (called while the failure propagates)."""
    state = sfn_map_run.state_of(record)
    if state is None or state.results_written:
        return
    try:
        env.stack.append(None)  # the results slot the writer pops
        map_state.result_writer.eval(env)
        env.stack.pop()
    except Exception:
        LOG.exception("ResultWriter failed for failed map run %s", record.map_run_arn)


def install() -> None:
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.result_writer import (  # noqa: E501
        result_writer_decl as writer_decl_module,
    )
    from localstack.services.stepfunctions.asl.component.state.state_execution.state_map.result_writer.resource_eval import (  # noqa: E501
        resource_eval_s3 as writer_module,
    )

    ResourceEvalS3 = writer_module.ResourceEvalS3
    ResultWriter = writer_decl_module.ResultWriter

    original_put_object = ResourceEvalS3._handle_put_object

    def _handle_put_object(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
        if not sfn_map_run.result_writer_enabled():
            return original_put_object(env, resource_runtime_part, state_credentials)
        parameters = env.stack.pop()
        env.stack.pop()  # the children's outputs: the records carry them
        record = sfn_map_run.current_record()
        if record is None:
            record = env.map_run_record_pool_manager.get_all().pop()
        state = sfn_map_run.state_of(record)
        bucket = parameters["Bucket"]
        generation = state.generation if state else 0
        folder = result_folder(parameters.get("Prefix", ""), record.map_run_arn, generation)
        s3 = ResourceEvalS3._get_s3_client(
            resource_runtime_part=resource_runtime_part, state_credentials=state_credentials
        )
        written: dict[str, list[dict[str, Any]]] = {group: [] for group in GROUPS}
        if state is not None:
            files = generation_files(state, record.map_state_machine_arn)
            for group in GROUPS:
                for index, body in enumerate(files[group]):
                    key = f"{folder}{group}_{index}.json"
                    s3.put_object(Bucket=bucket, Key=key, Body=body)
                    written[group].append({"Key": key, "Size": len(body)})
            result_files = manifest_files(state, written)
            state.result_files += [
                (generation, group, entry["Key"], entry["Size"])
                for group in GROUPS
                for entry in written[group]
            ]
        else:
            result_files = written
        manifest = {
            "DestinationBucket": bucket,
            "MapRunArn": record.map_run_arn,
            "ResultFiles": result_files,
        }
        manifest_key = f"{folder}manifest.json"
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
        map_input = sfn_map_run.current_map_input()
        if not sfn_map_run.result_writer_enabled() or map_input is None:
            return original_writer_eval_body(self, env)
        env.stack.append(copy.deepcopy(map_input))
        self.parargs.eval(env=env)
        parameters = env.stack.pop()
        env.stack.pop()  # the map input
        env.stack.append(parameters)
        self.resource_eval.eval_resource(env=env)

    ResultWriter._eval_body = writer_eval_body
