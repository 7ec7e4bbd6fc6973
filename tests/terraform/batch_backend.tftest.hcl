# Plan-level checks of modules/batch_backend on its own: least privilege of the job and
# execution roles, the job definition (resources, timeout, retry strategy), the security
# group (egress only), and the EC2 / Spot options. Mocked AWS provider.
# Run: terraform test -test-directory=tests/terraform -filter=tests/terraform/batch_backend.tftest.hcl

mock_provider "aws" {
  source          = "./tests/terraform/mocks"
  override_during = plan

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/batch/unit"
    }
  }
  mock_resource "aws_iam_instance_profile" {
    defaults = {
      arn = "arn:aws:iam::123456789012:instance-profile/unit"
    }
  }
  mock_resource "aws_batch_compute_environment" {
    defaults = {
      arn = "arn:aws:batch:eu-west-1:123456789012:compute-environment/unit"
    }
  }
}

variables {
  name               = "unit"
  partition          = "aws"
  region             = "eu-west-1"
  account_id         = "123456789012"
  vpc_id             = "vpc-0123456789abcdef0"
  subnet_ids         = ["subnet-0123456789abcdef0"]
  python_version     = "3.12"
  architecture       = "x86_64"
  bucket_name        = "unit-results"
  bucket_arn         = "arn:aws:s3:::unit-results"
  source_dir         = "./lambda_src"
  build_dir          = "./.build"
  requirements       = ["boto3==1.40.0"]
  packager           = "./modules/lambda_function/scripts/package.py"
  state_machine_arn  = "arn:aws:states:eu-west-1:123456789012:stateMachine:unit-fanout"
  log_retention_days = 14
  timeout_seconds    = 600
  environment        = { RESULTS_BUCKET = "unit-results" }
}

run "fargate_job_with_sync" {
  command = plan

  module {
    source = "./modules/batch_backend"
  }

  assert {
    condition = {
      for s in jsondecode(output.job_role_policy).Statement : s.Sid => { actions = s.Action, resources = s.Resource }
      } == {
      ReadCodePackage = { actions = ["s3:GetObject"], resources = ["arn:aws:s3:::unit-results/${aws_s3_object.code.key}"] }
      WritePartials   = { actions = ["s3:PutObject"], resources = ["arn:aws:s3:::unit-results/runs/*/partials/*"] }
    }
    error_message = "Without the callback the job role may read only its code package and write only runs/*/partials/*."
  }

  assert {
    condition = [for s in jsondecode(output.execution_role_policy).Statement : { a = s.Action, r = s.Resource }] == [
      { a = ["logs:CreateLogStream", "logs:PutLogEvents"], r = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/batch/unit:*"] },
    ]
    error_message = "The execution role may write only the jobs' own log group."
  }

  assert {
    condition = jsondecode(output.assume_role_policy).Statement == [
      {
        Effect    = "Allow"
        Principal = { Service = "ecs-tasks.amazonaws.com" }
        Action    = "sts:AssumeRole"
        Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
      },
    ]
    error_message = "Only ECS tasks of this account may assume the job and execution roles."
  }

  assert {
    condition = (
      aws_batch_compute_environment.this.compute_resources[0].type == "FARGATE" &&
      aws_batch_compute_environment.this.type == "MANAGED" &&
      length(aws_iam_instance_profile.instance) == 0
    )
    error_message = "The default is a managed Fargate compute environment without an instance role."
  }

  assert {
    condition = (
      jsondecode(output.container_properties).image == "public.ecr.aws/docker/library/python:3.12-slim" &&
      jsondecode(output.container_properties).resourceRequirements == [{ type = "VCPU", value = "1" }, { type = "MEMORY", value = "4096" }] &&
      jsondecode(output.container_properties).ephemeralStorage == { sizeInGiB = 21 } &&
      jsondecode(output.container_properties).command[0] == "python3" &&
      jsondecode(output.container_properties).runtimePlatform.cpuArchitecture == "X86_64"
    )
    error_message = "The job runs the stock image with the configured vCPU, memory and ephemeral storage."
  }

  assert {
    condition = (
      contains(jsondecode(output.container_properties).environment, { name = "FANOUT_CODE_KEY", value = aws_s3_object.code.key }) &&
      startswith(aws_s3_object.code.key, "code/") && endswith(aws_s3_object.code.key, ".zip")
    )
    error_message = "The job is told where its code package is: code/<hash>.zip in the results bucket."
  }

  assert {
    condition = (
      aws_batch_job_definition.this.timeout[0].attempt_duration_seconds == 600 &&
      aws_batch_job_definition.this.retry_strategy[0].attempts == 3
    )
    error_message = "The job definition carries the timeout and the number of attempts."
  }

  assert {
    condition = [for e in aws_batch_job_definition.this.retry_strategy[0].evaluate_on_exit : [e.action, coalesce(e.on_status_reason, "-"), coalesce(e.on_exit_code, "-")]] == [
      ["RETRY", "Host EC2*", "-"],
      ["RETRY", "CannotPullContainerError*", "-"],
      ["RETRY", "CannotStartContainerError*", "-"],
      ["RETRY", "-", "75"],
      ["EXIT", "-", "*"],
    ]
    error_message = "Infrastructure failures (and the program's transient exit 75) are retried; any other exit of the program is final."
  }

  assert {
    condition = (
      length(aws_security_group.this.ingress) == 0 &&
      [for e in aws_security_group.this.egress : [e.from_port, e.to_port, e.protocol]] == [[443, 443, "tcp"]]
    )
    error_message = "The jobs' security group has no ingress and only HTTPS egress."
  }
}

run "callback_adds_send_task_grants_on_the_state_machine" {
  command = plan

  module {
    source = "./modules/batch_backend"
  }

  variables {
    enable_callback = true
  }

  assert {
    condition = [for s in jsondecode(output.job_role_policy).Statement : { a = s.Action, r = s.Resource } if s.Sid == "ReportToOwnStateMachine"] == [
      {
        a = ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"]
        r = ["arn:aws:states:eu-west-1:123456789012:stateMachine:unit-fanout"]
      },
    ]
    error_message = "With the callback the job role may report task results to the fan-out's own state machine only."
  }
}

run "spot_with_instance_types" {
  command = plan

  module {
    source = "./modules/batch_backend"
  }

  variables {
    compute_type   = "SPOT"
    instance_types = ["c7i", "m7i"]
  }

  assert {
    condition = (
      aws_batch_compute_environment.this.compute_resources[0].type == "SPOT" &&
      tolist(aws_batch_compute_environment.this.compute_resources[0].instance_type) == tolist(["c7i", "m7i"]) &&
      aws_batch_compute_environment.this.compute_resources[0].allocation_strategy == "SPOT_PRICE_CAPACITY_OPTIMIZED" &&
      length(aws_iam_instance_profile.instance) == 1 &&
      aws_batch_job_definition.this.platform_capabilities == toset(["EC2"]) &&
      jsondecode(output.container_properties).ephemeralStorage == null
    )
    error_message = "SPOT gives an EC2 Spot compute environment with the instance types and an instance role."
  }
}

run "a_package_without_boto3_is_refused" {
  command = plan

  module {
    source = "./modules/batch_backend"
  }

  variables {
    requirements = ["gmpy2==2.3.2"]
  }

  expect_failures = [var.requirements]
}

run "bad_network_inputs_are_refused" {
  command = plan

  module {
    source = "./modules/batch_backend"
  }

  variables {
    subnet_ids = []
    vpc_id     = "my-vpc"
  }

  expect_failures = [var.subnet_ids, var.vpc_id]
}
