"""Dollars: what a run's usage costs at list prices (``fanout_cli.prices``).

Each service is one entry of ``cost_usd``; the text report labels them from
``LABELS``, so a new priced service is one entry in each.
"""

from __future__ import annotations

from fanout_cli import prices
from fanout_cli.estimate.counts import Requests, Times

LABELS = {
    "step_functions": "Step Functions",
    "lambda": "Lambda",
    "s3_requests": "S3 requests",
    "batch": "AWS Batch (Fargate)",
    "total": "total",
}


def cost_usd(usage: Requests, t: Times, batch_usd: float | None = None) -> dict[str, float]:
    """Dollars per service, and their ``total`` (``batch_usd``: the Batch jobs, when any)."""
    lines = {
        "step_functions": (
            usage.state_transitions * prices.SFN_STANDARD_PER_TRANSITION
            + usage.express_requests * prices.SFN_EXPRESS_PER_REQUEST
            + usage.express_gb_seconds * prices.SFN_EXPRESS_PER_GB_SECOND
        ),
        "lambda": (
            usage.lambda_invocations["total"] * prices.LAMBDA_PER_REQUEST
            + t.lambda_gb_seconds * prices.LAMBDA_PER_GB_SECOND
        ),
        "s3_requests": (
            usage.s3_puts["total"] * prices.S3_PER_PUT + usage.s3_gets["total"] * prices.S3_PER_GET
        ),
    }
    if batch_usd is not None:
        lines["batch"] = batch_usd
    total = 0.0
    for usd in lines.values():  # added in order, as a person adding the lines would
        total += usd
    return {**lines, "total": total}
