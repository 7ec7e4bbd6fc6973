"""Finding the Python interpreters LocalStack and the Lambda runtimes run with."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from pathlib import Path

from emulation.localstack_host.layout import LocalStackError


def python_version(python: Path | str) -> tuple[int, int] | None:
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
        if python_version(candidate) == version:
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
