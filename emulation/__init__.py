"""Running the product on LocalStack: installer, controller, deployer and a LocalStack extension.

Nothing here is imported by product code (Terraform, ``lambda_src/``).
"""
