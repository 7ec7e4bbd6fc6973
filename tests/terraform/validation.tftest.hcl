# Every validated root variable refuses one bad value (plan level, mocked provider).
# Run: terraform test -test-directory=tests/terraform

mock_provider "aws" {
  source = "./tests/terraform/mocks"
}

variables {
  aws_region = "eu-west-1"
}

run "valid_boundaries_are_accepted" {
  command = plan

  variables {
    name_prefix                  = "abc"
    lambda_runtime               = "python3.13"
    lambda_architecture          = "arm64"
    plan_memory_size             = 128
    compute_memory_size          = 10240
    plan_timeout                 = 1
    compute_timeout              = 900
    map_max_concurrency          = 10000
    tolerated_failure_percentage = 100
    tolerated_failure_count      = 5
    child_execution_type         = "EXPRESS"
    retry                        = { max_attempts = 0, interval_seconds = 1, backoff_rate = 1, max_delay_seconds = 1, lambda_unknown_max_attempts = 0 }
    max_chunks                   = 1
    default_workload             = "repro_check"
    log_level                    = "DEBUG"
    state_machine_log_level      = "OFF"
    log_retention_days           = 0
    result_expiration_days       = 3650
    allowed_input_locations      = ["s3://abc/", "s3://my.data-bucket/inputs/2026/"]
  }
}

run "rejects_name_prefix_uppercase" {
  command = plan

  variables {
    name_prefix = "Fanout"
  }

  expect_failures = [var.name_prefix]
}

run "rejects_name_prefix_too_short" {
  command = plan

  variables {
    name_prefix = "ab"
  }

  expect_failures = [var.name_prefix]
}

run "rejects_name_prefix_too_long" {
  command = plan

  variables {
    name_prefix = "a-very-long-prefix-over-24"
  }

  expect_failures = [var.name_prefix]
}

run "rejects_name_prefix_double_hyphen" {
  command = plan

  variables {
    name_prefix = "fan--out"
  }

  expect_failures = [var.name_prefix]
}

run "rejects_aws_region" {
  command = plan

  variables {
    aws_region = "Europe"
  }

  expect_failures = [var.aws_region]
}

run "rejects_lambda_runtime" {
  command = plan

  variables {
    lambda_runtime = "python3.11"
  }

  expect_failures = [var.lambda_runtime]
}

run "rejects_lambda_architecture" {
  command = plan

  variables {
    lambda_architecture = "amd64"
  }

  expect_failures = [var.lambda_architecture]
}

run "rejects_plan_memory_size" {
  command = plan

  variables {
    plan_memory_size = 64
  }

  expect_failures = [var.plan_memory_size]
}

run "rejects_compute_memory_size" {
  command = plan

  variables {
    compute_memory_size = 10241
  }

  expect_failures = [var.compute_memory_size]
}

run "rejects_reduce_memory_size" {
  command = plan

  variables {
    reduce_memory_size = 127
  }

  expect_failures = [var.reduce_memory_size]
}

run "rejects_plan_timeout" {
  command = plan

  variables {
    plan_timeout = 0
  }

  expect_failures = [var.plan_timeout]
}

run "rejects_compute_timeout" {
  command = plan

  variables {
    compute_timeout = 901
  }

  expect_failures = [var.compute_timeout]
}

run "rejects_reduce_timeout" {
  command = plan

  variables {
    reduce_timeout = 1000
  }

  expect_failures = [var.reduce_timeout]
}

run "rejects_map_max_concurrency" {
  command = plan

  variables {
    map_max_concurrency = 0
  }

  expect_failures = [var.map_max_concurrency]
}

run "rejects_map_max_concurrency_too_high" {
  command = plan

  variables {
    map_max_concurrency = 10001
  }

  expect_failures = [var.map_max_concurrency]
}

run "rejects_tolerated_failure_percentage" {
  command = plan

  variables {
    tolerated_failure_percentage = 101
  }

  expect_failures = [var.tolerated_failure_percentage]
}

run "rejects_tolerated_failure_count" {
  command = plan

  variables {
    tolerated_failure_count = -1
  }

  expect_failures = [var.tolerated_failure_count]
}

run "rejects_child_execution_type" {
  command = plan

  variables {
    child_execution_type = "SYNC"
  }

  expect_failures = [var.child_execution_type]
}

run "rejects_retry_max_attempts" {
  command = plan

  variables {
    retry = { max_attempts = -1 }
  }

  expect_failures = [var.retry]
}

run "rejects_retry_interval_seconds" {
  command = plan

  variables {
    retry = { interval_seconds = 0 }
  }

  expect_failures = [var.retry]
}

run "rejects_retry_backoff_rate" {
  command = plan

  variables {
    retry = { backoff_rate = 0.5 }
  }

  expect_failures = [var.retry]
}

run "rejects_retry_max_delay_seconds" {
  command = plan

  variables {
    retry = { max_delay_seconds = 0 }
  }

  expect_failures = [var.retry]
}

run "rejects_retry_lambda_unknown_max_attempts" {
  command = plan

  variables {
    retry = { lambda_unknown_max_attempts = 11 }
  }

  expect_failures = [var.retry]
}

run "rejects_max_size" {
  command = plan

  variables {
    max_size = 0
  }

  expect_failures = [var.max_size]
}

run "rejects_max_chunk_size" {
  command = plan

  variables {
    max_chunk_size = 0
  }

  expect_failures = [var.max_chunk_size]
}

run "rejects_max_chunks" {
  command = plan

  variables {
    max_chunks = 10001
  }

  expect_failures = [var.max_chunks]
}

run "rejects_default_workload" {
  command = plan

  variables {
    default_workload = "prime_sieve"
  }

  expect_failures = [var.default_workload]
}

# The protocol and the package file are modules in the folder but not workloads: the same
# rule as the Python registry (lambda_src/fanout/workloads/__init__.py).
run "rejects_default_workload_base" {
  command = plan

  variables {
    default_workload = "base"
  }

  expect_failures = [var.default_workload]
}

run "rejects_default_workload_package_file" {
  command = plan

  variables {
    default_workload = "__init__"
  }

  expect_failures = [var.default_workload]
}

run "rejects_log_level" {
  command = plan

  variables {
    log_level = "TRACE"
  }

  expect_failures = [var.log_level]
}

run "rejects_state_machine_log_level" {
  command = plan

  variables {
    state_machine_log_level = "DEBUG"
  }

  expect_failures = [var.state_machine_log_level]
}

run "rejects_log_retention_days" {
  command = plan

  variables {
    log_retention_days = 10
  }

  expect_failures = [var.log_retention_days]
}

run "rejects_result_expiration_days" {
  command = plan

  variables {
    result_expiration_days = 0
  }

  expect_failures = [var.result_expiration_days]
}

run "rejects_allowed_input_locations_no_trailing_slash" {
  command = plan

  variables {
    allowed_input_locations = ["s3://my-data/inputs"]
  }

  expect_failures = [var.allowed_input_locations]
}

run "rejects_allowed_input_locations_bad_bucket" {
  command = plan

  variables {
    allowed_input_locations = ["s3://My_Data/"]
  }

  expect_failures = [var.allowed_input_locations]
}

run "rejects_allowed_input_locations_not_s3" {
  command = plan

  variables {
    allowed_input_locations = ["https://my-data.s3.amazonaws.com/inputs/"]
  }

  expect_failures = [var.allowed_input_locations]
}

run "rejects_allowed_input_locations_wildcard" {
  command = plan

  variables {
    allowed_input_locations = ["s3://my-data/in*/"]
  }

  expect_failures = [var.allowed_input_locations]
}

run "rejects_allowed_input_locations_too_long_for_the_environment" {
  command = plan

  variables {
    allowed_input_locations = [for n in range(60) : "s3://my-data/a-rather-long-prefix-${n}/"]
  }

  expect_failures = [var.allowed_input_locations]
}
