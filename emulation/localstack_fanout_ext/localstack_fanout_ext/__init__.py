"""LocalStack extension for hpc-fanout.

A subprocess Lambda executor, Step Functions fidelity patches and an AWS Batch API; used only
on LocalStack.
"""
