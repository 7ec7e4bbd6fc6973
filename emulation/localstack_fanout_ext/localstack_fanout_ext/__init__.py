"""LocalStack extension for hpc-fanout.

A subprocess Lambda executor and Step Functions fidelity patches; used only on LocalStack.
"""
