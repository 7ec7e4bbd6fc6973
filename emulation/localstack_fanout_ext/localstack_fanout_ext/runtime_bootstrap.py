"""A Lambda execution environment for Python functions, run as a local process.

Started by ``lambda_executor.SubprocessRuntimeExecutor`` with the interpreter of the function's
runtime (``.localstack/runtimes/<runtime>/bin/python``) and run as a script: standard library
only, no LocalStack imports. It speaks LocalStack's executor-endpoint protocol, as the Lambda
runtime-init binary does inside the Docker image:

* imports the handler (the init phase), then POSTs ``<endpoint>/status/<id>/ready`` with the
  port its invoke server listens on, or ``<endpoint>/status/<id>/error`` with the AWS init error;
* serves ``POST /invoke``; runs the handler; POSTs ``/invocations/<req>/logs`` and then
  ``/invocations/<req>/response`` or ``/invocations/<req>/error`` with AWS's error shape.

It exits when stdin reaches end of file: the executor holds the other end of that pipe, so the
environment ends with the LocalStack process that started it, however that ends.
"""

import http.server
import importlib
import io
import json
import logging
import os
import queue
import sys
import threading
import time
import traceback
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, TextIO

RUNTIME_ENDPOINT = os.environ["LOCALSTACK_RUNTIME_ENDPOINT"]
RUNTIME_ID = os.environ["LOCALSTACK_RUNTIME_ID"]
TASK_ROOT = os.environ["LAMBDA_TASK_ROOT"]
HANDLER = os.environ.get("_HANDLER", "")
TIMEOUT_S = float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT") or 3)
MEMORY_MB = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE") or 128)

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_invocations: "queue.Queue[dict]" = queue.Queue()
_real_stdout = sys.stdout
_real_stderr = sys.stderr


def _post(path: str, body: bytes, content_type: str = "application/json") -> None:
    request = urllib.request.Request(
        f"{RUNTIME_ENDPOINT}{path}",
        data=body,
        method="POST",
        headers={"Content-Type": content_type},
    )
    with _OPENER.open(request, timeout=60) as response:
        response.read()


# --------------------------------------------------------------------------- logging


class _Capture(io.TextIOBase):
    """stdout/stderr during an invocation: kept for the invocation's logs, and written through
    to the environment's output file (which the executor reads when it has to kill us)."""

    def __init__(self, target: TextIO, sink: list[str]) -> None:
        self._target = target
        self._sink = sink

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._sink.append(text)
        self._target.write(text)
        self._target.flush()
        return len(text)

    def flush(self) -> None:
        self._target.flush()


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


class _LambdaLogHandler(logging.Handler):
    """The root handler AWS's Python runtime installs: tab-separated, to the function's log."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = self.format(record)
            sys.stdout.write(message.replace("\n", "\r") + "\n")
        except Exception:  # noqa: BLE001 - logging must never break the function
            self.handleError(record)


class _LambdaFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        moment = datetime.fromtimestamp(record.created, UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


_REQUEST_ID = _RequestIdFilter()


def _setup_logging() -> None:
    handler = _LambdaLogHandler()
    handler.setFormatter(
        _LambdaFormatter("[%(levelname)s]\t%(asctime)s\t%(aws_request_id)s\t%(message)s")
    )
    handler.addFilter(_REQUEST_ID)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    if level := os.environ.get("AWS_LAMBDA_LOG_LEVEL"):
        root.setLevel(level.upper())


# --------------------------------------------------------------------------- context


class LambdaContext:
    def __init__(self, request_id: str, function_arn: str, deadline: float) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = str(MEMORY_MB)
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.time()) * 1000))


# --------------------------------------------------------------------------- errors


def _error(error_type: str, message: str, stack: list[str] | None = None) -> dict:
    return {
        "errorMessage": message,
        "errorType": error_type,
        "requestId": "",
        "stackTrace": stack or [],
    }


def _user_stack(tb: TracebackType | None, skip: int) -> list[str]:
    frames = traceback.extract_tb(tb)[skip:]
    return traceback.format_list(frames)


Handler = Callable[[Any, Any], Any]


class _InitError(Exception):
    """The function failed its init phase; ``document`` is the error Lambda reports."""

    def __init__(self, document: dict) -> None:
        super().__init__(document["errorMessage"])
        self.document = document


def _load_handler() -> Handler:
    """Import the handler as AWS's Python runtime does; _InitError with the error document."""
    try:
        module_name, function_name = HANDLER.rsplit(".", 1)
    except ValueError as e:
        error = _error("Runtime.MalformedHandlerName", f"Bad handler '{HANDLER}': {e}")
        raise _InitError(error) from e
    module_name = module_name.replace("/", ".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        error = _error("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {e}")
        raise _InitError(error) from e
    except SyntaxError as e:
        error = _error(
            "Runtime.UserCodeSyntaxError",
            f"Syntax error in module '{module_name}': {e}",
            _user_stack(e.__traceback__, 1),
        )
        raise _InitError(error) from e
    except Exception as e:  # noqa: BLE001 - any error at import is the function's init error
        error = _error(type(e).__name__, str(e), _user_stack(e.__traceback__, 1))
        raise _InitError(error) from e
    handler = getattr(module, function_name, None)
    if handler is None:
        raise _InitError(
            _error(
                "Runtime.HandlerNotFound",
                f"Handler '{function_name}' missing on module '{module_name}'",
            )
        )
    return handler


def _log_error(document: dict) -> None:
    lines = "".join(document.get("stackTrace") or [])
    text = f"[ERROR] {document['errorType']}: {document['errorMessage']}"
    if lines:
        text += "\rTraceback (most recent call last):\r" + lines.replace("\n", "\r")
    sys.stdout.write(text.rstrip("\r") + "\n")


# --------------------------------------------------------------------------- invoke server


class _InvokeServer(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/") != "/invoke":
            self.send_response(404)
            self.end_headers()
            return
        _invocations.put(json.loads(body))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def _watch_parent() -> None:
    """End this environment when the executor's end of stdin closes (LocalStack is gone)."""
    try:
        while sys.stdin.buffer.read(65536):
            pass
    finally:
        os._exit(0)


def _run_invocation(handler: Handler, invocation: dict) -> None:
    request_id = invocation["invoke-id"]
    deadline = time.time() + TIMEOUT_S
    sink: list[str] = [
        f"START RequestId: {request_id} Version: "
        f"{os.environ.get('AWS_LAMBDA_FUNCTION_VERSION', '$LATEST')}\n"
    ]
    sys.stdout = _Capture(_real_stdout, sink)
    sys.stderr = _Capture(_real_stderr, sink)
    _REQUEST_ID.request_id = request_id
    os.environ["_X_AMZN_TRACE_ID"] = invocation.get("trace-id") or ""
    started = time.perf_counter()
    result: bytes | None = None
    error: dict | None = None
    try:
        event = json.loads(invocation.get("payload") or "null")
        context = LambdaContext(request_id, invocation.get("invoked-function-arn", ""), deadline)
        value = handler(event, context)
        try:
            result = json.dumps(value).encode()
        except (TypeError, ValueError) as e:
            error = _error("Runtime.MarshalError", f"Unable to marshal response: {e}")
    except Exception as e:  # noqa: BLE001 - an unhandled error is the invocation's result
        error = _error(type(e).__name__, str(e), _user_stack(e.__traceback__, 1))
    duration_ms = (time.perf_counter() - started) * 1000
    if error is not None:
        error["requestId"] = request_id
        _log_error(error)
    sys.stdout, sys.stderr = _real_stdout, _real_stderr
    _REQUEST_ID.request_id = ""
    sink.append(f"END RequestId: {request_id}\n")
    sink.append(
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {max(1, int(duration_ms + 0.999))} ms\tMemory Size: {MEMORY_MB} MB\t"
        f"Max Memory Used: {_max_rss_mb()} MB\t\n"
    )
    prefix = f"/invocations/{request_id}"
    # the logs first: LocalStack attaches them to the result when the result arrives
    _post(f"{prefix}/logs", json.dumps({"logs": "".join(sink)}).encode())
    if error is not None:
        _post(f"{prefix}/error", json.dumps(error).encode())
    else:
        _post(f"{prefix}/response", result or b"null")


def _max_rss_mb() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main() -> None:
    threading.Thread(target=_watch_parent, daemon=True).start()
    # the function's code comes first on sys.path, as /var/task does on AWS; never this folder
    sys.path[0] = TASK_ROOT
    os.chdir(TASK_ROOT)
    _setup_logging()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _InvokeServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        handler = _load_handler()
    except _InitError as failed:
        _log_error(failed.document)
        _post(f"/status/{RUNTIME_ID}/error", json.dumps(failed.document).encode())
        sys.exit(1)
    _post(f"/status/{RUNTIME_ID}/ready", json.dumps({"port": server.server_address[1]}).encode())
    while True:
        _run_invocation(handler, _invocations.get())


if __name__ == "__main__":
    main()
