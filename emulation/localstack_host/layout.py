"""Where the LocalStack installation lives, the pins it is made from, and its error."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
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

Progress = Callable[[str], None]


class LocalStackError(RuntimeError):
    """LocalStack could not be installed, started or reached; the message says why."""


def say(message: str) -> None:
    """The default progress reporter: one line on stderr."""
    print(f"[lsctl] {message}", file=sys.stderr, flush=True)
