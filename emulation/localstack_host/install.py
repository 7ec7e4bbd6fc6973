"""Installing LocalStack and the Lambda runtimes into ``.localstack/``, from the pins.

Each virtual env carries a stamp of the pin files it was made from; an unchanged
stamp means nothing to do.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

from emulation.localstack_host.layout import (
    CONSTRAINTS,
    EXT_DIR,
    EXT_PYPROJECT,
    INSTALL_LOG,
    REPO_ROOT,
    REQUIREMENTS,
    RUNTIME_REQUIREMENTS,
    RUNTIMES_DIR,
    STATE_DIR,
    VENV_DIR,
    LocalStackError,
    Progress,
    say,
)
from emulation.localstack_host.pythons import find_localstack_python, find_python, python_version

# Python versions a Lambda runtime can be emulated with: runtime name -> interpreter version.
# python3.12 is required (the product's runtime); the others are made when the interpreter exists.
LAMBDA_RUNTIMES = {"python3.12": (3, 12), "python3.13": (3, 13)}
REQUIRED_RUNTIMES = ("python3.12",)
STAMP_NAME = ".fanout-stamp"

# localstack-core 2026.3.0 uses warnings.deprecated (Python 3.13); typing_extensions has the same.
COMPAT_PTH = (
    "import warnings; hasattr(warnings, 'deprecated') or "
    "setattr(warnings, 'deprecated', __import__('typing_extensions').deprecated)\n"
)


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
    version = python_version(python)
    if venv_python.exists() and python_version(venv_python) == version:
        return venv_python
    if venv.exists():
        progress(f"recreating {venv.relative_to(REPO_ROOT)} (interpreter changed or broken)")
        shutil.rmtree(venv)
    progress(f"creating {venv.relative_to(REPO_ROOT)} with {python}")
    _run_logged([str(python), "-m", "venv", str(venv)], f"creating the virtual env {venv}")
    return venv_python


def localstack_stamp() -> str:
    """Pins, extension metadata and the interpreter LocalStack should run with."""
    version = python_version(find_localstack_python()) or (0, 0)
    return f"{_stamp(CONSTRAINTS, REQUIREMENTS, EXT_PYPROJECT)}-py{version[0]}.{version[1]}"


def runtime_stamp() -> str:
    return _stamp(RUNTIME_REQUIREMENTS)


def _up_to_date(venv: Path, stamp: str) -> bool:
    """The virtual env exists and was made from pins with this stamp."""
    stamp_file = venv / STAMP_NAME
    return (
        stamp_file.exists()
        and stamp_file.read_text().strip() == stamp
        and (venv / "bin" / "python").exists()
    )


def is_installed() -> bool:
    """LocalStack and the required Lambda runtimes are installed from the current pins."""
    if not _up_to_date(VENV_DIR, localstack_stamp()):
        return False
    stamp = runtime_stamp()
    return all(_up_to_date(RUNTIMES_DIR / name, stamp) for name in REQUIRED_RUNTIMES)


def install(progress: Progress = say) -> Path:
    """Install or finish installing LocalStack and the Lambda runtimes; return its python.

    Reuses what is there while the pin files are unchanged.
    """
    stamp = localstack_stamp()
    venv_python = VENV_DIR / "bin" / "python"
    if _up_to_date(VENV_DIR, stamp):
        progress(f"LocalStack venv up to date ({VENV_DIR.relative_to(REPO_ROOT)})")
    else:
        venv_python = _ensure_venv(VENV_DIR, find_localstack_python(), progress)
        progress("installing localstack-core with pinned dependencies (pip, may take minutes)")
        pip = [str(venv_python), "-m", "pip", "install", "--disable-pip-version-check"]
        _run_logged(
            [*pip, "-c", str(CONSTRAINTS), "-r", str(REQUIREMENTS)], "pip install localstack-core"
        )
        progress("installing the project's LocalStack extension (editable)")
        _run_logged([*pip, "-c", str(CONSTRAINTS), "-e", str(EXT_DIR)], "pip install extension")
        _write_compat_shim(venv_python)
        (VENV_DIR / STAMP_NAME).write_text(stamp + "\n")
    _install_runtimes(progress)
    progress("install complete")
    return venv_python


def _write_compat_shim(venv_python: Path) -> None:
    if python_version(venv_python) != (3, 12):
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
        if _up_to_date(venv, stamp):
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
        (venv / STAMP_NAME).write_text(stamp + "\n")
