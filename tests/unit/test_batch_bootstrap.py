"""The Batch job's bootstrap (modules/batch_backend/scripts/bootstrap.py) signs its S3 request
exactly as the AWS SDK does: LocalStack does not check signatures, so only this test can."""

from __future__ import annotations

import datetime
import importlib.util
from pathlib import Path
from types import ModuleType

import botocore.auth
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

pytestmark = pytest.mark.unit

BOOTSTRAP = Path(__file__).resolve().parents[2] / "modules/batch_backend/scripts/bootstrap.py"
NOW = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


@pytest.fixture(scope="module")
def bootstrap() -> ModuleType:
    spec = importlib.util.spec_from_file_location("batch_bootstrap", BOOTSTRAP)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def botocore_authorization(
    monkeypatch: pytest.MonkeyPatch, url: str, region: str, token: str | None
) -> str:
    """The Authorization header botocore's own S3 signer gives the same GET at NOW."""
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: NOW.replace(tzinfo=None))
    request = AWSRequest(method="GET", url=url)
    S3SigV4Auth(Credentials("AKIDEXAMPLE", "secret/key", token), "s3", region).add_auth(request)
    return str(request.headers["Authorization"])


@pytest.mark.parametrize("token", [None, "session-token"])
def test_signature_matches_botocore(
    bootstrap: ModuleType, monkeypatch: pytest.MonkeyPatch, token: str | None
) -> None:
    # http: botocore then signs the payload hash (over https it may send UNSIGNED-PAYLOAD)
    url = "http://fanout-results.s3.eu-west-1.amazonaws.com/code/0123abc.zip"
    headers = bootstrap.signed_headers(url, "eu-west-1", "AKIDEXAMPLE", "secret/key", token, NOW)
    assert headers["authorization"] == botocore_authorization(monkeypatch, url, "eu-west-1", token)


def test_object_url_is_virtual_hosted_on_aws_and_path_style_on_an_endpoint(
    bootstrap: ModuleType,
) -> None:
    assert (
        bootstrap.object_url({}, "us-east-1", "b", "code/x.zip")
        == "https://b.s3.us-east-1.amazonaws.com/code/x.zip"
    )
    assert (
        bootstrap.object_url({"AWS_ENDPOINT_URL": "http://127.0.0.1:4566/"}, "us-east-1", "b", "k")
        == "http://127.0.0.1:4566/b/k"
    )


def test_credentials_from_the_environment_without_the_container_endpoint(
    bootstrap: ModuleType,
) -> None:
    env = {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s"}
    assert bootstrap.credentials(env) == ("a", "s", None)
