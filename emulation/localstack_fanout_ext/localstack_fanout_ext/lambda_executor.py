"""LocalStack Lambda runtime executor that runs each execution environment as a local process.

Selected with ``LAMBDA_RUNTIME_EXECUTOR=subprocess`` (plux namespace
``localstack.lambda.runtime_executor``). LocalStack's own executor needs Docker; this one starts
``runtime_bootstrap.py`` with the interpreter of the function's runtime, found at
``$FANOUT_LAMBDA_RUNTIMES_DIR/<runtime>/bin/python`` (made by ``python -m emulation.lsctl
install``: the matching Python with only boto3, as AWS provides it).

What it adds to the stock invoke path, so functions fail here as they fail on AWS:

* the function timeout is enforced, and the environment killed. A timeout while the handler
  runs returns what real runs show AWS returning: a payload with no ``errorType``, only
  ``{"errorMessage": "<ISO time> <request id> Task timed out after N.NN seconds"}`` with the
  time really elapsed (Step Functions then reports ``Lambda.Unknown``; public reports of real
  runs: https://github.com/cdklabs/construct-hub/pull/713,
  https://github.com/govuk-one-login/life-events-platform/pull/1094,
  https://github.com/aws-samples/amazon-textract-idp-cdk-constructs/issues/80). A timeout in
  the Init phase returns ``{"errorType": "Sandbox.Timedout", "errorMessage": "RequestId: <id>
  Error: Task timed out after N.00 seconds"}`` as AWS documents
  (https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html#troubleshooting-timeouts);
* the Init phase is limited to 10 s; past that the environment is started again inside the
  first invocation, within the function timeout, as AWS documents
  (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib);
* an environment that exits during an invocation returns ``Runtime.ExitError``;
* an environment that died (timeout, crash) is started afresh on its next invocation;
* environment variables are passed as strings, and ``LAMBDA_TASK_ROOT`` is the real code folder.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import threading
import time
from concurrent.futures import Future, InvalidStateError
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

import requests
from localstack import config
from localstack.aws.api.lambda_ import PackageType
from localstack.http import Response
from localstack.services.lambda_.invocation.executor_endpoint import (
    ExecutorEndpoint,
    StatusErrorException,
)
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import (
    LambdaRuntimeException,
    RuntimeExecutor,
)
from werkzeug import Request

LOG = logging.getLogger(__name__)

BOOTSTRAP = Path(__file__).with_name("runtime_bootstrap.py")
RUNTIMES_DIR_ENV = "FANOUT_LAMBDA_RUNTIMES_DIR"
# environment variables of the host kept for a function (everything else comes from LocalStack)
HOST_VARIABLES = ("PATH", "LANG", "LC_ALL", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
LOG_TAIL_BYTES = 64 * 1024
# AWS limits the Init phase of an on-demand environment to 10 seconds.
INIT_LIMIT_SECONDS = 10.0


def runtimes_dir() -> Path:
    configured = os.environ.get(RUNTIMES_DIR_ENV)
    if configured:
        return Path(configured)
    # the editable install lives in <repo>/emulation/localstack_fanout_ext/localstack_fanout_ext
    return Path(__file__).resolve().parents[3] / ".localstack" / "runtimes"


def runtime_python(runtime: str | None) -> Path:
    """The interpreter for a Lambda runtime; LambdaRuntimeException naming the fix if absent."""
    if not runtime or not runtime.startswith("python"):
        raise LambdaRuntimeException(
            f"runtime {runtime!r} is not supported by the subprocess executor (Python only)"
        )
    python = runtimes_dir() / runtime / "bin" / "python"
    if not python.exists():
        raise LambdaRuntimeException(
            f"no interpreter for Lambda runtime {runtime} at {python}: "
            "run `python -m emulation.lsctl install` (it needs that Python version installed)"
        )
    return python


def _error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def _stamp() -> str:
    """Now as Lambda writes it in logs and timeout messages: 2024-05-06T13:44:03.691Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def invocation_timeout_payload(request_id: str, elapsed: float) -> bytes:
    """The payload of an invocation that outlived its timeout: no errorType, as AWS sends it."""
    message = f"{_stamp()} {request_id} Task timed out after {elapsed:.2f} seconds"
    return json.dumps({"errorMessage": message}, separators=(",", ":")).encode()


def _exit_reason(returncode: int) -> str:
    """As the Lambda service words it (Go's ProcessState): 'exit status 1', 'signal: killed'."""
    if returncode >= 0:
        return f"exit status {returncode}"
    try:
        name = signal.strsignal(-returncode)
    except ValueError:
        name = None
    return f"signal: {name.lower()}" if name else f"signal: {-returncode}"


class _Endpoint(ExecutorEndpoint):
    """The stock endpoint, plus: the environment tells its invoke port when it is ready."""

    def status_ready(self, request: Request, executor_id: str) -> Response:
        with contextlib.suppress(ValueError, TypeError, KeyError):
            self.container_port = int(json.loads(request.data)["port"])
        if not self.startup_future.done():
            self.startup_future.set_result(True)
        return Response(status=HTTPStatus.ACCEPTED)


class SubprocessRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self.executor_endpoint = _Endpoint(self.id, container_address="127.0.0.1")
        self.process: subprocess.Popen | None = None
        self.env_vars: dict[str, str] = {}
        self.lock = threading.Lock()
        self.stopped = False
        base = Path(config.dirs.tmp) / "lambda-envs" / self.id
        self.work_dir = base
        self.output_path = base / "output.log"
        self.current_request: str | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, env_vars: dict[str, str]) -> None:
        code = self.function_version.config.code
        if self.function_version.config.package_type != PackageType.Zip or code is None:
            raise LambdaRuntimeException("the subprocess executor runs zip functions only")
        task_root = str(code.get_unzipped_code_location())
        self.work_dir.mkdir(parents=True, exist_ok=True)
        (self.work_dir / "tmp").mkdir(exist_ok=True)
        env = {key: str(value) for key, value in env_vars.items() if value is not None}
        env.update({key: os.environ[key] for key in HOST_VARIABLES if key in os.environ})
        env.update(
            {
                "LAMBDA_TASK_ROOT": task_root,
                "LAMBDA_RUNTIME_DIR": str(BOOTSTRAP.parent),
                "TMPDIR": str(self.work_dir / "tmp"),
                "HOME": str(self.work_dir / "tmp"),
                "PYTHONUNBUFFERED": "1",
                "PYTHONDONTWRITEBYTECODE": "1",
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.function_version.config.runtime}",
            }
        )
        self.env_vars = env
        self.executor_endpoint.start()
        self._spawn()
        try:
            self.executor_endpoint.startup_future.result(timeout=INIT_LIMIT_SECONDS)
        except FutureTimeout:
            # Init outlived its 10 s: the first invocation initialises again, within the
            # function timeout.
            LOG.info("Lambda environment %s: Init over %.0f s", self.id, INIT_LIMIT_SECONDS)
            self.current_request = None
            self._kill()
        else:
            self.executor_endpoint.wait_for_startup()

    def _spawn(self) -> None:
        """Start the environment process; the executor endpoint hears when it is ready."""
        python = runtime_python(self.function_version.config.runtime)
        with self.output_path.open("ab") as output:
            self.process = subprocess.Popen(
                [str(python), "-u", str(BOOTSTRAP)],
                env=self.env_vars,
                cwd=self.env_vars["LAMBDA_TASK_ROOT"],
                stdin=subprocess.PIPE,  # closes when LocalStack ends: the environment then exits
                stdout=output,
                stderr=subprocess.STDOUT,
                process_group=0,  # its own group: a timeout kills whatever the function started
            )
        LOG.debug("Lambda environment %s started as pid %s", self.id, self.process.pid)
        threading.Thread(
            target=self._watch, args=(self.process,), name=f"lambda-env-{self.id}", daemon=True
        ).start()

    def _watch(self, process: subprocess.Popen) -> None:
        """When the environment exits, fail what waits on it (start-up or an invocation)."""
        returncode = process.wait()
        reason = _exit_reason(returncode)
        endpoint = self.executor_endpoint
        startup = endpoint.startup_future
        if startup is not None and not startup.done():
            with contextlib.suppress(InvalidStateError):
                startup.set_exception(
                    StatusErrorException(
                        f"environment exited during start-up: {reason}",
                        payload=_error_payload(
                            "Runtime.ExitError",
                            f"RequestId:  Error: Runtime exited with error: {reason}",
                        ),
                    )
                )
        invocation = endpoint.invocation_future
        request_id = self.current_request
        if invocation is not None and not invocation.done() and request_id:
            message = f"RequestId: {request_id} Error: Runtime exited with error: {reason}"
            logs = self._output_since(self._invoke_offset) + f"{message}\nRuntime.ExitError\n"
            with contextlib.suppress(InvalidStateError):
                invocation.set_result(
                    InvocationResult(
                        request_id,
                        _error_payload("Runtime.ExitError", message),
                        is_error=True,
                        logs=logs,
                    )
                )

    def _kill(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)

    def stop(self) -> None:
        self.stopped = True
        self._kill()
        if self.process is not None and self.process.stdin:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.executor_endpoint.shutdown()
        except Exception as e:  # noqa: BLE001 - stopping must go on
            LOG.debug("Error while shutting down executor endpoint %s: %s", self.id, e)

    # ------------------------------------------------------------------ invoke

    _invoke_offset = 0

    def _output_since(self, offset: int) -> str:
        try:
            with self.output_path.open("rb") as output:
                output.seek(max(offset, output.seek(0, os.SEEK_END) - LOG_TAIL_BYTES))
                return output.read().decode(errors="replace")
        except OSError:
            return ""

    def _respawn(self, budget: float) -> bool:
        """A fresh environment after a timeout or crash, as AWS re-initialises the sandbox.

        False when Init outlives ``budget`` seconds (the environment is then killed)."""
        self.executor_endpoint.startup_future = Future()
        self.executor_endpoint.invocation_future = None
        self._spawn()
        try:
            self.executor_endpoint.startup_future.result(timeout=max(0.0, budget))
        except FutureTimeout:
            self._kill()
            return False
        return True

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        with self.lock:
            request_id = payload["invoke-id"]
            if self.stopped:
                raise LambdaRuntimeException(f"environment {self.id} is stopped")
            timeout = float(self.function_version.config.timeout or 3)
            started = time.monotonic()
            try:
                self._invoke_offset = self.output_path.stat().st_size
            except OSError:
                self._invoke_offset = 0
            if self.process is None or self.process.poll() is not None:
                try:
                    if not self._respawn(timeout):
                        return self._init_timed_out(request_id, timeout)
                except StatusErrorException as e:
                    return InvocationResult(request_id, e.payload, is_error=True, logs="")
            endpoint = self.executor_endpoint
            future: Future[InvocationResult] = Future()
            endpoint.invocation_future = future
            endpoint.logs = None
            self.current_request = request_id
            response = requests.post(
                f"http://127.0.0.1:{endpoint.container_port}/invoke",
                json=payload,
                proxies={"http": "", "https": ""},
                timeout=30,
            )
            if not response.ok:
                raise LambdaRuntimeException(
                    f"environment {self.id} refused the invocation: HTTP {response.status_code}"
                )
            try:
                return future.result(timeout=max(0.0, timeout - (time.monotonic() - started)))
            except FutureTimeout:
                return self._timed_out(request_id, time.monotonic() - started)
            finally:
                self.current_request = None

    def _timeout_logs(self, request_id: str, elapsed: float, message: str) -> str:
        return (
            self._output_since(self._invoke_offset)
            + f"END RequestId: {request_id}\n"
            + f"REPORT RequestId: {request_id}\tDuration: {elapsed * 1000:.2f} ms\t"
            + f"Billed Duration: {int(elapsed * 1000)} ms\t"
            + f"Memory Size: {self.function_version.config.memory_size} MB\t\n"
            + f"{_stamp()} {request_id} {message}\n"
        )

    def _timed_out(self, request_id: str, elapsed: float) -> InvocationResult:
        """The handler outlived the function timeout: kill the environment, answer as AWS."""
        self.current_request = None  # the watcher must not report the kill as a crash
        self._kill()
        payload = invocation_timeout_payload(request_id, elapsed)
        message = json.loads(payload)["errorMessage"].split(" ", 2)[2]
        LOG.info("Lambda %s timed out: %s", self.function_version.qualified_arn, message)
        return InvocationResult(
            request_id,
            payload,
            is_error=True,
            logs=self._timeout_logs(request_id, elapsed, message),
        )

    def _init_timed_out(self, request_id: str, timeout: float) -> InvocationResult:
        """Init, run again inside the invocation, outlived the function timeout."""
        message = f"Task timed out after {timeout:.2f} seconds"
        LOG.info("Lambda %s timed out in Init", self.function_version.qualified_arn)
        return InvocationResult(
            request_id,
            _error_payload("Sandbox.Timedout", f"RequestId: {request_id} Error: {message}"),
            is_error=True,
            logs=self._timeout_logs(request_id, timeout, message),
        )

    # ------------------------------------------------------------------ addresses, logs

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        port = config.GATEWAY_LISTEN[0].port
        return f"http://127.0.0.1:{port}{self.executor_endpoint.get_endpoint_prefix()}"

    def get_logs(self) -> str:
        return self._output_since(0)

    # ------------------------------------------------------------------ versions

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        runtime_python(function_version.config.runtime)
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        if not runtimes_dir().is_dir():
            LOG.warning(
                "No Lambda runtimes at %s: run `python -m emulation.lsctl install`", runtimes_dir()
            )
        return True


class SubprocessRuntimeExecutorPlugin(RuntimeExecutorPlugin):
    name = "subprocess"

    def load(self, *args: object, **kwargs: object) -> type[RuntimeExecutor]:
        return SubprocessRuntimeExecutor
