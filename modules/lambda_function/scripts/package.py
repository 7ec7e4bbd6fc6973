#!/usr/bin/env python3
"""Build a Lambda deployment zip, byte-identical for identical inputs.

Run by Terraform (a local-exec provisioner of ``terraform_data``) with its
inputs in environment variables, so no shell quoting is involved:

``PACKAGE_SOURCE_DIR``     folder whose ``*.py`` files (outside ``__pycache__``) go in the zip
``PACKAGE_OUTPUT``         the zip to write
``PACKAGE_REQUIREMENTS``   JSON list of pip requirements to add (may be ``[]``)
``PACKAGE_ARCHITECTURE``   Lambda architecture, ``x86_64`` or ``arm64``
``PACKAGE_PYTHON_VERSION`` Lambda Python version, e.g. ``3.12``

Requirements are installed as binary wheels for the Lambda platform
(manylinux2014, CPython of the runtime's version), never for this machine.
Entries are sorted and carry a fixed timestamp and mode, so the same sources
and requirements always give the same bytes. Older zips of the same function
(``<name>-<hash>.zip`` next to the output) are removed. Standard library only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
PLATFORMS = {"x86_64": "manylinux2014_x86_64", "arm64": "manylinux2014_aarch64"}
SKIP_DIRS = {"__pycache__"}
SKIP_SUFFIXES = {".pyc", ".pyo"}


class PackagingError(RuntimeError):
    """The inputs are wrong or pip could not provide a requirement."""


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise PackagingError(f"environment variable {name} is required")
    return value


def source_files(source_dir: Path) -> dict[str, Path]:
    """The function's own files: every *.py outside __pycache__, keyed by archive name."""
    files: dict[str, Path] = {}
    for path in source_dir.rglob("*.py"):
        rel = path.relative_to(source_dir)
        if SKIP_DIRS.intersection(rel.parts[:-1]) or not path.is_file():
            continue
        files[rel.as_posix()] = path
    return files


def dependency_files(target: Path) -> dict[str, Path]:
    """Everything pip installed, without bytecode caches."""
    files: dict[str, Path] = {}
    for path in target.rglob("*"):
        rel = path.relative_to(target)
        if not path.is_file() or SKIP_DIRS.intersection(rel.parts) or path.suffix in SKIP_SUFFIXES:
            continue
        files[rel.as_posix()] = path
    return files


def install_requirements(
    requirements: list[str], target: Path, architecture: str, python_version: str
) -> None:
    if architecture not in PLATFORMS:
        raise PackagingError(f"architecture must be one of {sorted(PLATFORMS)}, not {architecture}")
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--target",
        str(target),
        "--platform",
        PLATFORMS[architecture],
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        "--only-binary=:all:",
        *requirements,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise PackagingError(
            f"pip could not install {requirements} for {PLATFORMS[architecture]} / "
            f"CPython {python_version}:\n{proc.stderr.strip()}"
        )


def write_zip(output: Path, entries: dict[str, Path]) -> None:
    """Write entries sorted by name with fixed metadata, atomically."""
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            for name in sorted(entries):
                info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # Unix, so the mode below is honoured
                info.external_attr = (0o100000 | FILE_MODE) << 16
                archive.writestr(info, entries[name].read_bytes(), compresslevel=9)
        tmp.chmod(0o644)  # mkstemp creates 0600; the zip is ordinary build output
        tmp.replace(output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def prune_older(output: Path) -> None:
    """Remove zips of earlier builds of the same function (<name>-<hash>.zip)."""
    stem, _, _ = output.stem.rpartition("-")
    if not stem:
        return
    for old in output.parent.glob(f"{stem}-*.zip"):
        if old != output and old.stem.rpartition("-")[0] == stem:
            old.unlink(missing_ok=True)


def main() -> int:
    source_dir = Path(env("PACKAGE_SOURCE_DIR"))
    output = Path(env("PACKAGE_OUTPUT"))
    requirements = json.loads(os.environ.get("PACKAGE_REQUIREMENTS") or "[]")
    architecture = os.environ.get("PACKAGE_ARCHITECTURE", "x86_64")
    python_version = os.environ.get("PACKAGE_PYTHON_VERSION", "3.12")
    if not source_dir.is_dir():
        raise PackagingError(f"source folder {source_dir} does not exist")
    if not isinstance(requirements, list) or not all(isinstance(r, str) for r in requirements):
        raise PackagingError("PACKAGE_REQUIREMENTS must be a JSON list of strings")

    entries: dict[str, Path] = {}
    with tempfile.TemporaryDirectory(prefix="lambda-package-") as tmp:
        if requirements:
            target = Path(tmp) / "site"
            install_requirements(requirements, target, architecture, python_version)
            entries.update(dependency_files(target))
        # The function's own modules win over a dependency of the same name.
        entries.update(source_files(source_dir))
        write_zip(output, entries)
    prune_older(output)
    sys.stderr.write(f"packaged {len(entries)} files into {output}\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except PackagingError as exc:
        sys.stderr.write(f"error: {exc}\n")
        sys.exit(1)
