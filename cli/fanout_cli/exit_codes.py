"""The exit codes of ``fanout``, stated once; the help text is derived from them."""

from __future__ import annotations

import textwrap

EXIT_OK = 0
EXIT_FAILED = 1  # the execution failed, timed out or was aborted; or the result check failed
EXIT_USAGE = 2  # bad arguments or missing configuration (argparse uses 2 as well)
EXIT_STILL_RUNNING = 3  # --timeout reached; the execution goes on
EXIT_AWS = 4  # an AWS call failed
EXIT_INTERNAL = 70  # a bug in fanout itself (sysexits.h EX_SOFTWARE); a traceback follows
EXIT_INTERRUPTED = 130

MEANINGS = {
    EXIT_OK: "success",
    EXIT_FAILED: "the execution failed (or a result did not match its summary)",
    EXIT_USAGE: "usage or configuration error",
    EXIT_STILL_RUNNING: "--timeout reached while the execution still runs",
    EXIT_AWS: "an AWS call failed",
    EXIT_INTERNAL: "an error in fanout itself (please report it with the traceback)",
    EXIT_INTERRUPTED: "interrupted",
}

EPILOG = (
    textwrap.fill(
        "exit codes: " + "; ".join(f"{code} {text}" for code, text in MEANINGS.items()) + ".",
        width=72,
    )
    + """

AWS settings come from the usual places (AWS_PROFILE, AWS_REGION, ~/.aws);
AWS_ENDPOINT_URL (or --endpoint-url) points the tool at another endpoint,
such as LocalStack.
"""
)
