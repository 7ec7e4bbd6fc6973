"""Interpreter hot spots: JSONPath parsers and boto clients built again for every use.

* ``jsonpath_ng`` builds a PLY parser for every ``parse()`` call; LocalStack calls it for every
  path evaluation. Parsed expressions are immutable (``find`` and ``update_or_create`` change
  the data, never the expression), so one per expression text is cached.
* ``boto_client_for`` assumes the state machine's role through STS and builds a new client for
  every Task state. Clients are cached per (service, region, role ARN) -- the role ARN carries
  the account -- for a bounded time, well inside the assumed credentials' lifetime.
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from typing import Any

SFN_PACKAGE = "localstack.services.stepfunctions"
JSONPATH_CACHE_SIZE = 4096
CLIENT_TTL_SECONDS = 600.0


def _rebind(module_prefix: str, name: str, original: Any, replacement: Any) -> int:
    """Point every loaded module under ``module_prefix`` that imported ``original`` at the
    replacement. Modules imported later take the patched attribute from its home module."""
    count = 0
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(module_prefix):
            continue
        if getattr(module, name, None) is original:
            setattr(module, name, replacement)
            count += 1
    return count


def apply_jsonpath_cache() -> None:
    import jsonpath_ng
    import jsonpath_ng.ext
    from localstack.services.stepfunctions.asl.component.common.path import result_path
    from localstack.services.stepfunctions.asl.utils import json_path

    ext_parse = jsonpath_ng.ext.parse
    plain_parse = jsonpath_ng.parse

    cached_ext_parse = functools.lru_cache(maxsize=JSONPATH_CACHE_SIZE)(ext_parse)
    cached_plain_parse = functools.lru_cache(maxsize=JSONPATH_CACHE_SIZE)(plain_parse)

    # The interpreter's own two call sites: extract_json (jsonpath_ng.ext) and ResultPath
    # (jsonpath_ng).
    json_path.parse = cached_ext_parse
    result_path.parse = cached_plain_parse


class _ClientCache:
    def __init__(self, build: Any, ttl: float) -> None:
        self._build = build
        self._ttl = ttl
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str, str], tuple[float, Any]] = {}
        self._building: dict[tuple[str, str, str], threading.Lock] = {}

    def get(self, service: str, region: str, state_credentials: Any) -> Any:
        key = (service, region, state_credentials.role_arn)
        now = time.monotonic()
        with self._lock:
            entry = self._clients.get(key)
            if entry is not None and now - entry[0] < self._ttl:
                return entry[1]
            key_lock = self._building.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                entry = self._clients.get(key)
                if entry is not None and time.monotonic() - entry[0] < self._ttl:
                    return entry[1]
            client = self._build(
                service=service, region=region, state_credentials=state_credentials
            )
            with self._lock:
                self._clients[key] = (time.monotonic(), client)
            return client


def apply_boto_client_cache() -> None:
    from localstack.services.stepfunctions.asl.utils import boto_client

    original = boto_client.boto_client_for
    cache = _ClientCache(original, CLIENT_TTL_SECONDS)

    @functools.wraps(original)
    def boto_client_for(service: str, region: str, state_credentials: Any) -> Any:
        return cache.get(service, region, state_credentials)

    boto_client.boto_client_for = boto_client_for
    _rebind(SFN_PACKAGE, "boto_client_for", original, boto_client_for)
