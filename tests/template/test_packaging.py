"""The Lambda packaging script Terraform runs builds reproducible, clean zips."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.template

SCRIPT = Path(__file__).resolve().parents[2] / "modules/lambda_function/scripts/package.py"


def package(source: Path, output: Path, requirements: list[str] | None = None) -> None:
    env = dict(os.environ)
    env.update(
        PACKAGE_SOURCE_DIR=str(source),
        PACKAGE_OUTPUT=str(output),
        PACKAGE_REQUIREMENTS=json.dumps(requirements or []),
        PACKAGE_ARCHITECTURE="x86_64",
        PACKAGE_PYTHON_VERSION="3.12",
    )
    proc = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr


@pytest.fixture
def source(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "pkg" / "__pycache__").mkdir(parents=True)
    (src / "handler.py").write_text("def handler(event, context):\n    return 1\n")
    (src / "pkg" / "__init__.py").write_text("")
    (src / "pkg" / "mod.py").write_text("X = 1\n")
    (src / "pkg" / "__pycache__" / "mod.cpython-312.pyc").write_bytes(b"\x00cache")
    (src / "notes.txt").write_text("not python")
    return src


def test_zip_holds_sorted_python_sources_with_fixed_metadata(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "build" / "fn-1111.zip"
    package(source, out)
    with zipfile.ZipFile(out) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["handler.py", "pkg/__init__.py", "pkg/mod.py"]
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o100644}
        assert archive.read("pkg/mod.py") == b"X = 1\n"
    assert out.stat().st_mode & 0o777 == 0o644


def test_identical_sources_give_identical_bytes(source: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "fn-1111.zip", tmp_path / "b" / "fn-1111.zip"
    package(source, first)
    os.utime(source / "handler.py", (1_700_000_000, 1_700_000_000))  # only the mtime changes
    package(source, second)
    assert first.read_bytes() == second.read_bytes()


def test_changed_source_gives_different_bytes(source: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "fn-1111.zip", tmp_path / "b" / "fn-1111.zip"
    package(source, first)
    (source / "pkg" / "mod.py").write_text("X = 2\n")
    package(source, second)
    assert first.read_bytes() != second.read_bytes()


def test_older_zips_of_the_same_function_are_removed(source: Path, tmp_path: Path) -> None:
    build = tmp_path / "build"
    build.mkdir()
    (build / "fn-0000.zip").write_bytes(b"old")
    (build / "fn-extra-0000.zip").write_bytes(b"another function")
    package(source, build / "fn-1111.zip")
    assert sorted(p.name for p in build.iterdir()) == ["fn-1111.zip", "fn-extra-0000.zip"]


def test_missing_source_folder_is_an_error(tmp_path: Path) -> None:
    env = dict(os.environ, PACKAGE_SOURCE_DIR=str(tmp_path / "nope"), PACKAGE_OUTPUT="x.zip")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1
    assert "does not exist" in proc.stderr
