"""Independent answers, written apart from the product, that the tests and the bench
check its results against. Nothing here imports ``lambda_src``."""
