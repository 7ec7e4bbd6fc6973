"""The ``fanout`` commands, one module each.

A command module has ``add_parser(sub)``, which adds its arguments and sets
``func`` to its command function (arguments in, exit code out). Adding a command
is a new module here and one entry in ``COMMANDS``.
"""

from __future__ import annotations

from types import ModuleType

from fanout_cli.commands import estimate, result, run, status

COMMANDS: tuple[ModuleType, ...] = (run, status, result, estimate)
