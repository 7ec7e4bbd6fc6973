locals {
  # Built from its parts rather than read from the resource: the role's policy must name the
  # state machine (it starts its own child executions) before the state machine exists.
  state_machine_arn = "arn:${var.partition}:states:${var.region}:${var.account_id}:stateMachine:${var.name}"
  execution_arns = concat(
    ["arn:${var.partition}:states:${var.region}:${var.account_id}:execution:${var.name}/*"],
    # Only the fan-out's children may be EXPRESS.
    var.workflow == "fanout" ? ["arn:${var.partition}:states:${var.region}:${var.account_id}:express:${var.name}/*"] : [],
  )
  # The functions each workflow invokes, in the order its tasks run.
  workflow_functions = {
    fanout = ["plan", "compute", "reduce"]
    sweep  = ["sweep-plan", "sweep-report"]
  }
  batch_integration = var.batch == null ? "none" : var.batch.integration
  function_arns = concat(
    [for role in local.workflow_functions[var.workflow] : var.function_arns[role]],
    local.batch_integration == "callback" ? [var.batch.submit_function_arn] : [],
  )
  # Placeholders when Batch is off (merge() skips a null argument): the template reads these
  # fields only when Batch is on.
  batch = merge({
    integration         = "none"
    job_queue_arn       = ""
    job_definition_arn  = ""
    job_definition_name = ""
    job_name_prefix     = ""
    heartbeat_seconds   = 0
    submit_function_arn = ""
  }, var.batch)
  # Step Functions' documented policy for batch:submitJob.sync: SubmitJob (scoped here to
  # the queue and every revision of the job definition, both of which AWS requires),
  # DescribeJobs and TerminateJob, and the EventBridge managed rule through which it
  # learns that a job ended:
  # https://docs.aws.amazon.com/step-functions/latest/dg/batch-iam.html
  batch_sync_statements = local.batch_integration != "sync" ? [] : [
    {
      Sid      = "SubmitBatchJobs"
      Effect   = "Allow"
      Action   = ["batch:SubmitJob"]
      Resource = [var.batch.job_queue_arn, "arn:${var.partition}:batch:${var.region}:${var.account_id}:job-definition/${var.batch.job_definition_name}:*"]
    },
    {
      Sid    = "TrackBatchJobs"
      Effect = "Allow"
      Action = ["batch:DescribeJobs", "batch:TerminateJob"]
      # Job ids exist only at run time and DescribeJobs has no resource-level permissions:
      # AWS's policy for this integration grants both on "*".
      Resource = ["*"]
    },
    {
      Sid      = "BatchJobEventsRule"
      Effect   = "Allow"
      Action   = ["events:PutTargets", "events:PutRule", "events:DescribeRule"]
      Resource = ["arn:${var.partition}:events:${var.region}:${var.account_id}:rule/StepFunctionsGetEventsForBatchJobsRule"]
    },
  ]

  # The sweep starts, describes and stops the fan-out's executions (its jobs), and .sync
  # learns that one ended through an EventBridge managed rule
  # (https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html).
  fanout_arn    = var.fanout_state_machine_arn == null ? "" : var.fanout_state_machine_arn
  sync_rule_arn = "arn:${var.partition}:events:${var.region}:${var.account_id}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
  workflow_statements = {
    fanout = [
      {
        Sid      = "ReadChunkLists"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["${var.bucket_arn}/runs/*/chunks.json"]
      },
      {
        Sid      = "WriteChildResults"
        Effect   = "Allow"
        Action   = local.result_writer_actions
        Resource = ["${var.bucket_arn}/runs/*/results/*"]
      },
    ]
    sweep = [
      {
        Sid      = "StartJobExecutions"
        Effect   = "Allow"
        Action   = ["states:StartExecution"]
        Resource = [local.fanout_arn]
      },
      {
        Sid      = "ManageJobExecutions"
        Effect   = "Allow"
        Action   = ["states:DescribeExecution", "states:StopExecution"]
        Resource = ["${replace(local.fanout_arn, ":stateMachine:", ":execution:")}:*"]
      },
      {
        Sid      = "AwaitJobExecutions"
        Effect   = "Allow"
        Action   = ["events:PutTargets", "events:PutRule", "events:DescribeRule"]
        Resource = [local.sync_rule_arn]
      },
      {
        Sid      = "ReadJobLists"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["${var.bucket_arn}/runs/*/jobs.json"]
      },
      {
        Sid      = "WriteJobResults"
        Effect   = "Allow"
        Action   = local.result_writer_actions
        Resource = ["${var.bucket_arn}/runs/*/sweep-results/*"]
      },
    ]
  }
  # What a Distributed Map's ResultWriter does under its prefix.
  result_writer_actions = ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]

  # One backoff policy (exponential, full jitter, capped) for every retrier of the machine.
  backoff = {
    IntervalSeconds = var.retry.interval_seconds
    BackoffRate     = var.retry.backoff_rate
    MaxAttempts     = var.retry.max_attempts
    MaxDelaySeconds = var.retry.max_delay_seconds
    JitterStrategy  = "FULL"
  }
  # Transient errors of the Lambda service itself, worth retrying in every Lambda task:
  # https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html
  lambda_transient_errors = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
  ]
  # Transient failures of one chunk's computation, worth retrying in the Compute task only:
  # raised by the compute function (ComputeDeadlineError: it stopped itself before its
  # timeout), or its sandbox timing out in the init phase (Sandbox.Timedout,
  # https://docs.aws.amazon.com/lambda/latest/dg/troubleshooting-invocation.html).
  compute_transient_errors = ["TransientComputeError", "ComputeThrottledError", "ComputeDeadlineError", "Sandbox.Timedout"]
  # What Step Functions reports when Lambda kills an invocation at its timeout, runs out of
  # memory or crashes ("Unhandled errors in Lambda are reported as Lambda.Unknown ... These
  # include out-of-memory errors and function timeouts", bp-lambda-serviceexception above).
  # Usually deterministic, so retried only a few times: never a crash retried forever.
  lambda_unknown_errors = ["Lambda.Unknown"]

  lambda_retry = [merge({ ErrorEquals = local.lambda_transient_errors }, local.backoff)]
  compute_retry = concat(local.lambda_retry, [
    merge({ ErrorEquals = local.compute_transient_errors }, local.backoff),
    merge({ ErrorEquals = local.lambda_unknown_errors }, local.backoff, { MaxAttempts = var.retry.lambda_unknown_max_attempts }),
  ])

  definition = templatefile("${path.module}/templates/${var.workflow}.asl.json.tftpl", {
    partition                    = var.partition
    function_arns                = var.function_arns
    fanout_state_machine_arn     = local.fanout_arn
    child_execution_type         = var.child_execution_type
    max_concurrency              = var.max_concurrency
    tolerated_failure_percentage = var.tolerated_failure_percentage
    tolerated_failure_count      = var.tolerated_failure_count
    lambda_retry                 = local.lambda_retry
    compute_retry                = local.compute_retry
    batch_integration            = local.batch_integration
    batch                        = local.batch
  })
}

resource "aws_cloudwatch_log_group" "this" {
  # checkov:skip=CKV_AWS_158: logs hold no secrets; AWS-managed encryption at rest applies, a KMS key would add cost and key policy for no gain here
  # checkov:skip=CKV_AWS_338: retention is the log_retention_days variable (default 14 days), the deployer's cost decision
  # The /aws/vendedlogs/ prefix keeps the log delivery resource policy small (AWS advice).
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_iam_role" "this" {
  name = "${var.name}-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Service = "states.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = {
          StringEquals = { "aws:SourceAccount" = var.account_id }
        }
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
          Sid      = "InvokeOwnFunctions"
          Effect   = "Allow"
          Action   = ["lambda:InvokeFunction"]
          Resource = concat(local.function_arns, [for arn in local.function_arns : "${arn}:*"])
        },
        {
          Sid      = "StartOwnChildExecutions"
          Effect   = "Allow"
          Action   = ["states:StartExecution"]
          Resource = [local.state_machine_arn]
        },
        {
          Sid      = "ManageOwnChildExecutions"
          Effect   = "Allow"
          Action   = ["states:DescribeExecution", "states:StopExecution"]
          Resource = local.execution_arns
        },
      ],
      local.workflow_statements[var.workflow],
      local.batch_sync_statements,
      [
        {
          Sid    = "DeliverExecutionLogs"
          Effect = "Allow"
          Action = [
            "logs:CreateLogDelivery",
            "logs:GetLogDelivery",
            "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries",
            "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups",
          ]
          # CloudWatch Logs vended log delivery does not support resource-level permissions:
          # the Step Functions guide requires "*" for these actions.
          Resource = ["*"]
        },
      ],
      var.enable_xray_tracing ? [
        {
          Sid    = "XRayTracing"
          Effect = "Allow"
          Action = [
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "xray:GetSamplingRules",
            "xray:GetSamplingTargets",
          ]
          # X-Ray has no resource-level permissions for these actions; "*" is the only valid resource.
          Resource = ["*"]
        },
      ] : [],
    )
  })
}

resource "aws_sfn_state_machine" "this" {
  # checkov:skip=CKV_AWS_284: X-Ray tracing is the enable_xray_tracing variable (off by default for cost)
  name       = var.name
  type       = "STANDARD"
  role_arn   = aws_iam_role.this.arn
  definition = local.definition

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
    include_execution_data = var.log_level != "OFF"
    level                  = var.log_level
  }

  tracing_configuration {
    enabled = var.enable_xray_tracing
  }

  tags = var.tags

  # Step Functions checks the role can deliver logs when the state machine is created.
  depends_on = [aws_iam_role_policy.this]
}
