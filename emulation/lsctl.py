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
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PIN_DIR = REPO_ROOT / "emulation" / "localstack"
EXT_DIR = REPO_ROOT / "emulation" / "localstack_fanout_ext"
STATE_DIR = REPO_ROOT / ".localstack"
VENV_DIR = STATE_DIR / "venv"
RUNTIMES_DIR = STATE_DIR / "runtimes"
INSTALL_LOG = STATE_DIR / "install.log"

CONSTRAINTS = PIN_DIR / "constraints.txt"
REQUIREMENTS = PIN_DIR / "requirements.txt"
RUNTIME_REQUIREMENTS = PIN_DIR / "lambda-runtime-requirements.txt"
EXT_PYPROJECT = EXT_DIR / "pyproject.toml"

DEFAULT_PORT = 4566
# Python versions a Lambda runtime can be emulated with: runtime name -> interpreter version.
# python3.12 is required (the product's runtime); the others are made when the interpreter exists.
LAMBDA_RUNTIMES = {"python3.12": (3, 12), "python3.13": (3, 13)}
REQUIRED_RUNTIMES = ("python3.12",)
# The services the product uses; anything else is refused (faster start, smaller footprint).
DEFAULT_SERVICES = "s3,lambda,stepfunctions,iam,sts,logs,cloudwatch,xray"
DEFAULT_KEEPALIVE_MS = "120000"

Progress = Callable[[str], None]


class LocalStackError(RuntimeError):
    """LocalStack could not be installed, started or reached; the message says why."""


def _say(message: str) -> None:
    print(f"[lsctl] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- interpreters


def _python_version(python: Path | str) -> tuple[int, int] | None:
    """(major, minor) of a working interpreter, or None (pyenv shims of absent versions fail)."""
    try:
        out = subprocess.run(
            [str(python), "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
        return int(out[0]), int(out[1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def _pyenv_root() -> Path | None:
    if root := os.environ.get("PYENV_ROOT"):
        return Path(root)
    if pyenv := shutil.which("pyenv"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, timeout=30, check=True
            )
            return Path(out.stdout.strip())
    default = Path.home() / ".pyenv"
    return default if default.is_dir() else None


def find_python(version: tuple[int, int]) -> Path | None:
    """A working interpreter of exactly this major.minor: on PATH, else under pyenv."""
    name = f"python{version[0]}.{version[1]}"
    candidates: list[Path] = []
    if found := shutil.which(name):
        candidates.append(Path(found))
    if root := _pyenv_root():
        pattern = f"{version[0]}.{version[1]}*"
        candidates += sorted((root / "versions").glob(f"{pattern}/bin/python"), reverse=True)
    for candidate in candidates:
        if _python_version(candidate) == version:
            return candidate
    return None


def find_localstack_python() -> Path:
    """An interpreter LocalStack can run with; a clear error when there is none.

    3.13 first: localstack-core 2026.3.0 imports ``warnings.deprecated`` (new in 3.13) although
    it declares >= 3.10; on 3.12 the install adds a one-line shim for it (see COMPAT_PTH).
    """
    for version in ((3, 13), (3, 12)):
        if python := find_python(version):
            return python
    raise LocalStackError(
        "LocalStack needs Python 3.12 or 3.13, and neither python3.12 nor python3.13 works on "
        "PATH, nor under pyenv (versions/3.12*, versions/3.13*). Install one, for example "
        "`pyenv install 3.12` or your distribution's python3.12 and python3.12-venv packages."
    )


# --------------------------------------------------------------------------- install


def _stamp(*files: Path) -> str:
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def _run_logged(cmd: list[str], what: str) -> None:
    """Run a command, appending its output to the install log; on failure name what failed."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    with INSTALL_LOG.open("a") as log:
        log.write(f"\n$ {' '.join(cmd)}\n")
        log.flush()
        proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        tail = "\n".join(INSTALL_LOG.read_text(errors="replace").splitlines()[-15:])
        raise LocalStackError(
            f"{what} failed (exit {proc.returncode}); last lines of {INSTALL_LOG}:\n{tail}"
        )


def _ensure_venv(venv: Path, python: Path, progress: Progress) -> Path:
    venv_python = venv / "bin" / "python"
    version = _python_version(python)
    if venv_python.exists() and _python_version(venv_python) == version:
        return venv_python
    if venv.exists():
        progress(f"recreating {venv.relative_to(REPO_ROOT)} (interpreter changed or broken)")
        shutil.rmtree(venv)
    progress(f"creating {venv.relative_to(REPO_ROOT)} with {python}")
    _run_logged([str(python), "-m", "venv", str(venv)], f"creating the virtual env {venv}")
    return venv_python


def localstack_stamp() -> str:
    """Pins, extension metadata and the interpreter LocalStack should run with."""
    version = _python_version(find_localstack_python()) or (0, 0)
    return f"{_stamp(CONSTRAINTS, REQUIREMENTS, EXT_PYPROJECT)}-py{version[0]}.{version[1]}"


def runtime_stamp() -> str:
    return _stamp(RUNTIME_REQUIREMENTS)


def _stamp_matches(stamp_file: Path, stamp: str) -> bool:
    return stamp_file.exists() and stamp_file.read_text().strip() == stamp


def is_installed() -> bool:
    """LocalStack and the required Lambda runtimes are installed from the current pins."""
    if not _stamp_matches(VENV_DIR / ".fanout-stamp", localstack_stamp()):
        return False
    return all(
        _stamp_matches(RUNTIMES_DIR / name / ".fanout-stamp", runtime_stamp())
        for name in REQUIRED_RUNTIMES
    )


def install(progress: Progress = _say) -> Path:
    """Install or finish installing LocalStack and the Lambda runtimes; return its python.

    Reuses what is there while the pin files are unchanged.
    """
    stamp_file = VENV_DIR / ".fanout-stamp"
    stamp = localstack_stamp()
    if _stamp_matches(stamp_file, stamp) and (VENV_DIR / "bin" / "python").exists():
        progress(f"LocalStack venv up to date ({VENV_DIR.relative_to(REPO_ROOT)})")
        venv_python = VENV_DIR / "bin" / "python"
    else:
        python = find_localstack_python()
        venv_python = _ensure_venv(VENV_DIR, python, progress)
        progress("installing localstack-core with pinned dependencies (pip, may take minutes)")
        pip = [str(venv_python), "-m", "pip", "install", "--disable-pip-version-check"]
        _run_logged(
            [*pip, "-c", str(CONSTRAINTS), "-r", str(REQUIREMENTS)], "pip install localstack-core"
        )
        progress("installing the project's LocalStack extension (editable)")
        _run_logged([*pip, "-c", str(CONSTRAINTS), "-e", str(EXT_DIR)], "pip install extension")
        _write_compat_shim(venv_python)
        stamp_file.write_text(stamp + "\n")
    _install_runtimes(progress)
    progress("install complete")
    return venv_python


# localstack-core 2026.3.0 uses warnings.deprecated (Python 3.13); typing_extensions has the same.
COMPAT_PTH = (
    "import warnings; hasattr(warnings, 'deprecated') or "
    "setattr(warnings, 'deprecated', __import__('typing_extensions').deprecated)\n"
)


def _write_compat_shim(venv_python: Path) -> None:
    if _python_version(venv_python) != (3, 12):
        return
    site = subprocess.run(
        [str(venv_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "fanout_py312_compat.pth").write_text(COMPAT_PTH)


def _install_runtimes(progress: Progress) -> None:
    stamp = runtime_stamp()
    for name, version in LAMBDA_RUNTIMES.items():
        venv = RUNTIMES_DIR / name
        stamp_file = venv / ".fanout-stamp"
        if _stamp_matches(stamp_file, stamp) and (venv / "bin" / "python").exists():
            progress(f"Lambda runtime {name} up to date")
            continue
        python = find_python(version)
        if python is None:
            if name in REQUIRED_RUNTIMES:
                raise LocalStackError(
                    f"the Lambda runtime {name} needs Python {version[0]}.{version[1]}: "
                    f"install it (for example `pyenv install {version[0]}.{version[1]}`)"
                )
            progress(f"Lambda runtime {name} skipped: no Python {version[0]}.{version[1]} here")
            continue
        venv_python = _ensure_venv(venv, python, progress)
        progress(f"installing Lambda runtime {name} (boto3 as the AWS runtime ships it)")
        _run_logged(
            [
                str(venv_python),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "-r",
                str(RUNTIME_REQUIREMENTS),
            ],
            f"pip install for the Lambda runtime {name}",
        )
        stamp_file.write_text(stamp + "\n")


# --------------------------------------------------------------------------- processes


def default_port() -> int:
    return int(os.environ.get("LOCALSTACK_PORT") or DEFAULT_PORT)


def run_dir(port: int) -> Path:
    return STATE_DIR / f"run-{port}"


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


def _start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks (tells a live process from a reused pid)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[19])


def _alive(pid: int, start_ticks: int) -> bool:
    return _start_ticks(pid) == start_ticks and not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] == "Z"


def _recorded(port: int) -> Recorded | None:
    try:
        data = json.loads(_pid_file(port).read_text())
        return Recorded(data["pid"], data["pgid"], data["port"], data["start_ticks"])
    except (OSError, ValueError, KeyError):
        return None


def descendants(pid: int) -> list[int]:
    """All live descendants of pid (children, grandchildren, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of one process (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (Lambda environments included)."""
    return sum(rss_bytes(p) for p in [pid, *descendants(pid)])


def localstack_rss_bytes(port: int | None = None) -> int:
    """RSS of the LocalStack started on this port and its Lambda environments (0 if none)."""
    rec = _recorded(port or default_port())
    if rec is None or not _alive(rec.pid, rec.start_ticks):
        return 0
    return tree_rss_bytes(rec.pid)


class PeakRss:
    """Samples a process tree's RSS in the background; ``peak`` is the largest total seen.

    with PeakRss(pid) as sampler: ...; print(sampler.peak)
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        import threading

        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_bytes(self.pid))


def localstack_pid(port: int | None = None) -> int | None:
    rec = _recorded(port or default_port())
    return rec.pid if rec and _alive(rec.pid, rec.start_ticks) else None


# --------------------------------------------------------------------------- health


def endpoint(port: int | None = None) -> str:
    """The endpoint tests should use: LOCALSTACK_ENDPOINT, else the local one on this port."""
    if external := os.environ.get("LOCALSTACK_ENDPOINT"):
        return external.rstrip("/")
    return f"http://127.0.0.1:{port or default_port()}"


def health(url: str, timeout: float = 2.0) -> dict | None:
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


def start(port: int | None = None, *, timeout: float = 120.0, progress: Progress = _say) -> str:
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
    if rec and _alive(rec.pid, rec.start_ticks):
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
            [str(VENV_DIR / "bin" / "python"), "-m", "localstack.runtime.main"],
            cwd=base,
            env=_environment(port),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    ticks = _start_ticks(proc.pid)
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


def stop(port: int | None = None, *, grace: float = 10.0, progress: Progress = _say) -> bool:
    """Stop the LocalStack this project started on this port, and every process it spawned.

    Returns False when nothing of ours was running there.
    """
    port = port or default_port()
    rec = _recorded(port)
    if rec is None:
        progress(f"no LocalStack of ours recorded on port {port}")
        return False
    if not _alive(rec.pid, rec.start_ticks):
        _pid_file(port).unlink(missing_ok=True)
        progress(f"LocalStack on port {port} was not running (stale pid file removed)")
        return False
    # Lambda environments run in process groups of their own: remember them before stopping
    spawned = [(p, _start_ticks(p)) for p in descendants(rec.pid)]
    progress(f"stopping LocalStack on port {port} (pid {rec.pid})")
    with contextlib.suppress(ProcessLookupError):
        os.killpg(rec.pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _alive(rec.pid, rec.start_ticks) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(rec.pid, rec.start_ticks):
        progress(f"LocalStack did not stop within {grace:.0f} s: killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(rec.pgid, signal.SIGKILL)
    for pid, ticks in spawned:
        if ticks is not None and _alive(pid, ticks):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(rec.pid, os.WNOHANG)
    _pid_file(port).unlink(missing_ok=True)
    progress("stopped")
    return True


def status(port: int | None = None) -> dict:
    """What runs on this port: pid, health, RSS of the process tree."""
    port = port or default_port()
    if external := os.environ.get("LOCALSTACK_ENDPOINT"):
        doc = health(external.rstrip("/"))
        return {"endpoint": external, "external": True, "healthy": doc is not None}
    rec = _recorded(port)
    running = bool(rec and _alive(rec.pid, rec.start_ticks))
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
        _say(f"error: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
