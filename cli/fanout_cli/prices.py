"""AWS list prices used by ``fanout estimate`` (region us-east-1, on-demand, no free tier).

Every constant names the page it was read from and the date it was read. Prices
change: check the pages before relying on a figure. Free tiers (4,000 state
transitions, 1 million Lambda requests and 400,000 GB-seconds a month) are not
subtracted, so an estimate is an upper bound for a small account.
"""

from __future__ import annotations

from typing import Final

REGION: Final = "us-east-1"
READ_ON: Final = "2026-11-23"

STEP_FUNCTIONS_PRICING_URL: Final = "https://aws.amazon.com/step-functions/pricing/"
LAMBDA_PRICING_URL: Final = "https://aws.amazon.com/lambda/pricing/"
S3_PRICING_URL: Final = "https://aws.amazon.com/s3/pricing/"

# Step Functions Standard: "$0.025 per 1,000 state transitions", table row
# "US East (N. Virginia) $0.0250" (STEP_FUNCTIONS_PRICING_URL, read READ_ON).
SFN_STANDARD_PER_TRANSITION: Final = 0.025 / 1_000

# Step Functions Express: $1.00 per 1 million requests and $0.00001667 per
# GB-second for the first 1,000 hours GB; duration rounded up to 100 ms, memory
# billed in 64 MB chunks. Page as above; the request price is confirmed by the
# AWS Compute Blog "Building cost-effective AWS Step Functions workflows"
# (https://aws.amazon.com/blogs/compute/building-cost-effective-aws-step-functions-workflows/).
# The duration figure is the value known for us-east-1, not re-read on the
# stored page (its table was not in the copy available).
SFN_EXPRESS_PER_REQUEST: Final = 1.00 / 1_000_000
SFN_EXPRESS_PER_GB_SECOND: Final = 0.00001667
SFN_EXPRESS_DURATION_STEP_S: Final = 0.1
SFN_EXPRESS_MEMORY_MB: Final = 64

# Lambda x86_64: $0.20 per 1 million requests; $0.0000166667 per GB-second for
# the first 6 billion GB-seconds a month. Request price and "$0.00001667 for every
# GB-second" read in the AWS whitepaper "How AWS Pricing Works", Lambda section
# (https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html);
# the unrounded tier figure $0.0000166667 is the one the LAMBDA_PRICING_URL table
# gives for US East (N. Virginia), seen here in copies of that table.
LAMBDA_PER_REQUEST: Final = 0.20 / 1_000_000
LAMBDA_PER_GB_SECOND: Final = 0.0000166667

# S3 Standard requests: PUT, COPY, POST, LIST $0.005 per 1,000; GET, SELECT and
# all other requests $0.0004 per 1,000 (S3_PRICING_URL, "Requests & data
# retrievals", S3 Standard, us-east-1). The stored copy of the page did not hold
# the table; the figures are the known values, also quoted by third-party
# summaries of that page read on READ_ON.
S3_PER_PUT: Final = 0.005 / 1_000
S3_PER_GET: Final = 0.0004 / 1_000

SOURCES: Final = {
    "step_functions": STEP_FUNCTIONS_PRICING_URL,
    "lambda": LAMBDA_PRICING_URL,
    "s3": S3_PRICING_URL,
}

# AWS Fargate (which runs the Batch jobs by default), Linux/x86, us-east-1: "per vCPU per
# hour $0.04048" and "per GB per hour $0.004445", billed per second with a one-minute
# minimum (https://aws.amazon.com/fargate/pricing/, read READ_ON; AWS Batch itself adds no
# charge: https://aws.amazon.com/batch/pricing/). Fargate Spot is cheaper and varies.
FARGATE_PRICING_URL: Final = "https://aws.amazon.com/fargate/pricing/"
FARGATE_PER_VCPU_HOUR: Final = 0.04048
FARGATE_PER_GB_HOUR: Final = 0.004445
FARGATE_MINIMUM_SECONDS: Final = 60.0

SOURCES["fargate"] = FARGATE_PRICING_URL
