"""The sweep figure of `make bench`: one sweep of several utf8_count jobs on LocalStack.

Prints the sweep's wall time, jobs/s, items/s, each job's own execution time and the
parallelism they reached (sum of job times over the sweep's wall time). Every job's total
is checked exactly against the closed form; a wrong total is an error.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from typing import Any

from fanout import bigint
from oracle.utf8_count import total

DEFAULT_JOB_SIZES = (1024, 2048, 3072, 4096, 5120)


def _job_seconds(sfn: Any, execution_arn: str) -> float:
    desc = sfn.describe_execution(executionArn=execution_arn)
    return float((desc["stopDate"] - desc["startDate"]).total_seconds())


def bench_sweep(
    sfn: Any, s3: Any, outputs: dict[str, Any], sizes: tuple[int, ...]
) -> dict[str, Any]:
    print(f"\n== Sweep of {len(sizes)} jobs on LocalStack (sizes {', '.join(map(str, sizes))}) ==")
    arn, bucket = str(outputs["sweep_state_machine_arn"]), str(outputs["results_bucket_name"])
    name = f"bench-sweep-{uuid.uuid4().hex[:8]}"
    started = time.perf_counter()
    execution_arn = sfn.start_execution(
        stateMachineArn=arn, name=name, input=json.dumps({"jobs": [{"size": n} for n in sizes]})
    )["executionArn"]
    while (desc := sfn.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
        time.sleep(0.25)
    wall = time.perf_counter() - started
    if desc["status"] != "SUCCEEDED":
        raise SystemExit(f"sweep: {desc['status']}: {desc.get('error')} {desc.get('cause')}")
    body = s3.get_object(Bucket=bucket, Key=f"runs/{name}/sweep_report.jsonl")["Body"].read()
    lines = [json.loads(line) for line in body.decode().splitlines()]
    job_s = []
    for size, line in zip(sizes, lines, strict=True):
        expected = bigint.to_decimal(total(size))
        if line["summary"]["sha256"] != hashlib.sha256(expected.encode()).hexdigest():
            raise SystemExit(
                f"sweep job {line['job']} (size {size}): total differs from the closed form"
            )
        job_s.append(_job_seconds(sfn, line["execution_arn"]))
    row = {
        "jobs": len(sizes),
        "sizes": list(sizes),
        "wall_s": wall,
        "jobs_per_s": len(sizes) / wall,
        "items_per_s": sum(sizes) / wall,
        "job_s": job_s,
        "parallelism": sum(job_s) / wall,
        "exact": True,
    }
    print(
        f"  {len(sizes)} jobs: {wall:.1f} s wall, {row['jobs_per_s']:.2f} jobs/s, "
        f"{row['items_per_s']:.0f} items/s, every total exact; job times "
        f"{', '.join(f'{s:.1f}' for s in job_s)} s (parallelism {row['parallelism']:.1f})",
        flush=True,
    )
    return row
