"""Install, start and stop LocalStack on this machine, without Docker.

LocalStack runs in host mode (``python -m localstack.runtime.main``) from its own virtual
environment under ``.localstack/``, with this project's extension installed into it: Lambda
functions run as local Python subprocesses (see ``localstack_fanout_ext.lambda_executor``).

Command line (any Python >= 3.11, standard library only)::

    python -m emulation.lsctl install           # venv + pinned LocalStack + Lambda runtimes
    python -m emulation.lsctl start [--port N]  # start (or reuse) and wait until healthy
    python -m emulation.lsctl status [--port N]
    python -m emulation.lsctl endpoint [--port N]
    python -m emulation.lsctl stop [--port N]

``LOCALSTACK_ENDPOINT`` (for example a LocalStack container someone runs with Docker and an
auth token) makes ``start`` use that endpoint and start nothing. ``LOCALSTACK_PORT`` is the
default port (4566).

This module controls the process (start, stop, status, health); where the installation
lives, which Python runs it, how it is installed and what its processes use are in
``emulation.localstack_host``. The names other code uses are re-exported here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulation.localstack_host import layout
from emulation.localstack_host.install import LAMBDA_RUNTIMES, install, is_installed
from emulation.localstack_host.layout import LocalStackError, Progress, say
from emulation.localstack_host.procfs import (
    PeakRss,
    alive,
    descendants,
    start_ticks,
    tree_rss_bytes,
)

RUNTIMES_DIR = layout.RUNTIMES_DIR
RUNTIME_REQUIREMENTS = layout.RUNTIME_REQUIREMENTS

# The names other code uses, wherever they are defined.
__all__ = [
    "LAMBDA_RUNTIMES",
    "RUNTIME_REQUIREMENTS",
    "RUNTIMES_DIR",
    "LocalStackError",
    "PeakRss",
    "default_port",
    "endpoint",
    "health",
    "install",
    "is_installed",
    "localstack_pid",
    "localstack_rss_bytes",
    "start",
    "status",
    "stop",
    "tree_rss_bytes",
]

DEFAULT_PORT = 4566
# The services the product uses; anything else is refused (faster start, smaller footprint).
DEFAULT_SERVICES = "s3,lambda,stepfunctions,iam,sts,logs,cloudwatch,xray,batch,ec2"
DEFAULT_KEEPALIVE_MS = "120000"


# --------------------------------------------------------------------------- processes


def default_port() -> int:
    return int(os.environ.get("LOCALSTACK_PORT") or DEFAULT_PORT)


def run_dir(port: int) -> Path:
    return layout.STATE_DIR / f"run-{port}"


def _pid_file(port: int) -> Path:
    return run_dir(port) / "localstack.pid"


def log_file(port: int) -> Path:
    return run_dir(port) / "localstack.log"


@dataclass(frozen=True)
class Recorded:
    pid: int
    pgid: int
    port: int
    start_ticks: int


def _recorded(port: int) -> Recorded | None:
    try:
        data = json.loads(_pid_file(port).read_text())
        return Recorded(data["pid"], data["pgid"], data["port"], data["start_ticks"])
    except (OSError, ValueError, KeyError):
        return None


def localstack_rss_bytes(port: int | None = None) -> int:
    """RSS of the LocalStack started on this port and its Lambda environments (0 if none)."""
    rec = _recorded(port or default_port())
    if rec is None or not alive(rec.pid, rec.start_ticks):
        return 0
    return tree_rss_bytes(rec.pid)


def localstack_pid(port: int | None = None) -> int | None:
    rec = _recorded(port or default_port())
    return rec.pid if rec and alive(rec.pid, rec.start_ticks) else None


# --------------------------------------------------------------------------- health


def endpoint(port: int | None = None) -> str:
    """The endpoint tests should use: LOCALSTACK_ENDPOINT, else the local one on this port."""
    if external := os.environ.get("LOCALSTACK_ENDPOINT"):
        return external.rstrip("/")
    return f"http://127.0.0.1:{port or default_port()}"


def health(url: str, timeout: float = 2.0) -> dict[str, Any] | None:
    """LocalStack's /_localstack/health document, or None when it does not answer."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{url}/_localstack/health", timeout=timeout) as response:
            return json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _log_tail(port: int, lines: int = 30) -> str:
    try:
        return "\n".join(log_file(port).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# --------------------------------------------------------------------------- start / stop


def _environment(port: int) -> dict[str, str]:
    base = run_dir(port)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k not in ("LOCALSTACK_ENDPOINT", "PYTHONPATH")
    }
    # two instances on different ports must not share ports for external service instances
    ports_start = 10000 + (port % 1000) * 50
    env.update(
        {
            "GATEWAY_LISTEN": f"127.0.0.1:{port}",
            "LAMBDA_RUNTIME_EXECUTOR": "subprocess",
            "FANOUT_LAMBDA_RUNTIMES_DIR": str(RUNTIMES_DIR),
            "FILESYSTEM_ROOT": str(base / "fs"),
            "XDG_CACHE_HOME": str(base / "cache"),
            "TMPDIR": str(base / "tmp"),
            "EXTERNAL_SERVICE_PORTS_START": str(ports_start),
            "EXTERNAL_SERVICE_PORTS_END": str(ports_start + 50),
            "DNS_ADDRESS": "0",
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            "DISABLE_EVENTS": "1",
        }
    )
    env.setdefault("SERVICES", DEFAULT_SERVICES)
    env.setdefault("LAMBDA_KEEPALIVE_MS", DEFAULT_KEEPALIVE_MS)
    return env


def start(port: int | None = None, *, timeout: float = 120.0, progress: Progress = say) -> str:
    """Start LocalStack on this port (or reuse the one running there) and return its endpoint.

    With LOCALSTACK_ENDPOINT set, check that endpoint and start nothing.
    """
    if external := os.environ.get("LOCALSTACK_ENDPOINT"):
        url = external.rstrip("/")
        if health(url, timeout=10) is None:
            raise LocalStackError(f"LOCALSTACK_ENDPOINT={url} does not answer /_localstack/health")
        progress(f"using LocalStack at {url} (LOCALSTACK_ENDPOINT)")
        return url
    port = port or default_port()
    url = endpoint(port)
    rec = _recorded(port)
    if rec and alive(rec.pid, rec.start_ticks):
        if health(url) is not None:
            progress(f"LocalStack already running on port {port} (pid {rec.pid})")
            return url
        raise LocalStackError(
            f"LocalStack (pid {rec.pid}) runs on port {port} but is not healthy; "
            f"`python -m emulation.lsctl stop --port {port}`. Log tail:\n{_log_tail(port)}"
        )
    if _port_in_use(port):
        raise LocalStackError(
            f"port {port} is in use by a process this project did not start; "
            "choose another with --port or LOCALSTACK_PORT"
        )
    if not is_installed():
        install(progress)
    base = run_dir(port)
    for sub in ("tmp", "fs"):
        shutil.rmtree(base / sub, ignore_errors=True)
    for sub in ("tmp", "fs", "cache"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    progress(f"starting LocalStack on port {port} (log: {log_file(port)})")
    started = time.monotonic()
    with log_file(port).open("w") as log:
        proc = subprocess.Popen(
            [str(layout.VENV_DIR / "bin" / "python"), "-m", "localstack.runtime.main"],
            cwd=base,
            env=_environment(port),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    ticks = start_ticks(proc.pid)
    _pid_file(port).write_text(
        json.dumps({"pid": proc.pid, "pgid": proc.pid, "port": port, "start_ticks": ticks})
    )
    deadline = started + timeout
    next_note = started + 5
    while True:
        if proc.poll() is not None:
            _pid_file(port).unlink(missing_ok=True)
            raise LocalStackError(
                f"LocalStack exited during start-up (exit {proc.returncode}); "
                f"log tail:\n{_log_tail(port)}"
            )
        if health(url, timeout=1) is not None:
            progress(f"LocalStack ready on {url} in {time.monotonic() - started:.1f} s")
            return url
        now = time.monotonic()
        if now > deadline:
            stop(port, progress=progress)
            raise LocalStackError(
                f"LocalStack did not become healthy within {timeout:.0f} s; "
                f"log tail:\n{_log_tail(port)}"
            )
        if now > next_note:
            progress(f"waiting for LocalStack ({now - started:.0f} s)")
            next_note = now + 5
        time.sleep(0.25)


def stop(port: int | None = None, *, grace: float = 10.0, progress: Progress = say) -> bool:
    """Stop the LocalStack this project started on this port, and every process it spawned.

    Returns False when nothing of ours was running there.
    """
    port = port or default_port()
    rec = _recorded(port)
    if rec is None:
        progress(f"no LocalStack of ours recorded on port {port}")
        return False
    if not alive(rec.pid, rec.start_ticks):
        _pid_file(port).unlink(missing_ok=True)
        progress(f"LocalStack on port {port} was not running (stale pid file removed)")
        return False
    # Lambda environments run in process groups of their own: remember them before stopping
    spawned = [(p, start_ticks(p)) for p in descendants(rec.pid)]
    progress(f"stopping LocalStack on port {port} (pid {rec.pid})")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(rec.pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while alive(rec.pid, rec.start_ticks) and time.monotonic() < deadline:
        time.sleep(0.1)
    if alive(rec.pid, rec.start_ticks):
        progress(f"LocalStack did not stop within {grace:.0f} s: killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(rec.pgid, signal.SIGKILL)
    for pid, ticks in spawned:
        if ticks is not None and alive(pid, ticks):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(rec.pid, os.WNOHANG)
    _pid_file(port).unlink(missing_ok=True)
    progress("stopped")
    return True


def status(port: int | None = None) -> dict[str, Any]:
    """What runs on this port: pid, health, RSS of the process tree."""
    port = port or default_port()
    if external := os.environ.get("LOCALSTACK_ENDPOINT"):
        doc = health(external.rstrip("/"))
        return {"endpoint": external, "external": True, "healthy": doc is not None}
    rec = _recorded(port)
    running = bool(rec and alive(rec.pid, rec.start_ticks))
    doc = health(endpoint(port)) if running else None
    return {
        "endpoint": endpoint(port),
        "port": port,
        "running": running,
        "pid": rec.pid if running and rec else None,
        "healthy": doc is not None,
        "version": (doc or {}).get("version"),
        "rss_mib": round(localstack_rss_bytes(port) / 2**20, 1) if running else None,
        "lambda_environments": len(descendants(rec.pid)) if running and rec else 0,
        "installed": is_installed(),
        "log": str(log_file(port)),
    }


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulation.lsctl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("install", help="install LocalStack and the Lambda runtimes (idempotent)")
    for name, text in (
        ("start", "start LocalStack (or reuse the running one) and wait until healthy"),
        ("stop", "stop the LocalStack started on this port and everything it spawned"),
        ("status", "print the state of LocalStack on this port as JSON"),
        ("endpoint", "print the endpoint URL"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--port", type=int, default=None, help="default: LOCALSTACK_PORT or 4566")
        if name == "start":
            cmd.add_argument("--timeout", type=float, default=120.0, help="seconds to wait")
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            install()
        elif args.command == "start":
            print(start(args.port, timeout=args.timeout))
        elif args.command == "stop":
            stop(args.port)
        elif args.command == "status":
            print(json.dumps(status(args.port), indent=2))
        elif args.command == "endpoint":
            print(endpoint(args.port))
    except LocalStackError as e:
        say(f"error: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
