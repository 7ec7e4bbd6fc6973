locals {
  fargate = contains(["FARGATE", "FARGATE_SPOT"], var.compute_type)

  # The stock image: Docker's official Python image of the Lambda runtime's version, on
  # Amazon ECR Public (no Docker Hub rate limits). Plain Python: the code package brings
  # boto3, and the bootstrap fetches the package with the standard library alone.
  image = coalesce(var.image, "public.ecr.aws/docker/library/python:${var.python_version}-slim")

  # The code package: the functions' sources plus boto3 (and gmpy2 when enabled), built like
  # a Lambda zip by the same packager, for the same Python and architecture.
  source_files = [for f in fileset(var.source_dir, "**/*.py") : f if !strcontains(f, "__pycache__")]
  code_hash = sha256(jsonencode({
    files        = { for f in local.source_files : f => filesha256("${var.source_dir}/${f}") }
    requirements = var.requirements
    python       = var.python_version
    architecture = var.architecture
    packager     = filesha256(var.packager)
  }))
  code_path = "${var.build_dir}/${var.name}-batch-${local.code_hash}.zip"

  log_group_name = "/aws/batch/${var.name}"
  code_key       = "code/${local.code_hash}.zip"
  code_arn       = "${var.bucket_arn}/${local.code_key}"
  job_arn_prefix = "arn:${var.partition}:batch:${var.region}:${var.account_id}"

  # The job definition's retry strategy: retry what went wrong around the program (a failed
  # or reclaimed EC2 host, a container that could not be pulled or started, and the
  # program's own transient exit code 75), never the program's own failure (any other exit
  # code). AWS evaluates the conditions in order, at most 5; a failure none matches (e.g. a
  # Fargate Spot interruption, which has no exit code) is retried.
  # https://docs.aws.amazon.com/batch/latest/userguide/job_retries.html
  evaluate_on_exit = [
    { action = "RETRY", on_status_reason = "Host EC2*", on_exit_code = null },
    { action = "RETRY", on_status_reason = "CannotPullContainerError*", on_exit_code = null },
    { action = "RETRY", on_status_reason = "CannotStartContainerError*", on_exit_code = null },
    { action = "RETRY", on_status_reason = null, on_exit_code = "75" },
    { action = "EXIT", on_status_reason = null, on_exit_code = "*" },
  ]

  environment = merge(var.environment, {
    AWS_DEFAULT_REGION       = var.region
    FANOUT_CODE_BUCKET       = var.bucket_name
    FANOUT_CODE_KEY          = local.code_key
    FANOUT_JOB_TIMEOUT       = tostring(var.timeout_seconds)
    FANOUT_HEARTBEAT_SECONDS = tostring(max(1, floor(var.heartbeat_seconds / 3)))
  })

  ecs_trust_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "ecs-tasks.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = {
          StringEquals = { "aws:SourceAccount" = var.account_id }
        }
      },
    ]
  })
}

# ------------------------------------------------------------------------------ the code

resource "terraform_data" "package" {
  triggers_replace = [local.code_hash]
  input            = local.code_path

  provisioner "local-exec" {
    interpreter = ["python3"]
    command     = var.packager
    environment = {
      PACKAGE_SOURCE_DIR     = var.source_dir
      PACKAGE_OUTPUT         = local.code_path
      PACKAGE_REQUIREMENTS   = jsonencode(var.requirements)
      PACKAGE_ARCHITECTURE   = var.architecture
      PACKAGE_PYTHON_VERSION = var.python_version
    }
  }
}

resource "aws_s3_object" "code" {
  # checkov:skip=CKV_AWS_186: the bucket's default encryption (SSE-S3) applies; a KMS key would add cost and key policy for no gain here
  bucket      = var.bucket_name
  key         = local.code_key
  source      = terraform_data.package.output
  source_hash = local.code_hash
  tags        = var.tags
}

# ---------------------------------------------------------------------------------- logs

resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_158: logs hold no secrets; AWS-managed encryption at rest applies, a KMS key would add cost and key policy for no gain here
  # checkov:skip=CKV_AWS_338: retention is the log_retention_days variable (default 14 days), the deployer's cost decision
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# ------------------------------------------------------------------------------- network

resource "aws_security_group" "this" {
  name        = "${var.name}-batch"
  description = "AWS Batch jobs of ${var.name}: no inbound traffic; outbound HTTPS to AWS APIs and the image registry."
  vpc_id      = var.vpc_id
  tags        = var.tags

  # No inbound rule at all: nothing connects to a job.
  ingress = []

  egress {
    description = "HTTPS to S3, Step Functions, CloudWatch Logs and the image registry"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    # checkov:skip=CKV_AWS_382: the AWS APIs and public ECR have no fixed address range; inbound stays closed
    cidr_blocks = ["0.0.0.0/0"]
  }
}

# --------------------------------------------------------------------------------- roles

resource "aws_iam_role" "execution" {
  name               = "${var.name}-batch-execution"
  assume_role_policy = local.ecs_trust_policy
  tags               = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name = "least-privilege"
  role = aws_iam_role.execution.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "OwnLogGroup"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
      },
    ]
  })
}

resource "aws_iam_role" "job" {
  name               = "${var.name}-batch-job"
  assume_role_policy = local.ecs_trust_policy
  tags               = var.tags
}

resource "aws_iam_role_policy" "job" {
  name = "least-privilege"
  role = aws_iam_role.job.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ReadCodePackage"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = [local.code_arn]
        },
        {
          Sid      = "WritePartials"
          Effect   = "Allow"
          Action   = ["s3:PutObject"]
          Resource = ["${var.bucket_arn}/runs/*/partials/*"]
        },
      ],
      length(var.input_object_arns) > 0 ? [
        {
          Sid      = "ReadAllowedInputs"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = var.input_object_arns
        },
      ] : [],
      var.enable_callback ? [
        {
          Sid    = "ReportToOwnStateMachine"
          Effect = "Allow"
          Action = ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"]
          # Task tokens name no resource: AWS authorizes these calls against the state
          # machine, so they are limited to the fan-out's own.
          Resource = [var.state_machine_arn]
        },
      ] : [],
    )
  })
}

# EC2 and Spot compute environments need an instance role for the ECS agent.
resource "aws_iam_role" "instance" {
  count = local.fargate ? 0 : 1

  name = "${var.name}-batch-instance"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "ec2.amazonaws.com" }
        Action    = "sts:AssumeRole"
      },
    ]
  })
  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "instance" {
  count = local.fargate ? 0 : 1

  role       = aws_iam_role.instance[0].name
  policy_arn = "arn:${var.partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
}

resource "aws_iam_instance_profile" "instance" {
  count = local.fargate ? 0 : 1

  name = "${var.name}-batch-instance"
  role = aws_iam_role.instance[0].name
  tags = var.tags
}

# ------------------------------------------------------------------------------- compute

resource "aws_batch_compute_environment" "this" {
  # AWS Batch uses its service-linked role (AWSServiceRoleForBatch) when no service role is given.
  compute_environment_name_prefix = "${var.name}-"
  type                            = "MANAGED"
  state                           = "ENABLED"

  compute_resources {
    type               = var.compute_type
    max_vcpus          = var.max_vcpus
    subnets            = var.subnet_ids
    security_group_ids = [aws_security_group.this.id]

    # EC2 and Spot only.
    min_vcpus           = local.fargate ? null : 0
    instance_type       = local.fargate ? null : var.instance_types
    instance_role       = local.fargate ? null : aws_iam_instance_profile.instance[0].arn
    allocation_strategy = local.fargate ? null : (var.compute_type == "SPOT" ? "SPOT_PRICE_CAPACITY_OPTIMIZED" : "BEST_FIT_PROGRESSIVE")
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_batch_job_queue" "this" {
  name     = "${var.name}-queue"
  state    = "ENABLED"
  priority = 1

  compute_environment_order {
    order               = 1
    compute_environment = aws_batch_compute_environment.this.arn
  }

  tags = var.tags
}

resource "aws_batch_job_definition" "this" {
  name                  = "${var.name}-chunk"
  type                  = "container"
  platform_capabilities = [local.fargate ? "FARGATE" : "EC2"]
  propagate_tags        = true

  # Fargate-only properties are null (left out by AWS) on EC2 and Spot.
  container_properties = jsonencode({
    image            = local.image
    command          = ["python3", "-c", file("${path.module}/scripts/bootstrap.py")]
    jobRoleArn       = aws_iam_role.job.arn
    executionRoleArn = aws_iam_role.execution.arn
    resourceRequirements = [
      { type = "VCPU", value = tostring(var.vcpus) },
      { type = "MEMORY", value = tostring(var.memory_mb) },
    ]
    environment = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.this.name
        "awslogs-region"        = var.region
        "awslogs-stream-prefix" = "chunk"
      }
    }
    ephemeralStorage             = local.fargate ? { sizeInGiB = var.ephemeral_storage_gib } : null
    networkConfiguration         = local.fargate ? { assignPublicIp = var.assign_public_ip ? "ENABLED" : "DISABLED" } : null
    fargatePlatformConfiguration = local.fargate ? { platformVersion = "LATEST" } : null
    runtimePlatform = local.fargate ? {
      operatingSystemFamily = "LINUX"
      cpuArchitecture       = var.architecture == "arm64" ? "ARM64" : "X86_64"
    } : null
  })

  timeout {
    attempt_duration_seconds = var.timeout_seconds
  }

  retry_strategy {
    attempts = var.retry_attempts

    dynamic "evaluate_on_exit" {
      for_each = local.evaluate_on_exit
      content {
        action           = evaluate_on_exit.value.action
        on_status_reason = evaluate_on_exit.value.on_status_reason
        on_exit_code     = evaluate_on_exit.value.on_exit_code
      }
    }
  }

  tags = var.tags
}
