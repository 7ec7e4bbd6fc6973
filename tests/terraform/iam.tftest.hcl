# Least privilege, checked on the planned stack: every IAM policy document it creates (the
# state machine role, the three function roles, their trust policies and the bucket policy)
# is decoded and held to the "Security model" of README.md. Mocked AWS provider.
# Run: terraform test -test-directory=tests/terraform -filter=tests/terraform/iam.tftest.hcl

mock_provider "aws" {
  source          = "./tests/terraform/mocks"
  override_during = plan
}

override_resource {
  target          = module.results_bucket.aws_s3_bucket.this
  override_during = plan
  values = {
    arn    = "arn:aws:s3:::iam-results-123456789012-eu-west-1"
    bucket = "iam-results-123456789012-eu-west-1"
  }
}

override_resource {
  target          = module.state_machine.aws_sfn_state_machine.this
  override_during = plan
  values = {
    arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:iam-run"
  }
}

# Each function gets its own ARN and log group ARN, so "its own" can be told apart.
override_resource {
  target          = module.function["plan"].aws_lambda_function.this
  override_during = plan
  values = {
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:iam-plan"
  }
}

override_resource {
  target          = module.function["compute"].aws_lambda_function.this
  override_during = plan
  values = {
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:iam-compute"
  }
}

override_resource {
  target          = module.function["reduce"].aws_lambda_function.this
  override_during = plan
  values = {
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:iam-reduce"
  }
}

override_resource {
  target          = module.function["sweep-plan"].aws_lambda_function.this
  override_during = plan
  values = {
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:iam-sweep-plan"
  }
}

override_resource {
  target          = module.function["sweep-plan"].aws_cloudwatch_log_group.this
  override_during = plan
  values = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-sweep-plan"
  }
}

override_resource {
  target          = module.function["sweep-report"].aws_lambda_function.this
  override_during = plan
  values = {
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:iam-sweep-report"
  }
}

override_resource {
  target          = module.function["sweep-report"].aws_cloudwatch_log_group.this
  override_during = plan
  values = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-sweep-report"
  }
}

override_resource {
  target          = module.function["plan"].aws_cloudwatch_log_group.this
  override_during = plan
  values = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-plan"
  }
}

override_resource {
  target          = module.function["compute"].aws_cloudwatch_log_group.this
  override_during = plan
  values = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-compute"
  }
}

override_resource {
  target          = module.function["reduce"].aws_cloudwatch_log_group.this
  override_during = plan
  values = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-reduce"
  }
}

override_resource {
  target          = module.state_machine.aws_cloudwatch_log_group.this
  override_during = plan
  values = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/iam-run"
  }
}

variables {
  aws_region          = "eu-west-1"
  name_prefix         = "iam"
  enable_xray_tracing = true

  # Not inputs of the stack: constants the assertions share.
  # The only actions AWS accepts solely on Resource "*": X-Ray writes and sampling, and
  # CloudWatch Logs vended log delivery (what Step Functions needs to log executions).
  wildcard_resource_actions = [
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
  ]
  bucket = "arn:aws:s3:::iam-results-123456789012-eu-west-1"
}

run "every_policy_is_least_privilege_with_tracing_on" {
  command = plan

  # --- every document -------------------------------------------------------------------

  assert {
    condition = alltrue(flatten([
      for doc in [
        module.state_machine.role_policy, module.state_machine.assume_role_policy,
        module.function["plan"].role_policy, module.function["plan"].assume_role_policy,
        module.function["compute"].role_policy, module.function["compute"].assume_role_policy,
        module.function["reduce"].role_policy, module.function["reduce"].assume_role_policy,
        module.sweep_state_machine.role_policy, module.sweep_state_machine.assume_role_policy,
        module.function["sweep-plan"].role_policy, module.function["sweep-plan"].assume_role_policy,
        module.function["sweep-report"].role_policy, module.function["sweep-report"].assume_role_policy,
        module.results_bucket.bucket_policy,
        ] : [
        for s in jsondecode(doc).Statement : [
          for a in flatten([s.Action]) : a != "*" && !endswith(a, ":*") if s.Effect == "Allow"
        ]
      ]
    ]))
    error_message = "No policy may allow Action \"*\" or a whole service (\"service:*\")."
  }

  assert {
    condition = alltrue(flatten([
      for doc in [
        module.state_machine.role_policy, module.state_machine.assume_role_policy,
        module.function["plan"].role_policy, module.function["plan"].assume_role_policy,
        module.function["compute"].role_policy, module.function["compute"].assume_role_policy,
        module.function["reduce"].role_policy, module.function["reduce"].assume_role_policy,
        module.sweep_state_machine.role_policy, module.sweep_state_machine.assume_role_policy,
        module.function["sweep-plan"].role_policy, module.function["sweep-plan"].assume_role_policy,
        module.function["sweep-report"].role_policy, module.function["sweep-report"].assume_role_policy,
        module.results_bucket.bucket_policy,
        ] : [
        for s in jsondecode(doc).Statement : [
          for a in flatten([s.Action]) : !strcontains(a, "*") if s.Effect == "Allow"
        ]
      ]
    ]))
    error_message = "Allowed actions must be named in full (no wildcard such as s3:Get*)."
  }

  assert {
    condition = alltrue(flatten([
      for doc in [
        module.state_machine.role_policy, module.state_machine.assume_role_policy,
        module.function["plan"].role_policy, module.function["plan"].assume_role_policy,
        module.function["compute"].role_policy, module.function["compute"].assume_role_policy,
        module.function["reduce"].role_policy, module.function["reduce"].assume_role_policy,
        module.sweep_state_machine.role_policy, module.sweep_state_machine.assume_role_policy,
        module.function["sweep-plan"].role_policy, module.function["sweep-plan"].assume_role_policy,
        module.function["sweep-report"].role_policy, module.function["sweep-report"].assume_role_policy,
        module.results_bucket.bucket_policy,
        ] : [
        for s in jsondecode(doc).Statement :
        length(setintersection(keys(s), ["NotAction", "NotResource", "NotPrincipal"])) == 0
      ]
    ]))
    error_message = "NotAction, NotResource and NotPrincipal grant everything they do not name: none may be used."
  }

  assert {
    condition = alltrue(flatten([
      for doc in [
        module.state_machine.role_policy,
        module.function["plan"].role_policy,
        module.function["compute"].role_policy,
        module.function["reduce"].role_policy,
        module.sweep_state_machine.role_policy,
        module.function["sweep-plan"].role_policy,
        module.function["sweep-report"].role_policy,
        module.results_bucket.bucket_policy,
        ] : [
        for s in jsondecode(doc).Statement : [
          for a in flatten([s.Action]) : contains(var.wildcard_resource_actions, a)
        ] if s.Effect == "Allow" && anytrue([for r in flatten([s.Resource]) : strcontains(r, "*") && !startswith(r, "arn:")])
      ]
    ]))
    error_message = "A statement on Resource \"*\" may carry only the X-Ray and log-delivery actions AWS grants on \"*\" alone."
  }

  assert {
    condition = [
      for doc in [
        module.state_machine.role_policy, module.state_machine.assume_role_policy,
        module.function["plan"].role_policy, module.function["plan"].assume_role_policy,
        module.function["compute"].role_policy, module.function["compute"].assume_role_policy,
        module.function["reduce"].role_policy, module.function["reduce"].assume_role_policy,
        module.sweep_state_machine.role_policy, module.sweep_state_machine.assume_role_policy,
        module.function["sweep-plan"].role_policy, module.function["sweep-plan"].assume_role_policy,
        module.function["sweep-report"].role_policy, module.function["sweep-report"].assume_role_policy,
        module.results_bucket.bucket_policy,
        ] : [
        for s in jsondecode(doc).Statement : s
        if s.Effect != "Allow" || try(s.Principal == "*", false) || try(contains(values(s.Principal), "*"), false)
      ]
      ] == [[], [], [], [], [], [], [], [], [], [], [], [], [], [], [
        {
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:*"
          Resource  = [var.bucket, "${var.bucket}/*"]
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        },
    ]]
    error_message = "The only Deny and the only Principal \"*\" must be the bucket policy's refusal of every request without TLS."
  }

  # --- trust policies --------------------------------------------------------------------

  assert {
    condition = (
      jsondecode(module.state_machine.assume_role_policy).Statement == [
        {
          Effect    = "Allow"
          Principal = { Service = "states.amazonaws.com" }
          Action    = "sts:AssumeRole"
          Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
        },
      ]
    )
    error_message = "Only Step Functions of this account may assume the state machine role."
  }

  assert {
    condition = alltrue([
      for doc in [
        module.function["plan"].assume_role_policy,
        module.function["compute"].assume_role_policy,
        module.function["reduce"].assume_role_policy,
        ] : jsondecode(doc).Statement == [
        { Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" },
      ]
    ])
    error_message = "Only the Lambda service may assume a function role."
  }

  # --- the state machine role ------------------------------------------------------------

  assert {
    condition = sort(distinct(flatten([
      for s in jsondecode(module.state_machine.role_policy).Statement : flatten([s.Resource])
      if s.Effect == "Allow" && contains(flatten([s.Action]), "lambda:InvokeFunction")
      ]))) == sort([
      "arn:aws:lambda:eu-west-1:123456789012:function:iam-plan",
      "arn:aws:lambda:eu-west-1:123456789012:function:iam-compute",
      "arn:aws:lambda:eu-west-1:123456789012:function:iam-reduce",
      "arn:aws:lambda:eu-west-1:123456789012:function:iam-plan:*",
      "arn:aws:lambda:eu-west-1:123456789012:function:iam-compute:*",
      "arn:aws:lambda:eu-west-1:123456789012:function:iam-reduce:*",
    ])
    error_message = "The state machine may invoke only its three functions (and their versions and aliases)."
  }

  assert {
    condition = sort(distinct(flatten([
      for s in jsondecode(module.state_machine.role_policy).Statement : flatten([s.Resource])
      if s.Effect == "Allow" && contains(flatten([s.Action]), "states:StartExecution")
    ]))) == tolist(["arn:aws:states:eu-west-1:123456789012:stateMachine:iam-run"])
    error_message = "The state machine may start executions of itself only (its map children)."
  }

  assert {
    condition = sort(distinct(flatten([
      for s in jsondecode(module.state_machine.role_policy).Statement : flatten([s.Resource])
      if s.Effect == "Allow" && length(setintersection(flatten([s.Action]), ["states:DescribeExecution", "states:StopExecution"])) > 0
      ]))) == tolist([
      "arn:aws:states:eu-west-1:123456789012:execution:iam-run/*",
      "arn:aws:states:eu-west-1:123456789012:express:iam-run/*",
    ])
    error_message = "The state machine may describe and stop only its own executions."
  }

  assert {
    condition = sort(distinct(flatten([
      for s in jsondecode(module.state_machine.role_policy).Statement : flatten([s.Resource])
      if s.Effect == "Allow" && contains(flatten([s.Action]), "s3:GetObject")
      ]))) == tolist([
      "${var.bucket}/runs/*/chunks.json",
      "${var.bucket}/runs/*/results/*",
    ])
    error_message = "The state machine may read only runs/*/chunks.json (ItemReader) and its own ResultWriter output runs/*/results/*."
  }

  assert {
    condition = sort(distinct(flatten([
      for s in jsondecode(module.state_machine.role_policy).Statement : flatten([s.Resource])
      if s.Effect == "Allow" && length([for a in flatten([s.Action]) : a if startswith(a, "s3:") && a != "s3:GetObject"]) > 0
    ]))) == tolist(["${var.bucket}/runs/*/results/*"])
    error_message = "The state machine may write only runs/*/results/* (ResultWriter)."
  }

  assert {
    condition = sort(distinct(flatten([
      for s in jsondecode(module.state_machine.role_policy).Statement : flatten([s.Action]) if s.Effect == "Allow"
      ]))) == sort(concat(var.wildcard_resource_actions, [
      "lambda:InvokeFunction",
      "states:StartExecution",
      "states:DescribeExecution",
      "states:StopExecution",
      "s3:GetObject",
      "s3:PutObject",
      "s3:ListMultipartUploadParts",
      "s3:AbortMultipartUpload",
    ]))
    error_message = "The state machine role must hold exactly the actions it needs, nothing more."
  }

  # --- the function roles ----------------------------------------------------------------
  # Whole grants compared exactly: action => resources, over every Allow statement.

  assert {
    condition = module.function["plan"].role_grants == {
      "logs:CreateLogStream"     = tolist(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-plan:*"])
      "logs:PutLogEvents"        = tolist(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-plan:*"])
      "s3:PutObject"             = tolist(["${var.bucket}/runs/*/chunks.json"])
      "xray:PutTraceSegments"    = tolist(["*"])
      "xray:PutTelemetryRecords" = tolist(["*"])
    }
    error_message = "The plan function may write only runs/*/chunks.json and its own log group (and X-Ray when tracing)."
  }

  assert {
    condition = module.function["compute"].role_grants == {
      "logs:CreateLogStream"     = tolist(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-compute:*"])
      "logs:PutLogEvents"        = tolist(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-compute:*"])
      "s3:PutObject"             = tolist(["${var.bucket}/runs/*/partials/*"])
      "xray:PutTraceSegments"    = tolist(["*"])
      "xray:PutTelemetryRecords" = tolist(["*"])
    }
    error_message = "The compute function may write only runs/*/partials/* and its own log group (and X-Ray when tracing)."
  }

  assert {
    condition = module.function["reduce"].role_grants == {
      "logs:CreateLogStream"     = tolist(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-reduce:*"])
      "logs:PutLogEvents"        = tolist(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-reduce:*"])
      "s3:GetObject"             = tolist(["${var.bucket}/runs/*"])
      "s3:PutObject"             = tolist(["${var.bucket}/runs/*/result.txt", "${var.bucket}/runs/*/summary.json"])
      "xray:PutTraceSegments"    = tolist(["*"])
      "xray:PutTelemetryRecords" = tolist(["*"])
    }
    error_message = "The reduce function may read runs/* and write only runs/*/result.txt, runs/*/summary.json and its own log group (and X-Ray when tracing)."
  }
}

run "no_xray_grants_without_tracing" {
  command = plan

  variables {
    enable_xray_tracing = false
  }

  assert {
    condition = alltrue(flatten([
      for doc in [
        module.state_machine.role_policy,
        module.function["plan"].role_policy,
        module.function["compute"].role_policy,
        module.function["reduce"].role_policy,
        module.sweep_state_machine.role_policy,
        module.function["sweep-plan"].role_policy,
        module.function["sweep-report"].role_policy,
        ] : [
        for s in jsondecode(doc).Statement : [for a in flatten([s.Action]) : !startswith(a, "xray:")]
      ]
    ]))
    error_message = "X-Ray actions must be granted only when enable_xray_tracing is on."
  }

  assert {
    condition = [
      for doc in [
        module.state_machine.role_policy,
        module.function["plan"].role_policy,
        module.function["compute"].role_policy,
        module.function["reduce"].role_policy,
        module.sweep_state_machine.role_policy,
        module.function["sweep-plan"].role_policy,
        module.function["sweep-report"].role_policy,
        ] : [
        for s in jsondecode(doc).Statement : s.Sid if contains(flatten([s.Resource]), "*")
      ]
    ] == [["DeliverExecutionLogs"], [], [], [], ["DeliverExecutionLogs"], [], []]
    error_message = "Without tracing the only statements on Resource \"*\" are the state machines' log delivery."
  }
}

# The sweep: its role may start, describe and stop only the fan-out's executions (its jobs),
# plus what .sync needs, as AWS documents for a nested workflow run synchronously:
# https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html
run "the_sweep_may_run_only_fanout_jobs" {
  command = plan

  variables {
    enable_xray_tracing = false
  }

  assert {
    condition = {
      for a in distinct(flatten([for s in jsondecode(module.sweep_state_machine.role_policy).Statement : flatten([s.Action]) if s.Effect == "Allow" && !contains(flatten([s.Resource]), "*")])) :
      a => sort(distinct(flatten([for s in jsondecode(module.sweep_state_machine.role_policy).Statement : flatten([s.Resource]) if s.Effect == "Allow" && contains(flatten([s.Action]), a)])))
      } == {
      "lambda:InvokeFunction" = sort([
        "arn:aws:lambda:eu-west-1:123456789012:function:iam-sweep-plan",
        "arn:aws:lambda:eu-west-1:123456789012:function:iam-sweep-report",
        "arn:aws:lambda:eu-west-1:123456789012:function:iam-sweep-plan:*",
        "arn:aws:lambda:eu-west-1:123456789012:function:iam-sweep-report:*",
      ])
      # the fan-out (each job) and itself (its map's children)
      "states:StartExecution" = tolist([
        "arn:aws:states:eu-west-1:123456789012:stateMachine:iam-run",
        "arn:aws:states:eu-west-1:123456789012:stateMachine:iam-sweep",
      ])
      "states:DescribeExecution" = tolist([
        "arn:aws:states:eu-west-1:123456789012:execution:iam-run:*",
        "arn:aws:states:eu-west-1:123456789012:execution:iam-sweep/*",
      ])
      "states:StopExecution" = tolist([
        "arn:aws:states:eu-west-1:123456789012:execution:iam-run:*",
        "arn:aws:states:eu-west-1:123456789012:execution:iam-sweep/*",
      ])
      "events:PutTargets"           = tolist(["arn:aws:events:eu-west-1:123456789012:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"])
      "events:PutRule"              = tolist(["arn:aws:events:eu-west-1:123456789012:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"])
      "events:DescribeRule"         = tolist(["arn:aws:events:eu-west-1:123456789012:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"])
      "s3:GetObject"                = tolist(["${var.bucket}/runs/*/jobs.json", "${var.bucket}/runs/*/sweep-results/*"])
      "s3:PutObject"                = tolist(["${var.bucket}/runs/*/sweep-results/*"])
      "s3:ListMultipartUploadParts" = tolist(["${var.bucket}/runs/*/sweep-results/*"])
      "s3:AbortMultipartUpload"     = tolist(["${var.bucket}/runs/*/sweep-results/*"])
    }
    error_message = "The sweep may invoke only its two functions, start only fan-out jobs (and its own map children), describe and stop only those, use only the .sync managed rule, read runs/*/jobs.json and write only runs/*/sweep-results/*."
  }

  assert {
    condition = module.function["sweep-plan"].role_grants == {
      "logs:CreateLogStream" = tolist(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-sweep-plan:*"])
      "logs:PutLogEvents"    = tolist(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-sweep-plan:*"])
      "s3:GetObject"         = tolist(["${var.bucket}/jobs/*"])
      "s3:PutObject"         = tolist(["${var.bucket}/runs/*/jobs.json"])
    }
    error_message = "The sweep plan function may read only jobs files (jobs/*) and write only runs/*/jobs.json and its own log group."
  }

  assert {
    condition = [
      for s in jsondecode(module.function["sweep-report"].role_policy).Statement :
      { actions = flatten([s.Action]), resources = flatten([s.Resource]), condition = try(s.Condition, null) }
      if s.Effect == "Allow"
      ] == [
      { actions = ["logs:CreateLogStream", "logs:PutLogEvents"], resources = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/iam-sweep-report:*"], condition = null },
      { actions = ["s3:GetObject"], resources = ["${var.bucket}/runs/*/sweep-results/*"], condition = null },
      { actions = ["s3:ListBucket"], resources = [var.bucket], condition = { StringLike = { "s3:prefix" = ["runs/*/sweep-results/*"] } } },
      { actions = ["s3:PutObject"], resources = ["${var.bucket}/runs/*/sweep_report.jsonl", "${var.bucket}/runs/*/sweep_summary.json"], condition = null },
    ]
    error_message = "The sweep report function may read runs/*/sweep-results/*, list only under that prefix, and write only the sweep report and summary."
  }
}

run "functions_read_exactly_the_allowed_input_locations" {
  command = plan

  variables {
    enable_xray_tracing     = false
    allowed_input_locations = ["s3://data-in/incoming/2026/", "s3://whole-bucket/"]
  }

  assert {
    condition = [
      for s in jsondecode(module.function["plan"].role_policy).Statement : s
      if length(setintersection(flatten([s.Action]), ["s3:GetObject", "s3:ListBucket"])) > 0
      ] == [
      {
        Sid      = "ReadAllowedInputs"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["arn:aws:s3:::data-in/incoming/2026/*", "arn:aws:s3:::whole-bucket/*"]
      },
      {
        Sid       = "ListAllowedInputs0"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = ["arn:aws:s3:::data-in"]
        Condition = { StringLike = { "s3:prefix" = ["incoming/2026/*"] } }
      },
      {
        Sid      = "ListAllowedInputs1"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = ["arn:aws:s3:::whole-bucket"]
      },
    ]
    error_message = "The plan function may read, and list only under, exactly the allowed input locations."
  }

  assert {
    condition = [
      for s in jsondecode(module.function["compute"].role_policy).Statement : s
      if length(setintersection(flatten([s.Action]), ["s3:GetObject", "s3:ListBucket"])) > 0
      ] == [
      {
        Sid      = "ReadAllowedInputs"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["arn:aws:s3:::data-in/incoming/2026/*", "arn:aws:s3:::whole-bucket/*"]
      },
    ]
    error_message = "The compute function may read exactly the allowed input locations and list nothing."
  }

  assert {
    condition = alltrue(flatten([
      for doc in [module.function["reduce"].role_policy, module.state_machine.role_policy] : [
        for s in jsondecode(doc).Statement : [
          for r in flatten([s.Resource]) : !strcontains(r, "data-in") && !strcontains(r, "whole-bucket")
        ]
      ]
    ]))
    error_message = "Neither the reduce function nor the state machine may touch the input locations."
  }
}

run "fault_injection_adds_only_the_fault_marker_read_to_compute" {
  command = plan

  variables {
    enable_fault_injection = true
  }

  assert {
    condition = [
      for s in jsondecode(module.function["compute"].role_policy).Statement : s
      if s.Sid == "ReadFaultMarkers"
      ] == [
      {
        Sid      = "ReadFaultMarkers"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["${var.bucket}/runs/*/faults/*"]
      },
    ]
    error_message = "With fault injection on, compute may read runs/*/faults/* (the blocked fault's marker) and nothing more."
  }

  assert {
    condition = [
      for doc in [module.function["plan"].role_policy, module.function["reduce"].role_policy] : [
        for s in jsondecode(doc).Statement : s.Sid if s.Sid == "ReadFaultMarkers"
      ]
    ] == [[], []]
    error_message = "Only the compute function reads fault markers."
  }
}
