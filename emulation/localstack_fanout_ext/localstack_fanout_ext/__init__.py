"""LocalStack extension for hpc-fanout: subprocess Lambda executor and Step Functions fidelity patches."""
