"""Fakes for unit tests: an in-memory S3 client and a LambdaContext."""

from __future__ import annotations

import hashlib
import io
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError


def _error(code: str, message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def etag(data: bytes) -> str:
    """The ETag S3 gives an object uploaded in one part: its MD5 in quotes."""
    return f'"{hashlib.md5(data).hexdigest()}"'


class FakeS3:
    """The S3 calls the functions make (put_object, get_object with Range and IfMatch,
    list_objects_v2), kept in a dict. A bucket exists once something was put into it or
    it was created."""

    def __init__(self, page_size: int = 1000) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.puts: list[tuple[str, str]] = []
        self.buckets: set[str] = set()
        self.page_size = page_size

    def create_bucket(self, *, Bucket: str, **_: Any) -> dict[str, Any]:
        self.buckets.add(Bucket)
        return {}

    def put_object(self, *, Bucket: str, Key: str, Body: bytes | str, **_: Any) -> dict[str, Any]:
        data = Body.encode() if isinstance(Body, str) else bytes(Body)
        self.buckets.add(Bucket)
        self.objects[(Bucket, Key)] = data
        self.puts.append((Bucket, Key))
        return {"ETag": etag(data)}

    def get_object(
        self, *, Bucket: str, Key: str, Range: str | None = None, IfMatch: str | None = None
    ) -> dict[str, Any]:
        if Bucket not in self.buckets:
            raise _error("NoSuchBucket", f"no bucket {Bucket}", "GetObject")
        try:
            data = self.objects[(Bucket, Key)]
        except KeyError:
            raise _error("NoSuchKey", f"no object {Key}", "GetObject") from None
        if IfMatch is not None and IfMatch != etag(data):
            raise _error("PreconditionFailed", "At least one of the pre-conditions", "GetObject")
        if Range is not None:
            match = re.fullmatch(r"bytes=(\d+)-(\d+)", Range)
            if not match:
                raise ValueError(f"unsupported Range {Range!r}")
            data = data[int(match.group(1)) : int(match.group(2)) + 1]
        return {"Body": io.BytesIO(data), "ContentLength": len(data), "ETag": etag(data)}

    def list_objects_v2(
        self,
        *,
        Bucket: str,
        Prefix: str = "",
        ContinuationToken: str | None = None,
        **_: Any,
    ) -> dict[str, Any]:
        if Bucket not in self.buckets:
            raise _error("NoSuchBucket", f"no bucket {Bucket}", "ListObjectsV2")
        keys = sorted(
            (k for b, k in self.objects if b == Bucket and k.startswith(Prefix)),
            key=lambda k: k.encode(),
        )
        start = int(ContinuationToken or 0)
        page = keys[start : start + self.page_size]
        response: dict[str, Any] = {
            "Contents": [{"Key": k, "Size": len(self.objects[(Bucket, k)])} for k in page],
            "IsTruncated": start + self.page_size < len(keys),
            "KeyCount": len(page),
        }
        if response["IsTruncated"]:
            response["NextContinuationToken"] = str(start + self.page_size)
        return response

    def get_paginator(self, operation: str) -> Any:
        if operation != "list_objects_v2":
            raise NotImplementedError(operation)
        return self

    def paginate(self, *, Bucket: str, Prefix: str = "", **_: Any) -> list[dict[str, Any]]:
        """list_objects_v2 pages: one page holding every key under the prefix."""
        return [{"Contents": [{"Key": key} for key in self.keys(Bucket, Prefix)]}]

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        return sorted(k for b, k in self.objects if b == bucket and k.startswith(prefix))

    def text(self, bucket: str, key: str) -> str:
        return self.objects[(bucket, key)].decode()


@dataclass
class FakeLambdaContext:
    function_name: str = "fanout-test"
    memory_limit_in_mb: int = 1769
    remaining_ms: int = 900_000
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:fanout-test"
    log_group_name: str = "/aws/lambda/fanout-test"
    log_stream_name: str = "test"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms
