"""Where the time of a large run goes, beyond the stage breakdown: the same work the
functions did, repeated in this process on the run's own data.

* S3: the run's partials read back from LocalStack, one at a time and 8 at a time (as the
  reducer reads them);
* reducer arithmetic: JSON parsing and hex to integer, the exact sum, decimal conversion,
  sha256;
* compute: the heaviest chunk (the last) by the fast kernel, and its hex.

What the stages took beyond these is the framework's and the emulator's own cost.
"""

from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.stack import Stack
from fanout import bigint
from fanout.steps import PARTIAL_READ_THREADS
from fanout.workloads import utf8_count


def _read(stack: Stack, key: str) -> bytes:
    return bytes(stack.s3.get_object(Bucket=stack.bucket, Key=key)["Body"].read())


def breakdown(stack: Stack, execution_name: str, size: int) -> dict[str, Any]:
    print(f"\n== Where the time goes: size {size} ({execution_name}) ==", flush=True)
    prefix = f"runs/{execution_name}/partials/"
    keys = [
        obj["Key"]
        for page in stack.s3.get_paginator("list_objects_v2").paginate(
            Bucket=stack.bucket, Prefix=prefix
        )
        for obj in page.get("Contents", [])
    ]
    figures: dict[str, Any] = {"size": size, "partials_in_s3": len(keys)}

    t0 = time.perf_counter()
    bodies = [_read(stack, key) for key in keys]
    figures["s3_read_sequential_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with ThreadPoolExecutor(PARTIAL_READ_THREADS) as pool:
        list(pool.map(lambda key: _read(stack, key), keys))
    figures["s3_read_threads_s"] = time.perf_counter() - t0
    figures["partial_mb"] = sum(map(len, bodies)) / 1e6

    t0 = time.perf_counter()
    values = [bigint.from_hex(json.loads(body)["value"]) for body in bodies]
    figures["parse_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = sum(values, bigint.mpz(0))
    figures["sum_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    text = bigint.to_decimal(result)
    figures["decimal_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    hashlib.sha256(text.encode()).hexdigest()
    figures["sha256_s"] = time.perf_counter() - t0

    last = json.loads(_read(stack, f"runs/{execution_name}/chunks.json"))[-1]
    start, stop = last["start"], last["stop"]
    t0 = time.perf_counter()
    partial = utf8_count.chunk_sum_fast(start, stop)
    figures["last_chunk_kernel_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    bigint.to_hex(partial)
    figures["last_chunk_hex_s"] = time.perf_counter() - t0

    print(
        f"  S3 read of {len(keys)} partials ({figures['partial_mb']:.1f} MB): "
        f"{figures['s3_read_sequential_s']:.2f} s one at a time, "
        f"{figures['s3_read_threads_s']:.2f} s {PARTIAL_READ_THREADS} at a time\n"
        f"  reducer arithmetic: parse {figures['parse_s']:.2f} s, sum {figures['sum_s']:.3f} s, "
        f"decimal {figures['decimal_s']:.2f} s, sha256 {figures['sha256_s']:.3f} s\n"
        f"  heaviest chunk [{start}, {stop}): kernel {figures['last_chunk_kernel_s']:.2f} s, "
        f"hex {figures['last_chunk_hex_s']:.3f} s (backend {bigint.backend()})",
        flush=True,
    )
    return figures
