locals {
  # Source hash: every *.py under source_dir (fileset is sorted; caches excluded), the pip
  # requirements and the platform they are built for. It names the zip and is the function's
  # source_code_hash, so identical sources never redeploy and any change repackages.
  source_files = [for f in fileset(var.source_dir, "**/*.py") : f if !strcontains(f, "__pycache__")]
  source_hash = sha256(jsonencode({
    files        = { for f in local.source_files : f => filesha256("${var.source_dir}/${f}") }
    requirements = var.requirements
    runtime      = var.runtime
    architecture = var.architecture
    packager     = filesha256("${path.module}/scripts/package.py")
  }))
  package_path   = "${var.build_dir}/${var.function_name}-${local.source_hash}.zip"
  package_key    = "${var.package_prefix}/${var.function_name}/${local.source_hash}.zip"
  log_group_name = "/aws/lambda/${var.function_name}"
}

# The zip is built on the machine running Terraform and uploaded to S3; the function reads
# its code from S3, never from this machine's disk. The zip is rebuilt whenever something
# needs it: new sources, or a new place to upload it (a renamed function, another bucket).
# A teammate with the same state but no zip plans no changes and can still replace the
# function (`-replace`): its code is in S3. (terraform-aws-modules/lambda learned this the
# hard way: its `recreate_missing_package` setting came from missing-zip reports.)
resource "terraform_data" "package" {
  triggers_replace = [local.source_hash, local.package_path, var.package_bucket, local.package_key]
  input            = local.package_path

  provisioner "local-exec" {
    interpreter = ["python3"]
    command     = "${path.module}/scripts/package.py"
    environment = {
      PACKAGE_SOURCE_DIR     = var.source_dir
      PACKAGE_OUTPUT         = local.package_path
      PACKAGE_REQUIREMENTS   = jsonencode(var.requirements)
      PACKAGE_ARCHITECTURE   = var.architecture
      PACKAGE_PYTHON_VERSION = trimprefix(var.runtime, "python")
    }
  }
}

resource "aws_s3_object" "package" {
  # checkov:skip=CKV_AWS_186: the bucket encrypts every object with SSE-S3 by default; a customer managed KMS key would add key policy and cost for no gain here
  bucket      = var.package_bucket
  key         = local.package_key
  source      = terraform_data.package.output
  source_hash = local.source_hash
  tags        = var.tags
}

resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_158: logs hold no secrets; AWS-managed encryption at rest applies, a KMS key would add cost and key policy for no gain here
  # checkov:skip=CKV_AWS_338: retention is the log_retention_days variable (default 14 days), the deployer's cost decision
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_iam_role" "this" {
  name = "${var.function_name}-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "lambda.amazonaws.com" }
        Action    = "sts:AssumeRole"
      },
    ]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name = "least-privilege"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "OwnLogGroup"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
        },
      ],
      [for s in var.policy_statements : merge({
        Sid      = s.sid
        Effect   = "Allow"
        Action   = s.actions
        Resource = s.resources
      }, length(s.conditions) > 0 ? { Condition = s.conditions } : {})],
      var.enable_xray_tracing ? [
        {
          Sid    = "XRayTracing"
          Effect = "Allow"
          Action = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
          # X-Ray trace and telemetry writes support no resource-level permissions: AWS
          # documents "*" as the only valid resource for these actions.
          Resource = ["*"]
        },
      ] : [],
    )
  })
}

resource "aws_lambda_function" "this" {
  # checkov:skip=CKV_AWS_115: concurrency is bounded by the state machine's MaxConcurrency; reserving it would take from the account pool
  # checkov:skip=CKV_AWS_116: invoked synchronously by Step Functions, which retries and records failures; a DLQ only serves async invocations
  # checkov:skip=CKV_AWS_117: the functions reach only S3 and CloudWatch through public AWS endpoints; a VPC would add NAT cost and cold-start latency
  # checkov:skip=CKV_AWS_173: environment holds only non-secret settings (bucket name, limits, log level), encrypted at rest by AWS-managed keys
  # checkov:skip=CKV_AWS_272: code signing needs an AWS Signer profile the deployer owns; the zip is built by Terraform from the reviewed sources
  function_name    = var.function_name
  description      = var.description
  role             = aws_iam_role.this.arn
  handler          = var.handler
  runtime          = var.runtime
  architectures    = [var.architecture]
  memory_size      = var.memory_size
  timeout          = var.timeout
  s3_bucket        = aws_s3_object.package.bucket
  s3_key           = aws_s3_object.package.key
  source_code_hash = local.source_hash

  environment {
    variables = var.environment
  }

  tracing_config {
    mode = var.enable_xray_tracing ? "Active" : "PassThrough"
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  # The role's permissions and the log group exist before the first invocation can happen.
  depends_on = [aws_iam_role_policy.this, aws_cloudwatch_log_group.this]
}
