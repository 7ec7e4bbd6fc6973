"""Step Functions fidelity patches for LocalStack, applied when its infrastructure starts.

LocalStack's Step Functions interpreter differs from AWS where the pipeline depends on it:
ResultWriter writes an empty manifest and no result files, a failing Distributed Map child
becomes ``null`` while the map succeeds, ToleratedFailure* has no effect, an integer
``ToleratedFailurePercentage`` and EXPRESS child executions are refused, and the interpreter
rebuilds a JSONPath parser for
every path and a boto client (with an STS call) for every task. DescribeStateMachine omits
``tracingConfiguration`` and ListExecutions by ``mapRunArn`` fails (see ``sfn_api_fixes``), and
a Lambda error payload without ``errorType`` becomes ``Exception`` instead of
``Lambda.Unknown`` (``sfn_lambda_errors``), and RedriveExecution is missing (``sfn_redrive``).
Each patch below closes one gap.

``FANOUT_SFN_PATCHES`` selects them: unset or ``all`` applies every patch, ``none`` applies
none, otherwise a comma list of patch names (see ``PATCHES``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from localstack.runtime import hooks

LOG = logging.getLogger(__name__)

ENV_VAR = "FANOUT_SFN_PATCHES"


def _apply_result_writer() -> None:
    from localstack_fanout_ext import sfn_map_run

    sfn_map_run.apply(result_writer=True)


def _apply_map_failures() -> None:
    from localstack_fanout_ext import sfn_map_run

    sfn_map_run.apply(map_failures=True)


def _apply_int_tolerated_percentage() -> None:
    from localstack_fanout_ext import sfn_definition

    sfn_definition.apply("int_tolerated_percentage")


def _apply_express_children() -> None:
    from localstack_fanout_ext import sfn_definition, sfn_map_run

    sfn_definition.apply("express_children")
    sfn_map_run.apply()


def _apply_jsonpath_cache() -> None:
    from localstack_fanout_ext import sfn_perf

    sfn_perf.apply_jsonpath_cache()


def _apply_boto_client_cache() -> None:
    from localstack_fanout_ext import sfn_perf

    sfn_perf.apply_boto_client_cache()


def _apply_tracing_configuration() -> None:
    from localstack_fanout_ext import sfn_api_fixes

    sfn_api_fixes.apply("tracing_configuration")


def _apply_list_map_run_executions() -> None:
    from localstack_fanout_ext import sfn_api_fixes

    sfn_api_fixes.apply("list_map_run_executions")


def _apply_lambda_unknown() -> None:
    from localstack_fanout_ext import sfn_lambda_errors

    sfn_lambda_errors.apply()


def _apply_redrive() -> None:
    from localstack_fanout_ext import sfn_redrive

    sfn_redrive.apply()


PATCHES: dict[str, Callable[[], None]] = {
    "result_writer": _apply_result_writer,
    "map_failures": _apply_map_failures,
    "int_tolerated_percentage": _apply_int_tolerated_percentage,
    "express_children": _apply_express_children,
    "jsonpath_cache": _apply_jsonpath_cache,
    "boto_client_cache": _apply_boto_client_cache,
    "tracing_configuration": _apply_tracing_configuration,
    "list_map_run_executions": _apply_list_map_run_executions,
    "lambda_unknown": _apply_lambda_unknown,
    "redrive": _apply_redrive,
}

_applied: list[str] = []


def selected_patches(value: str | None) -> list[str]:
    """The patch names a ``FANOUT_SFN_PATCHES`` value selects, in application order."""
    text = (value or "all").strip()
    if text.lower() == "all":
        return list(PATCHES)
    if text.lower() in ("", "none"):
        return []
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in PATCHES]
    if unknown:
        raise ValueError(
            f"{ENV_VAR} names unknown patches {unknown}; known: {sorted(PATCHES)}, 'all', 'none'"
        )
    return [name for name in PATCHES if name in names]


@hooks.on_infra_start(name="fanout_sfn_patches")
def apply_sfn_patches() -> None:
    """LocalStack ``on_infra_start`` hook: patch the Step Functions interpreter."""
    names = selected_patches(os.environ.get(ENV_VAR))
    for name in names:
        if name in _applied:
            continue
        PATCHES[name]()
        _applied.append(name)
    skipped = [name for name in PATCHES if name not in _applied]
    LOG.info(
        "fanout Step Functions patches applied: %s; not applied: %s (%s=%r)",
        ", ".join(_applied) or "none",
        ", ".join(skipped) or "none",
        ENV_VAR,
        os.environ.get(ENV_VAR, "all"),
    )
