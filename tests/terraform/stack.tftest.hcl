# Plan-level checks of the whole stack with a mocked AWS provider (no credentials, no network).
# Run: terraform test -test-directory=tests/terraform   (Terraform >= 1.11 for override_during)

mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }
  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::fanout-results-123456789012-eu-west-1"
    }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mocked"
    }
  }
  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/mocked"
    }
  }
  mock_resource "aws_sfn_state_machine" {
    defaults = {
      arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:fanout-fanout"
    }
  }
}

override_resource {
  target          = module.plan_function.aws_lambda_function.this
  override_during = plan
  values = {
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:fanout-plan"
  }
}

override_resource {
  target          = module.compute_function.aws_lambda_function.this
  override_during = plan
  values = {
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:fanout-compute"
  }
}

override_resource {
  target          = module.reduce_function.aws_lambda_function.this
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
      jsondecode(module.state_machine.definition).States.FanOut.ToleratedFailurePercentage == 0 &&
      jsondecode(module.state_machine.definition).States.FanOut.ToleratedFailureCount == 0
    )
    error_message = "No failed child is tolerated by default."
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
      [[6, 2, 2, 60, "FULL"], [6, 2, 2, 60, "FULL"]]
    )
    error_message = "Compute's two retriers must carry the default retry policy with full jitter."
  }
}
