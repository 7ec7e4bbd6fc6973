"""``fanout``: start, follow, inspect and cost fan-out runs on AWS Step Functions.

This module assembles the parser from the commands in ``fanout_cli.commands`` and
turns what they raise into exit codes (``fanout_cli.exit_codes``).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from fanout_cli import __version__
from fanout_cli.commands import COMMANDS
from fanout_cli.exit_codes import (
    EPILOG,
    EXIT_AWS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
)
from fanout_cli.resolve import UsageError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fanout",
        description="Run, follow, fetch and estimate fan-out jobs on AWS Step Functions.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code, or the code of what it raised (``exit_codes``).

    Only a ``UsageError`` is the user's to fix (exit 2); argparse exits 2 by itself.
    Any other exception, a ``ValueError`` included, is an error in fanout: it is
    reported with its traceback, never as a usage error.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"fanout {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, ClientError | BotoCoreError):
            print(f"fanout {args.command}: AWS call failed: {exc}", file=sys.stderr)
            return EXIT_AWS
        traceback.print_exc()
        print(
            f"fanout {args.command}: internal error {type(exc).__name__}: {exc} "
            "(a bug in fanout; please report it with the traceback above)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
