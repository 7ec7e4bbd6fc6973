"""The data run of `make bench`: s3_digest over many S3 objects on LocalStack, in objects/s.

Uploads the objects in parallel, digests them through the deployed stack, checks the
manifest exactly against a local computation and prints upload and run rates and the
stage breakdown. Reports; never asserts a time.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.stack import DATA_BUCKET, Stack, format_stages, run_execution

DATA_LOCATION = f"s3://{DATA_BUCKET}/"
DEFAULT_OBJECTS = 10_000


def make_objects(count: int, seed: int = 7) -> dict[str, bytes]:
    """``count`` small objects (0-1 KiB, text and binary, some without a last newline)."""
    rng = random.Random(seed)
    pieces = [b"data ", b"row\n", b"\n", b"\x00\x01\xfe"]
    return {
        f"objects/{n:07d}.bin": b"".join(rng.choice(pieces) for _ in range(rng.randrange(0, 200)))
        for n in range(count)
    }


def expected_manifest(objects: dict[str, bytes]) -> str:
    return "".join(
        json.dumps(
            {
                "key": key,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "lines": len(io.BytesIO(data).readlines()),
            }
        )
        + "\n"
        for key, data in sorted(objects.items())
    )


def _empty_bucket(s3: Any) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=DATA_BUCKET):
        batch = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if batch:
            s3.delete_objects(Bucket=DATA_BUCKET, Delete={"Objects": batch, "Quiet": True})


def bench_data(stack: Stack, count: int) -> dict[str, Any]:
    print(f"\n== Data: s3_digest over {count} objects on LocalStack ==", flush=True)
    objects = make_objects(count)
    s3 = stack.s3
    s3.create_bucket(Bucket=DATA_BUCKET)
    try:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=32) as pool:
            list(
                pool.map(
                    lambda kv: s3.put_object(Bucket=DATA_BUCKET, Key=kv[0], Body=kv[1]),
                    objects.items(),
                )
            )
        upload_s = time.perf_counter() - t0
        print(f"  upload (32 threads): {upload_s:.1f} s, {count / upload_s:.0f} objects/s")
        run = run_execution(
            stack,
            {"workload": "s3_digest", "items": {"s3_prefix": f"{DATA_LOCATION}objects/"}},
            "data",
        )
        key = run.output["result_s3_uri"].removeprefix(f"s3://{stack.bucket}/")
        manifest = s3.get_object(Bucket=stack.bucket, Key=key)["Body"].read().decode()
        if manifest != expected_manifest(objects):
            raise SystemExit("data run: the manifest differs from the local computation")
        print(
            f"  run: {run.wall_s:.1f} s wall, {count / run.wall_s:.0f} objects/s, "
            f"{run.output['chunk_count']} chunks, manifest exact; "
            f"stages: {format_stages(run.stages_s)}",
            flush=True,
        )
        return {
            "objects": count,
            "chunks": run.output["chunk_count"],
            "upload_s": upload_s,
            "wall_s": run.wall_s,
            "objects_per_s": count / run.wall_s,
            "stages_s": run.stages_s,
            "exact": True,
        }
    finally:
        _empty_bucket(s3)
        s3.delete_bucket(Bucket=DATA_BUCKET)
