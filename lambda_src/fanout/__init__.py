"""Shared package of the fan-out Lambdas: contracts, errors, S3 I/O, encodings, workloads.

Everything here except :mod:`fanout.s3io` is pure (no AWS calls); the handlers in
``lambda_src/*_handler.py`` do the I/O and pass clients in.
"""
