"""Fetch the fan-out code package from S3, unpack it and run its AWS Batch entry point.

The job definition's command runs this with ``python3 -c``: the stock image needs only
Python and boto3 (the AWS Lambda Python base image's), and no image is built.
"""

import io
import os
import runpy
import sys
import tempfile
import zipfile

import boto3

code = (
    boto3.client("s3")
    .get_object(Bucket=os.environ["FANOUT_CODE_BUCKET"], Key=os.environ["FANOUT_CODE_KEY"])["Body"]
    .read()
)
target = tempfile.mkdtemp(prefix="fanout-code-")
zipfile.ZipFile(io.BytesIO(code)).extractall(target)
sys.path.insert(0, target)
runpy.run_module("batch_main", run_name="__main__")
