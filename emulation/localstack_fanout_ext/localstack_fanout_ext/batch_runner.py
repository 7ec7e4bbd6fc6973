"""Runs one attempt of an emulated AWS Batch job as a local process, as its container would run.

* Command: the job definition's ``command`` (or the SubmitJob override) with ``Ref::name``
  placeholders replaced by the parameters; run with the image's Python first on PATH (see
  ``batch_rules.local_image``).
* Environment: the job definition's, then ``containerOverrides``, then what AWS Batch sets
  (https://docs.aws.amazon.com/batch/latest/userguide/job_env_vars.html): AWS_BATCH_JOB_ID,
  AWS_BATCH_JOB_ATTEMPT, AWS_BATCH_JQ_NAME, AWS_BATCH_CE_NAME; the region; AWS_ENDPOINT_URL
  pointing at this LocalStack; and the job role's credentials (as environment variables, where
  AWS serves them from the container credentials endpoint). A job without a job role gets none.
* Logs: stdout and stderr go to CloudWatch Logs, group ``/aws/batch/job`` (or the
  ``awslogs-group`` option), stream ``<prefix>/default/<task id>`` where the prefix is the job
  definition name (or ``awslogs-stream-prefix``)
  (https://docs.aws.amazon.com/batch/latest/userguide/using_awslogs.html).
* Timeout: ``attemptDurationSeconds`` after the attempt starts the process gets SIGTERM, and
  SIGKILL 30 s later (https://docs.aws.amazon.com/batch/latest/userguide/job_timeouts.html).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localstack import config
from localstack.aws.connect import connect_to

from localstack_fanout_ext.batch_rules import (
    LAMBDA_ENTRYPOINT_EXIT,
    LAMBDA_ENTRYPOINT_MESSAGE,
    ImageNotEmulated,
    container_argv,
    interpreter_for,
    local_image,
)
from localstack_fanout_ext.lambda_executor import HOST_VARIABLES, runtimes_dir

LOG = logging.getLogger(__name__)

DEFAULT_LOG_GROUP = "/aws/batch/job"
# PATH of Docker's official python images; the attempt's own bin folder comes first
CONTAINER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
KILL_GRACE_SECONDS = 30.0
# AWS's pages do not quote the statusReason of a timed-out attempt; this is the wording users
# report from DescribeJobs. A timed-out job is not retried (job_timeouts.html; batch_rules).
TIMEOUT_REASON = "Job attempt duration exceeded timeout"
EXITED_REASON = "Essential container in task exited"


@dataclass
class AttemptResult:
    """How an attempt ended. ``exit_code`` is None when no container exit was seen."""

    status_reason: str
    exit_code: int | None = None
    reason: str | None = None
    log_stream: str | None = None
    task_arn: str | None = None
    started: bool = False
    timed_out: bool = False


@dataclass
class AttemptSpec:
    job_id: str
    attempt: int
    account: str
    region: str
    queue_name: str
    ce_name: str
    definition_name: str
    container: dict[str, Any]  # image, command, environment, jobRoleArn, logConfiguration...
    timeout_seconds: float | None


class StopSignal:
    """Set by TerminateJob or an injected fault while the attempt runs."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.status_reason = ""
        self.keep_exit_code = True

    def stop(self, status_reason: str, *, keep_exit_code: bool) -> None:
        self.status_reason = status_reason
        self.keep_exit_code = keep_exit_code
        self.event.set()


def _logs(spec: AttemptSpec) -> Any:
    return connect_to(aws_access_key_id=spec.account, region_name=spec.region).logs


def log_target(spec: AttemptSpec, task_id: str) -> tuple[str, str]:
    options = (spec.container.get("logConfiguration") or {}).get("options") or {}
    group = options.get("awslogs-group") or DEFAULT_LOG_GROUP
    prefix = options.get("awslogs-stream-prefix") or spec.definition_name
    return group, f"{prefix}/default/{task_id}"


def _credentials(spec: AttemptSpec) -> dict[str, str]:
    role = spec.container.get("jobRoleArn")
    if not role:
        return {}
    sts = connect_to(aws_access_key_id=spec.account, region_name=spec.region).sts
    creds = sts.request_metadata(service_principal="ecs-tasks").assume_role(
        RoleArn=role, RoleSessionName=spec.job_id[:64]
    )["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
    }


def _package_index_access() -> dict[str, str]:
    """This machine's pip settings, so ``pip install`` in a job reaches the package index the
    way a container with outbound access would (the job's HOME is its own folder)."""
    env = {key: value for key, value in os.environ.items() if key.startswith("PIP_")}
    for candidate in ("~/.config/pip/pip.conf", "~/.pip/pip.conf"):
        path = Path(candidate).expanduser()
        if "PIP_CONFIG_FILE" not in env and path.is_file():
            env["PIP_CONFIG_FILE"] = str(path)
    return env


def _environment(spec: AttemptSpec, bin_dir: Path, work: Path) -> dict[str, str]:
    env = {key: os.environ[key] for key in HOST_VARIABLES if key in os.environ}
    env.update(_package_index_access())
    env["PATH"] = f"{bin_dir}{os.pathsep}{CONTAINER_PATH}"
    env.update({"HOME": str(work), "TMPDIR": str(work), "PYTHONUNBUFFERED": "1"})
    env.update({str(v["name"]): str(v.get("value", "")) for v in spec.container["environment"]})
    env.update(
        {
            "AWS_BATCH_JOB_ID": spec.job_id,
            "AWS_BATCH_JOB_ATTEMPT": str(spec.attempt),
            "AWS_BATCH_JQ_NAME": spec.queue_name,
            "AWS_BATCH_CE_NAME": spec.ce_name,
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{config.GATEWAY_LISTEN[0].port}",
        }
    )
    env.update(_credentials(spec))
    return env


def _fresh_python(python: Path, where: Path) -> Path:
    """The bin folder of a new environment over the image's Python, for one attempt.

    Like a fresh container, it starts with what the image has (the interpreter's own packages,
    pip included, visible through ``--system-site-packages``) and whatever the job installs with
    pip stays in it, never in the interpreter shared by every job. Its bin folder has
    ``python``, ``python3`` and ``pythonX.Y``, and ``pip``, ``pip3`` and ``pipX.Y`` running the
    interpreter's pip for this environment.
    """
    subprocess.run(
        [str(python), "-m", "venv", "--without-pip", "--system-site-packages", str(where)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    bin_dir = where / "bin"
    version = next(p.name for p in bin_dir.glob("python3.*"))[len("python") :]
    for name in ("pip", "pip3", f"pip{version}"):
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\nexec "{bin_dir / "python"}" -m pip "$@"\n')
        script.chmod(0o755)
    return bin_dir


class _LogPump:
    """Sends the process output to CloudWatch Logs in batches while it runs."""

    def __init__(self, spec: AttemptSpec, group: str, stream: str) -> None:
        self.client = _logs(spec)
        self.group, self.stream = group, stream
        self.pending: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def add(self, line: str) -> None:
        with self.lock:
            self.pending.append({"timestamp": int(time.time() * 1000), "message": line})

    def flush(self) -> None:
        with self.lock:
            events, self.pending = self.pending, []
        if events:
            try:
                self.client.put_log_events(
                    logGroupName=self.group, logStreamName=self.stream, logEvents=events
                )
            except Exception:  # noqa: BLE001  (logs are best effort, as with awslogs)
                LOG.warning("could not send Batch job logs to %s %s", self.group, self.stream)

    def pump(self, stream: Any) -> None:
        last = time.monotonic()
        for raw in iter(stream.readline, b""):
            self.add(raw.decode(errors="replace").rstrip("\n"))
            if time.monotonic() - last > 0.5:
                self.flush()
                last = time.monotonic()
        self.flush()


def _open_logs(spec: AttemptSpec, task_id: str) -> tuple[_LogPump | None, str, str | None]:
    """The log pump, stream name, and an error when the log group cannot be used (as ECS fails)."""
    group, stream = log_target(spec, task_id)
    client = _logs(spec)
    if group == DEFAULT_LOG_GROUP:
        with contextlib.suppress(client.exceptions.ResourceAlreadyExistsException):
            client.create_log_group(logGroupName=group)
    try:
        client.create_log_stream(logGroupName=group, logStreamName=stream)
    except client.exceptions.ResourceNotFoundException:
        return (
            None,
            stream,
            (
                "ResourceInitializationError: failed to validate logger args: "
                f"The specified log group does not exist: {group}"
            ),
        )
    return _LogPump(spec, group, stream), stream, None


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def run_attempt(spec: AttemptSpec, stop: StopSignal, timeout_scale: float) -> AttemptResult:
    """Run the attempt to its end; blocks. The caller marks the job RUNNING via ``on_running``."""
    task_id = uuid.uuid4().hex
    task_arn = f"arn:aws:ecs:{spec.region}:{spec.account}:task/{spec.ce_name}/{task_id}"
    image_name = spec.container.get("image", "")
    try:
        image = local_image(image_name)
        python = interpreter_for(image, runtimes_dir())
        argv = container_argv(image, spec.container["command"])
    except ImageNotEmulated as e:
        return AttemptResult("Task failed to start", reason=str(e)[:255], task_arn=task_arn)
    pump, stream, log_error = _open_logs(spec, task_id)
    if pump is None:
        return AttemptResult("Task failed to start", reason=log_error, task_arn=task_arn)
    if argv is None:  # the Lambda image's /lambda-entrypoint.sh refuses the command
        pump.add(LAMBDA_ENTRYPOINT_MESSAGE)
        pump.flush()
        return AttemptResult(
            EXITED_REASON, LAMBDA_ENTRYPOINT_EXIT, None, stream, task_arn, started=True
        )
    attempt_dir = Path(config.dirs.tmp) / "batch-jobs" / spec.job_id / str(spec.attempt)
    work = attempt_dir / "work"
    work.mkdir(parents=True, exist_ok=True)
    try:
        bin_dir = _fresh_python(python, attempt_dir / "python")
    except (OSError, subprocess.SubprocessError) as e:
        reason = f"CannotStartContainerError: {e}"[:255]
        return AttemptResult("Task failed to start", reason=reason, task_arn=task_arn)
    try:
        env = _environment(spec, bin_dir, work)
    except Exception as e:  # noqa: BLE001  (the role cannot be assumed: the task cannot start)
        LOG.warning("Batch job %s: no credentials for its job role: %s", spec.job_id, e)
        reason = f"ResourceInitializationError: cannot assume the job role: {e}"[:255]
        return AttemptResult("Task failed to start", reason=reason, task_arn=task_arn)
    try:
        process = subprocess.Popen(
            argv,
            env=env,
            cwd=work,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    except OSError as e:
        reason = f"CannotStartContainerError: {e}"[:255]
        return AttemptResult("Task failed to start", reason=reason, task_arn=task_arn)
    reader = threading.Thread(target=pump.pump, args=(process.stdout,), daemon=True)
    reader.start()
    result = _supervise(process, spec, stop, timeout_scale)
    reader.join(timeout=5)
    shutil.rmtree(attempt_dir, ignore_errors=True)
    result.log_stream, result.task_arn, result.started = stream, task_arn, True
    return result


def _supervise(
    process: subprocess.Popen, spec: AttemptSpec, stop: StopSignal, scale: float
) -> AttemptResult:
    started = time.monotonic()
    deadline = started + spec.timeout_seconds * scale if spec.timeout_seconds else None
    reason: str | None = None
    keep_exit_code = True
    kill_at: float | None = None
    while process.poll() is None:
        now = time.monotonic()
        if reason is None and deadline is not None and now >= deadline:
            reason = TIMEOUT_REASON
            _signal_group(process, signal.SIGTERM)
            kill_at = now + KILL_GRACE_SECONDS * scale
        elif reason is None and stop.event.is_set():
            reason, keep_exit_code = stop.status_reason, stop.keep_exit_code
            # an instance that goes away takes its processes at once; TerminateJob stops the task
            _signal_group(process, signal.SIGTERM if keep_exit_code else signal.SIGKILL)
            kill_at = now + KILL_GRACE_SECONDS * scale
        elif kill_at is not None and now >= kill_at:
            _signal_group(process, signal.SIGKILL)
            kill_at = None
        stop.event.wait(0.05) if reason is None else time.sleep(0.05)
    code = process.returncode
    exit_code = code if code >= 0 else 128 - code  # as Docker reports a signal: 128 + number
    if not keep_exit_code:
        return AttemptResult(reason or EXITED_REASON)
    return AttemptResult(reason or EXITED_REASON, exit_code, timed_out=reason == TIMEOUT_REASON)
