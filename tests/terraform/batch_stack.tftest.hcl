# The whole stack with the AWS Batch backend off (as before: no Batch resource, no VPC) and
# on with each integration: routing settings reach the plan function, the child workflow
# routes with a Choice, and the state machine role holds exactly AWS's documented grants
# for batch:submitJob.sync. Mocked AWS provider.
# Run: terraform test -test-directory=tests/terraform -filter=tests/terraform/batch_stack.tftest.hcl

mock_provider "aws" {
  source          = "./tests/terraform/mocks"
  override_during = plan

  mock_resource "aws_lambda_function" {
    defaults = {
      arn = "arn:aws:lambda:eu-west-1:123456789012:function:bat-mocked"
    }
  }
  mock_resource "aws_batch_job_queue" {
    defaults = {
      arn = "arn:aws:batch:eu-west-1:123456789012:job-queue/bat-queue"
    }
  }
  mock_resource "aws_batch_job_definition" {
    defaults = {
      arn = "arn:aws:batch:eu-west-1:123456789012:job-definition/bat-chunk:1"
    }
  }
}

variables {
  aws_region  = "eu-west-1"
  name_prefix = "bat"
  network = {
    vpc_id     = "vpc-0123456789abcdef0"
    subnet_ids = ["subnet-0123456789abcdef0"]
  }
}

run "off_deploys_no_batch_and_children_go_straight_to_compute" {
  command = plan

  assert {
    condition = (
      length(module.batch_backend) == 0 && !contains(keys(module.function), "submit") &&
      output.batch_job_queue_arn == null && output.batch_log_group_name == null
    )
    error_message = "With enable_batch off no Batch resource (and no submit function) is planned."
  }

  assert {
    condition = (
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.StartAt == "Compute" &&
      keys(jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.States) == ["Compute"]
    )
    error_message = "With enable_batch off each child is the Compute task alone, as before."
  }

  assert {
    condition = alltrue([
      for s in jsondecode(module.state_machine.role_policy).Statement : alltrue([
        for a in flatten([s.Action]) : !startswith(a, "batch:") && !startswith(a, "events:")
      ])
    ])
    error_message = "With enable_batch off the state machine role has no Batch or EventBridge grant."
  }

  assert {
    condition     = module.function["plan"].environment_variables.BATCH_ENABLED == "false"
    error_message = "The plan function knows Batch is off, so it refuses chunks that do not fit Lambda."
  }
}

run "sync_routes_heavy_chunks_to_submit_job_sync" {
  command = plan

  variables {
    enable_batch = true
    batch        = var.network
  }

  assert {
    condition = (
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.StartAt == "Route" &&
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.States.Route.Choices == [
        { Variable = "$.chunk.backend", StringEquals = "batch", Next = "RunOnBatch" },
      ] &&
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.States.Route.Default == "Compute"
    )
    error_message = "Each child routes on its chunk's backend: batch to RunOnBatch, anything else to Compute."
  }

  assert {
    condition = (
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.States.RunOnBatch.Resource == "arn:aws:states:::batch:submitJob.sync" &&
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.States.RunOnBatch.Parameters.JobQueue == "arn:aws:batch:eu-west-1:123456789012:job-queue/bat-queue" &&
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.States.RunOnBatch.Parameters.JobDefinition == "arn:aws:batch:eu-west-1:123456789012:job-definition/bat-chunk:1" &&
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.States.RunOnBatch.Next == "ShapeBatchOutput"
    )
    error_message = "RunOnBatch submits the job to the stack's queue and definition with batch:submitJob.sync."
  }

  assert {
    condition = {
      for s in jsondecode(module.state_machine.role_policy).Statement : s.Sid => { a = s.Action, r = s.Resource }
      if anytrue([for a in flatten([s.Action]) : startswith(a, "batch:") || startswith(a, "events:")])
      } == {
      SubmitBatchJobs = {
        a = ["batch:SubmitJob"]
        r = ["arn:aws:batch:eu-west-1:123456789012:job-queue/bat-queue", "arn:aws:batch:eu-west-1:123456789012:job-definition/bat-chunk:*"]
      }
      TrackBatchJobs = { a = ["batch:DescribeJobs", "batch:TerminateJob"], r = ["*"] }
      BatchJobEventsRule = {
        a = ["events:PutTargets", "events:PutRule", "events:DescribeRule"]
        r = ["arn:aws:events:eu-west-1:123456789012:rule/StepFunctionsGetEventsForBatchJobsRule"]
      }
    }
    error_message = "The state machine holds AWS's documented batch:submitJob.sync grants, SubmitJob scoped to its queue and job definition."
  }

  assert {
    condition = (
      !contains(keys(module.function), "submit") &&
      !anytrue([for s in jsondecode(module.batch_backend[0].job_role_policy).Statement : anytrue([for a in flatten([s.Action]) : startswith(a, "states:")])])
    )
    error_message = "With .sync there is no submit function and the job role has no Step Functions grant."
  }

  assert {
    condition = (
      module.function["plan"].environment_variables.BATCH_ENABLED == "true" &&
      module.function["plan"].environment_variables.BATCH_TIMEOUT == "14400" &&
      module.function["plan"].environment_variables.COMPUTE_TIMEOUT == "900"
    )
    error_message = "The plan function knows the Lambda and Batch limits it routes by."
  }
}

run "callback_uses_lambda_wait_for_task_token_never_batch" {
  command = plan

  variables {
    enable_batch = true
    batch        = merge(var.network, { integration = "callback", heartbeat_seconds = 45 })
  }

  assert {
    condition = (
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.States.RunOnBatch.Resource == "arn:aws:states:::lambda:invoke.waitForTaskToken" &&
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.States.RunOnBatch.HeartbeatSeconds == 45 &&
      jsondecode(module.state_machine.definition).States.FanOut.ItemProcessor.States.RunOnBatch.Parameters.Payload["task_token.$"] == "$$.Task.Token" &&
      !strcontains(module.state_machine.definition, "batch:submitJob.waitForTaskToken")
    )
    error_message = "The callback integration invokes the submit function with the task token and a heartbeat; AWS rejects batch:submitJob.waitForTaskToken."
  }

  assert {
    condition = (
      contains(keys(module.function), "submit") &&
      [for s in jsondecode(module.batch_backend[0].job_role_policy).Statement : s.Action if s.Sid == "ReportToOwnStateMachine"] == [
        ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
      ] &&
      !anytrue([for s in jsondecode(module.state_machine.role_policy).Statement : anytrue([for a in flatten([s.Action]) : startswith(a, "batch:")])])
    )
    error_message = "With the callback the submit function submits, the job role reports, and the state machine has no Batch grant."
  }
}

run "batch_jobs_read_exactly_the_allowed_input_locations" {
  command = plan

  variables {
    enable_batch            = true
    batch                   = var.network
    allowed_input_locations = ["s3://data-bucket/inputs/", "s3://other-bucket/"]
  }

  assert {
    condition = (
      [for s in jsondecode(module.batch_backend[0].job_role_policy).Statement : { a = s.Action, r = s.Resource } if s.Sid == "ReadAllowedInputs"] == [
        { a = ["s3:GetObject"], r = ["arn:aws:s3:::data-bucket/inputs/*", "arn:aws:s3:::other-bucket/*"] },
      ] &&
      !anytrue([for s in jsondecode(module.batch_backend[0].job_role_policy).Statement : contains(flatten([s.Action]), "s3:ListBucket")])
    )
    error_message = "A Batch job of a run over data may read the allowed input locations, as the compute function may, and list nothing."
  }
}

run "batch_jobs_read_no_input_location_when_none_is_allowed" {
  command = plan

  variables {
    enable_batch = true
    batch        = var.network
  }

  assert {
    condition     = !anytrue([for s in jsondecode(module.batch_backend[0].job_role_policy).Statement : s.Sid == "ReadAllowedInputs"])
    error_message = "Without allowed input locations the job role reads only the code package."
  }
}

run "batch_without_a_network_is_refused" {
  command = plan

  variables {
    enable_batch = true
    batch        = {}
  }

  expect_failures = [var.batch]
}

run "batch_with_express_children_is_refused" {
  command = plan

  variables {
    enable_batch         = true
    batch                = var.network
    child_execution_type = "EXPRESS"
  }

  expect_failures = [var.enable_batch]
}

run "fargate_limits_are_checked" {
  command = plan

  variables {
    enable_batch = true
    batch        = merge(var.network, { vcpus = 32, memory_mb = 131072 })
  }

  expect_failures = [var.batch]
}

run "every_batch_policy_names_its_actions_and_wildcards_only_what_aws_requires" {
  command = plan

  variables {
    enable_batch = true
    batch        = merge(var.network, { integration = "sync" })
  }

  assert {
    condition = alltrue(flatten([
      for doc in [
        module.state_machine.role_policy,
        module.batch_backend[0].job_role_policy,
        module.batch_backend[0].execution_role_policy,
        ] : [
        for s in jsondecode(doc).Statement : [
          for a in flatten([s.Action]) : !strcontains(a, "*") && length(setintersection(keys(s), ["NotAction", "NotResource"])) == 0
        ]
      ]
    ]))
    error_message = "Every Batch-related grant names its actions in full, with no NotAction or NotResource."
  }

  assert {
    condition = sort(distinct(flatten([
      for doc in [
        module.state_machine.role_policy,
        module.batch_backend[0].job_role_policy,
        module.batch_backend[0].execution_role_policy,
        ] : [
        for s in jsondecode(doc).Statement : flatten([s.Action]) if contains(flatten([s.Resource]), "*")
      ]
      ]))) == sort([
      "batch:DescribeJobs",
      "batch:TerminateJob",
      "logs:CreateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:DescribeLogGroups",
      "logs:DescribeResourcePolicies",
      "logs:GetLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:UpdateLogDelivery",
    ])
    error_message = "Only AWS's documented wildcard grants (the .sync job tracking and log delivery) use Resource \"*\"."
  }
}
