"""Fakes for unit tests: an in-memory S3 client and a LambdaContext."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError


class FakeS3:
    """The S3 calls the functions make (put_object, get_object), kept in a dict."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.puts: list[tuple[str, str]] = []

    def put_object(self, *, Bucket: str, Key: str, Body: bytes | str, **_: Any) -> dict[str, Any]:
        data = Body.encode() if isinstance(Body, str) else bytes(Body)
        self.objects[(Bucket, Key)] = data
        self.puts.append((Bucket, Key))
        return {"ETag": '"fake"'}

    def get_object(self, *, Bucket: str, Key: str, **_: Any) -> dict[str, Any]:
        try:
            data = self.objects[(Bucket, Key)]
        except KeyError:
            raise ClientError(
                {"Error": {"Code": "NoSuchKey", "Message": f"no object {Key}"}}, "GetObject"
            ) from None
        return {"Body": io.BytesIO(data), "ContentLength": len(data)}

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
