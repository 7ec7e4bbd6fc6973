# Plan-level checks of the whole stack with a mocked AWS provider (no credentials, no network).
# Run: terraform test -test-directory=tests/terraform   (Terraform >= 1.11 for override_during)

mock_provider "aws" {
  source          = "./tests/terraform/mocks"
  override_during = plan
}

override_resource {
  target          = module.results_bucket.aws_s3_bucket.this
  override_during = plan
  values = {
    arn = "arn:aws:s3:::fanout-results-123456789012-eu-west-1"
  }
}

override_resource {
  target          = module.state_machine.aws_sfn_state_machine.this
  override_during = plan
  values = {
    arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:fanout-run"
  }
}

override_resource {
  target          = module.function["plan"].aws_lambda_function.this
  override_during = plan
  values = {
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:fanout-plan"
  }
}

override_resource {
  target          = module.function["compute"].aws_lambda_function.this
  override_during = plan
  values = {
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:fanout-compute"
  }
}

override_resource {
  target          = module.function["reduce"].aws_lambda_function.this
  override_during = plan
  values = {
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:fanout-reduce"
  }
}

variables {
  aws_region = "eu-west-1"
}

run "defaults_render_a_distributed_map" {
  command = plan
  assert {
    condition     = jsondecode(module.state_machine.definition).StartAt == "Plan"
    error_message = "The state machine must start at Plan."
  }

  assert {
    condition = (
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.ProcessorConfig ==
      { Mode = "DISTRIBUTED", ExecutionType = "STANDARD" }
    )
    error_message = "FanOut must be a Distributed Map with STANDARD children by default."
  }

  assert {
    condition = (
      jsondecode(module.state_machine.definition).States.FanOut.ItemReader ==
      {
        Resource     = "arn:aws:states:::s3:getObject"
        ReaderConfig = { InputType = "JSON" }
        Parameters   = { "Bucket.$" = "$.plan.bucket", "Key.$" = "$.plan.chunks_key" }
      }
    )
    error_message = "FanOut must read the JSON chunk list named by the plan."
  }

  assert {
    condition = (
      jsondecode(module.state_machine.definition).States.FanOut.ResultWriter ==
      {
        Resource   = "arn:aws:states:::s3:putObject"
        Parameters = { "Bucket.$" = "$.plan.bucket", "Prefix.$" = "$.plan.results_prefix" }
      }
    )
    error_message = "FanOut must write child results under the plan's results prefix."
  }

  assert {
    condition     = jsondecode(module.state_machine.definition).States.FanOut.MaxConcurrency == 40
    error_message = "MaxConcurrency must default to 40."
  }

  assert {
    condition = (
      !contains(keys(jsondecode(module.state_machine.definition).States.FanOut), "ToleratedFailurePercentage") &&
      !contains(keys(jsondecode(module.state_machine.definition).States.FanOut), "ToleratedFailureCount")
    )
    error_message = "No failed child is tolerated by default: both thresholds are left out (AWS fails on the first failure)."
  }

  assert {
    condition = (
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.States.Compute.Parameters.FunctionName ==
      "arn:aws:lambda:eu-west-1:123456789012:function:fanout-compute"
    )
    error_message = "Compute must invoke the compute function."
  }

  assert {
    condition = (
      jsondecode(module.state_machine.definition).States.Plan.Parameters.FunctionName == "arn:aws:lambda:eu-west-1:123456789012:function:fanout-plan" &&
      jsondecode(module.state_machine.definition).States.Reduce.Parameters.FunctionName == "arn:aws:lambda:eu-west-1:123456789012:function:fanout-reduce"
    )
    error_message = "Plan and Reduce must invoke their own functions."
  }

  assert {
    condition = (
      [for r in jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.States.Compute.Retry : [r.MaxAttempts, r.IntervalSeconds, r.BackoffRate, r.MaxDelaySeconds, r.JitterStrategy]] ==
      [[6, 2, 2, 60, "FULL"], [6, 2, 2, 60, "FULL"], [1, 2, 2, 60, "FULL"]]
    )
    error_message = "Compute's retriers must carry the default retry policy with full jitter, Lambda.Unknown's retried once."
  }
}

run "variables_reach_the_map_and_outputs_are_ready_to_use" {
  command = plan

  variables {
    name_prefix                  = "hpc"
    child_execution_type         = "EXPRESS"
    map_max_concurrency          = 3
    tolerated_failure_percentage = 12.5
    tolerated_failure_count      = 2
  }

  assert {
    condition = (
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.ProcessorConfig.ExecutionType == "EXPRESS" &&
      jsondecode(module.state_machine.definition).States.FanOut.MaxConcurrency == 3 &&
      jsondecode(module.state_machine.definition).States.FanOut.ToleratedFailurePercentage == 12.5 &&
      jsondecode(module.state_machine.definition).States.FanOut.ToleratedFailureCount == 2
    )
    error_message = "Map variables must reach the definition."
  }

  assert {
    condition     = output.results_bucket_name == "hpc-results-123456789012-eu-west-1"
    error_message = "Bucket name must be <name_prefix>-results-<account>-<region>."
  }

  assert {
    condition     = output.function_names == { plan = "hpc-plan", compute = "hpc-compute", reduce = "hpc-reduce", sweep-plan = "hpc-sweep-plan", sweep-report = "hpc-sweep-report" }
    error_message = "Functions must be named <name_prefix>-<role>."
  }

  assert {
    condition = output.log_group_names == {
      plan                = "/aws/lambda/hpc-plan"
      compute             = "/aws/lambda/hpc-compute"
      reduce              = "/aws/lambda/hpc-reduce"
      sweep-plan          = "/aws/lambda/hpc-sweep-plan"
      sweep-report        = "/aws/lambda/hpc-sweep-report"
      state_machine       = "/aws/vendedlogs/states/hpc-run"
      sweep_state_machine = "/aws/vendedlogs/states/hpc-sweep"
    }
    error_message = "Every function and the state machine must have its own log group."
  }

  assert {
    condition     = output.start_execution_command == "aws stepfunctions start-execution --region eu-west-1 --state-machine-arn arn:aws:states:eu-west-1:123456789012:stateMachine:fanout-run --input '{\"size\": 1024}'"
    error_message = "start_execution_command must be a ready-to-paste AWS CLI command."
  }
}

run "gmpy2_is_packaged_only_with_compute_and_reduce" {
  command = plan

  assert {
    condition = (
      module.function["compute"].source_hash == module.function["reduce"].source_hash &&
      module.function["plan"].source_hash != module.function["compute"].source_hash
    )
    error_message = "With gmpy2 on (the default), compute and reduce must carry it and plan must not."
  }
}

run "gmpy2_off_packages_the_same_zip_for_all" {
  command = plan

  variables {
    enable_gmpy2 = false
  }

  assert {
    condition = (
      module.function["plan"].source_hash == module.function["compute"].source_hash &&
      module.function["compute"].source_hash == module.function["reduce"].source_hash
    )
    error_message = "With gmpy2 off every function must get the same sources and no requirements."
  }
}
