"""Fetch the fan-out code package from S3, unpack it and run its AWS Batch entry point.

The job definition's command runs this file's text with ``python3 -c``. Standard library
only: the stock image is plain Python, and the code package brings boto3 itself. The
request is signed with Signature Version 4
(https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html) using the
job role's credentials from the container credentials endpoint
(https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html), or from
the environment when that endpoint is not set.
"""

import datetime
import hashlib
import hmac
import io
import json
import os
import runpy
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

CREDENTIALS_HOST = "http://169.254.170.2"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def credentials(environ):
    """(access key, secret key, session token or None) of the job role."""
    relative = environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
    if relative:
        with urllib.request.urlopen(CREDENTIALS_HOST + relative, timeout=10) as response:
            found = json.load(response)
        return found["AccessKeyId"], found["SecretAccessKey"], found.get("Token")
    return (
        environ["AWS_ACCESS_KEY_ID"],
        environ["AWS_SECRET_ACCESS_KEY"],
        environ.get("AWS_SESSION_TOKEN"),
    )


def object_url(environ, region, bucket, key):
    """Virtual-hosted style on AWS; path style on an endpoint given by AWS_ENDPOINT_URL(_S3)."""
    quoted = urllib.parse.quote(key, safe="/")
    endpoint = environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        return f"{endpoint.rstrip('/')}/{urllib.parse.quote(bucket)}/{quoted}"
    return f"https://{bucket}.s3.{region}.amazonaws.com/{quoted}"


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signed_headers(url, region, access_key, secret_key, token, now):
    """The headers of a SigV4-signed GET of ``url`` (service s3, empty payload)."""
    parts = urllib.parse.urlsplit(url)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    headers = {"host": parts.netloc, "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": amz_date}
    if token:
        headers["x-amz-security-token"] = token
    names = sorted(headers)
    canonical = "\n".join(
        ["GET", parts.path or "/", parts.query]
        + [f"{name}:{headers[name]}" for name in names]
        + ["", ";".join(names), EMPTY_SHA256]
    )
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _hmac(
        _hmac(_hmac(_hmac(("AWS4" + secret_key).encode(), day), region), "s3"), "aws4_request"
    )
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return headers


def fetch_code(environ):
    region = environ.get("AWS_REGION") or environ["AWS_DEFAULT_REGION"]
    bucket, key = environ["FANOUT_CODE_BUCKET"], environ["FANOUT_CODE_KEY"]
    url = object_url(environ, region, bucket, key)
    access_key, secret_key, token = credentials(environ)
    now = datetime.datetime.now(datetime.UTC)
    headers = signed_headers(url, region, access_key, secret_key, token, now)
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode(errors="replace")
        sys.exit(f"cannot fetch the code package s3://{bucket}/{key}: HTTP {exc.code} {detail}")


def main():
    target = tempfile.mkdtemp(prefix="fanout-code-")
    zipfile.ZipFile(io.BytesIO(fetch_code(os.environ))).extractall(target)
    sys.path.insert(0, target)
    runpy.run_module("batch_main", run_name="__main__")


if __name__ == "__main__":
    main()
