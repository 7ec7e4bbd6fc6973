# Plan-level checks of each module on its own: least-privilege policies, bucket hardening,
# packaging wiring and the module-level validations. Mocked AWS provider.

mock_provider "aws" {
  source          = "./tests/terraform/mocks"
  override_during = plan
}

variables {
  # results_bucket
  name_prefix            = "unit"
  account_id             = "123456789012"
  region                 = "eu-west-1"
  result_expiration_days = 7

  # state_machine
  name      = "unit-run"
  partition = "aws"
  function_arns = {
    plan    = "arn:aws:lambda:eu-west-1:123456789012:function:unit-plan"
    compute = "arn:aws:lambda:eu-west-1:123456789012:function:unit-compute"
    reduce  = "arn:aws:lambda:eu-west-1:123456789012:function:unit-reduce"
  }
  bucket_arn                   = "arn:aws:s3:::unit-results-123456789012-eu-west-1"
  child_execution_type         = "EXPRESS"
  max_concurrency              = 7
  tolerated_failure_percentage = 2.5
  tolerated_failure_count      = 3
  retry                        = { max_attempts = 4, interval_seconds = 3, backoff_rate = 1.5, max_delay_seconds = 30, lambda_unknown_max_attempts = 2 }
  log_level                    = "ALL"
  log_retention_days           = 30

  # lambda_function
  function_name  = "unit-compute"
  description    = "unit test"
  handler        = "compute_handler.handler"
  source_dir     = "./modules/lambda_function/scripts"
  build_dir      = "./.build"
  package_bucket = "unit-results-123456789012-eu-west-1"
  requirements   = ["gmpy2==2.3.2"]
  runtime        = "python3.12"
  architecture   = "arm64"
  memory_size    = 1769
  timeout        = 900
  environment    = { RESULTS_BUCKET = "b", LOG_LEVEL = "INFO" }
  policy_statements = [
    { sid = "WriteLargePartials", actions = ["s3:PutObject"], resources = ["arn:aws:s3:::b/runs/*/partials/*"] },
  ]
}

run "results_bucket_is_private_encrypted_tls_only_and_expires_runs" {
  command = plan

  override_resource {
    target          = aws_s3_bucket.this
    override_during = plan
    values = {
      arn = "arn:aws:s3:::unit-results-123456789012-eu-west-1"
    }
  }

  module {
    source = "./modules/results_bucket"
  }

  assert {
    condition     = aws_s3_bucket.this.bucket == "unit-results-123456789012-eu-west-1"
    error_message = "Bucket name must be <prefix>-results-<account>-<region>."
  }

  assert {
    condition     = aws_s3_bucket.this.force_destroy == false
    error_message = "force_destroy must default to false."
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "All public access must be blocked."
  }

  assert {
    condition     = one([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : one(r.apply_server_side_encryption_by_default).sse_algorithm]) == "AES256"
    error_message = "Objects must be encrypted at rest (SSE-S3)."
  }

  assert {
    condition = (
      [for r in aws_s3_bucket_lifecycle_configuration.this.rule : [r.status, r.filter[0].prefix, r.expiration[0].days] if r.id == "expire-runs"] ==
      [["Enabled", "runs/", 7]]
    )
    error_message = "Objects under runs/ must expire after result_expiration_days."
  }

  assert {
    condition = (
      [for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.abort_incomplete_multipart_upload[0].days_after_initiation if r.id == "abort-incomplete-uploads"] == [1]
    )
    error_message = "Incomplete multipart uploads must be aborted after a day."
  }

  assert {
    condition = (
      jsondecode(aws_s3_bucket_policy.this.policy).Statement[0].Effect == "Deny" &&
      jsondecode(aws_s3_bucket_policy.this.policy).Statement[0].Condition == { Bool = { "aws:SecureTransport" = "false" } } &&
      jsondecode(aws_s3_bucket_policy.this.policy).Statement[0].Resource == [
        "arn:aws:s3:::unit-results-123456789012-eu-west-1",
        "arn:aws:s3:::unit-results-123456789012-eu-west-1/*",
      ]
    )
    error_message = "The bucket policy must deny every request without TLS, on the bucket and its objects."
  }
}

run "state_machine_role_is_least_privilege" {
  command = plan

  module {
    source = "./modules/state_machine"
  }

  assert {
    condition = (
      { for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Sid => s.Resource } ==
      {
        InvokeOwnFunctions = [
          "arn:aws:lambda:eu-west-1:123456789012:function:unit-plan",
          "arn:aws:lambda:eu-west-1:123456789012:function:unit-compute",
          "arn:aws:lambda:eu-west-1:123456789012:function:unit-reduce",
          "arn:aws:lambda:eu-west-1:123456789012:function:unit-plan:*",
          "arn:aws:lambda:eu-west-1:123456789012:function:unit-compute:*",
          "arn:aws:lambda:eu-west-1:123456789012:function:unit-reduce:*",
        ]
        StartOwnChildExecutions = ["arn:aws:states:eu-west-1:123456789012:stateMachine:unit-run"]
        ManageOwnChildExecutions = [
          "arn:aws:states:eu-west-1:123456789012:execution:unit-run/*",
          "arn:aws:states:eu-west-1:123456789012:express:unit-run/*",
        ]
        ReadChunkLists       = ["arn:aws:s3:::unit-results-123456789012-eu-west-1/runs/*/chunks.json"]
        WriteChildResults    = ["arn:aws:s3:::unit-results-123456789012-eu-west-1/runs/*/results/*"]
        DeliverExecutionLogs = ["*"]
      }
    )
    error_message = "The state machine role must reach only its functions, its own executions and its run prefixes (and no X-Ray unless tracing)."
  }

  assert {
    condition = (
      aws_sfn_state_machine.this.type == "STANDARD" &&
      one(aws_sfn_state_machine.this.logging_configuration).level == "ALL" &&
      one(aws_sfn_state_machine.this.logging_configuration).include_execution_data &&
      one(aws_sfn_state_machine.this.tracing_configuration).enabled == false
    )
    error_message = "State machine must be STANDARD, log at the requested level, and trace only when asked."
  }

  assert {
    condition = (
      jsondecode(aws_sfn_state_machine.this.definition).States.FanOut.ItemProcessor.ProcessorConfig.ExecutionType == "EXPRESS" &&
      jsondecode(aws_sfn_state_machine.this.definition).States.FanOut.MaxConcurrency == 7 &&
      jsondecode(aws_sfn_state_machine.this.definition).States.FanOut.ToleratedFailurePercentage == 2.5 &&
      jsondecode(aws_sfn_state_machine.this.definition).States.FanOut.ToleratedFailureCount == 3
    )
    error_message = "Map knobs must come from the variables."
  }

  assert {
    condition = alltrue([
      for r in jsondecode(aws_sfn_state_machine.this.definition).States.FanOut.ItemProcessor.States.Compute.Retry :
      r.MaxAttempts == (r.ErrorEquals == ["Lambda.Unknown"] ? 2 : 4) && r.IntervalSeconds == 3 && r.BackoffRate == 1.5 && r.MaxDelaySeconds == 30
    ])
    error_message = "Compute's retriers must follow the retry variable."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/vendedlogs/states/unit-run" && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "State machine log group must be under /aws/vendedlogs/states/ with the given retention."
  }
}

run "state_machine_tracing_adds_xray_only_when_enabled" {
  command = plan

  module {
    source = "./modules/state_machine"
  }

  variables {
    enable_xray_tracing = true
  }

  assert {
    condition = (
      one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Action if s.Sid == "XRayTracing"]) ==
      ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"] &&
      one(aws_sfn_state_machine.this.tracing_configuration).enabled
    )
    error_message = "Tracing must enable X-Ray on the state machine and grant only the X-Ray write actions."
  }
}

run "lambda_function_is_packaged_by_terraform_with_a_source_hash" {
  command = plan

  module {
    source = "./modules/lambda_function"
  }

  assert {
    condition = (
      aws_lambda_function.this.source_code_hash == output.source_hash &&
      terraform_data.package.triggers_replace == [
        output.source_hash,
        output.package_path,
        "unit-results-123456789012-eu-west-1",
        "lambda-packages/unit-compute/${output.source_hash}.zip",
      ]
    )
    error_message = "The zip must be rebuilt when the sources change and whenever it must be uploaded to a new place (renamed function, other bucket)."
  }

  assert {
    condition     = output.package_path == "./.build/unit-compute-${output.source_hash}.zip" && terraform_data.package.input == output.package_path
    error_message = "The zip must be <build_dir>/<function_name>-<source hash>.zip."
  }

  assert {
    condition = (
      aws_s3_object.package.bucket == "unit-results-123456789012-eu-west-1" &&
      aws_s3_object.package.key == "lambda-packages/unit-compute/${output.source_hash}.zip" &&
      aws_s3_object.package.source_hash == output.source_hash &&
      aws_lambda_function.this.s3_bucket == aws_s3_object.package.bucket &&
      aws_lambda_function.this.s3_key == aws_s3_object.package.key &&
      aws_lambda_function.this.filename == null &&
      output.package_s3_uri == "s3://unit-results-123456789012-eu-west-1/lambda-packages/unit-compute/${output.source_hash}.zip"
    )
    error_message = "The function must read its code from the uploaded S3 object, never from the local zip, so another machine sharing the state can replace it."
  }

  assert {
    condition     = length(aws_lambda_function.this.source_code_hash) == 64
    error_message = "The source hash must be a sha256 hex digest."
  }

  assert {
    condition = (
      aws_lambda_function.this.architectures == tolist(["arm64"]) &&
      aws_lambda_function.this.timeout == 900 &&
      aws_lambda_function.this.memory_size == 1769 &&
      one(aws_lambda_function.this.environment).variables == tomap({ RESULTS_BUCKET = "b", LOG_LEVEL = "INFO" }) &&
      one(aws_lambda_function.this.tracing_config).mode == "PassThrough"
    )
    error_message = "Function settings must follow the variables."
  }

  assert {
    condition = (
      jsondecode(aws_iam_role_policy.this.policy).Statement == [
        {
          Sid      = "OwnLogGroup"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = ["arn:aws:logs:eu-west-1:123456789012:log-group:mocked:*"]
        },
        {
          Sid      = "WriteLargePartials"
          Effect   = "Allow"
          Action   = ["s3:PutObject"]
          Resource = ["arn:aws:s3:::b/runs/*/partials/*"]
        },
      ]
    )
    error_message = "The function role must write only to its own log group plus the statements passed in."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/unit-compute" && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "The function's log group must be /aws/lambda/<name> with the given retention."
  }
}

run "lambda_function_hash_follows_requirements_and_architecture" {
  command = plan

  module {
    source = "./modules/lambda_function"
  }

  variables {
    requirements = []
  }

  assert {
    condition     = aws_lambda_function.this.source_code_hash != run.lambda_function_is_packaged_by_terraform_with_a_source_hash.source_hash
    error_message = "Changing the requirements must change the source hash (and so repackage)."
  }
}

run "lambda_function_rejects_bad_inputs" {
  command = plan

  module {
    source = "./modules/lambda_function"
  }

  variables {
    function_name  = "has spaces"
    runtime        = "python2.7"
    architecture   = "sparc"
    memory_size    = 64
    timeout        = 901
    package_bucket = "Not_A_Bucket"
    package_prefix = "/lambda-packages/"
  }

  expect_failures = [var.function_name, var.runtime, var.architecture, var.memory_size, var.timeout, var.package_bucket, var.package_prefix]
}

run "state_machine_rejects_bad_inputs" {
  command = plan

  module {
    source = "./modules/state_machine"
  }

  variables {
    name                         = "has spaces"
    child_execution_type         = "SYNC"
    max_concurrency              = 0
    tolerated_failure_percentage = -1
    tolerated_failure_count      = 1.5
    log_level                    = "DEBUG"
  }

  expect_failures = [
    var.name, var.child_execution_type, var.max_concurrency,
    var.tolerated_failure_percentage, var.tolerated_failure_count, var.log_level,
  ]
}

run "state_machine_refuses_a_sweep_that_could_not_run" {
  command = plan

  module {
    source = "./modules/state_machine"
  }

  # A sweep needs its two functions (not the fan-out's), the fan-out it runs, and STANDARD
  # children (a .sync task runs only there).
  variables {
    workflow             = "sweep"
    child_execution_type = "EXPRESS"
  }

  expect_failures = [var.function_arns, var.fanout_state_machine_arn, var.child_execution_type]
}

run "state_machine_refuses_a_fanout_arn_on_the_fanout" {
  command = plan

  module {
    source = "./modules/state_machine"
  }

  variables {
    fanout_state_machine_arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:unit-run"
  }

  expect_failures = [var.fanout_state_machine_arn]
}

run "results_bucket_rejects_bad_expiration" {
  command = plan

  module {
    source = "./modules/results_bucket"
  }

  variables {
    result_expiration_days = 0
  }

  expect_failures = [var.result_expiration_days]
}
