"""The ``fanout`` commands, one module each.

A command module has ``add_parser(sub)``, which adds its arguments and sets
``func`` to its command function (arguments in, exit code out). Adding a command
is a new module here and one entry in ``COMMANDS``.
"""

from __future__ import annotations

from typing import Protocol

from fanout_cli.commands import estimate, redrive, result, run, status, sweep
from fanout_cli.options import Subparsers


class Command(Protocol):
    """What ``main`` needs of a command module."""

    def add_parser(self, sub: Subparsers) -> None: ...


COMMANDS: tuple[Command, ...] = (run, sweep, status, result, redrive, estimate)
