variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name (functions, state machine, roles, bucket)."
  default     = "fanout"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix)) && !strcontains(var.name_prefix, "--") && !startswith(var.name_prefix, "xn-") && !startswith(var.name_prefix, "sthree-")
    error_message = "name_prefix must be 3-24 characters: lowercase letters, digits and single hyphens, starting with a letter and ending with a letter or digit (not starting with 'xn-' or 'sthree-'), so the bucket name <name_prefix>-results-<account>-<region> stays within S3's 63 characters."
  }
}

variable "aws_region" {
  type        = string
  description = "AWS region to deploy to."
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.aws_region))
    error_message = "aws_region must be an AWS region code such as us-east-1 or eu-west-2."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags applied to every resource through the provider's default_tags."
  default = {
    Project   = "hpc-fanout"
    ManagedBy = "terraform"
  }
}

variable "lambda_runtime" {
  type        = string
  description = "Python runtime of the Lambda functions (gmpy2 wheels are fetched for its version)."
  default     = "python3.12"

  validation {
    condition     = contains(["python3.12", "python3.13"], var.lambda_runtime)
    error_message = "lambda_runtime must be python3.12 or python3.13."
  }
}

variable "lambda_architecture" {
  type        = string
  description = "Instruction set of the Lambda functions (arm64 is cheaper per GB-second)."
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.lambda_architecture)
    error_message = "lambda_architecture must be x86_64 or arm64."
  }
}

variable "plan_memory_size" {
  type        = number
  description = "Memory of the plan function in MB."
  default     = 256

  validation {
    condition     = var.plan_memory_size >= 128 && var.plan_memory_size <= 10240 && floor(var.plan_memory_size) == var.plan_memory_size
    error_message = "plan_memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "compute_memory_size" {
  type        = number
  description = "Memory of the compute function in MB (CPU grows with it; 1769 MB is one full vCPU)."
  default     = 1769

  validation {
    condition     = var.compute_memory_size >= 128 && var.compute_memory_size <= 10240 && floor(var.compute_memory_size) == var.compute_memory_size
    error_message = "compute_memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "reduce_memory_size" {
  type        = number
  description = "Memory of the reduce function in MB (it holds the full result)."
  default     = 1769

  validation {
    condition     = var.reduce_memory_size >= 128 && var.reduce_memory_size <= 10240 && floor(var.reduce_memory_size) == var.reduce_memory_size
    error_message = "reduce_memory_size must be a whole number of MB from 128 to 10240."
  }
}

variable "plan_timeout" {
  type        = number
  description = "Timeout of the plan function in seconds."
  default     = 60

  validation {
    condition     = var.plan_timeout >= 1 && var.plan_timeout <= 900 && floor(var.plan_timeout) == var.plan_timeout
    error_message = "plan_timeout must be a whole number of seconds from 1 to 900."
  }
}

variable "compute_timeout" {
  type        = number
  description = "Timeout of the compute function in seconds (the reference kernel needs about 6 minutes for the heaviest items of size 1024)."
  default     = 900

  validation {
    condition     = var.compute_timeout >= 1 && var.compute_timeout <= 900 && floor(var.compute_timeout) == var.compute_timeout
    error_message = "compute_timeout must be a whole number of seconds from 1 to 900."
  }
}

variable "reduce_timeout" {
  type        = number
  description = "Timeout of the reduce function in seconds."
  default     = 900

  validation {
    condition     = var.reduce_timeout >= 1 && var.reduce_timeout <= 900 && floor(var.reduce_timeout) == var.reduce_timeout
    error_message = "reduce_timeout must be a whole number of seconds from 1 to 900."
  }
}

variable "map_max_concurrency" {
  type        = number
  description = "Most child executions of the Distributed Map running at once."
  default     = 40

  validation {
    condition     = var.map_max_concurrency >= 1 && var.map_max_concurrency <= 10000 && floor(var.map_max_concurrency) == var.map_max_concurrency
    error_message = "map_max_concurrency must be a whole number from 1 to 10000 (the Distributed Map limit)."
  }
}

variable "tolerated_failure_percentage" {
  type        = number
  description = "Percentage of failed children the map tolerates before failing (the reducer still refuses a result with failed chunks)."
  default     = 0

  validation {
    condition     = var.tolerated_failure_percentage >= 0 && var.tolerated_failure_percentage <= 100
    error_message = "tolerated_failure_percentage must be a number from 0 to 100."
  }
}

variable "tolerated_failure_count" {
  type        = number
  description = "Number of failed children the map tolerates before failing."
  default     = 0

  validation {
    condition     = var.tolerated_failure_count >= 0 && floor(var.tolerated_failure_count) == var.tolerated_failure_count
    error_message = "tolerated_failure_count must be a whole number >= 0."
  }
}

variable "child_execution_type" {
  type        = string
  description = "Execution type of the map's child workflows: STANDARD (up to a year, exactly-once) or EXPRESS (up to 5 minutes, cheaper; too short for the reference kernel's heaviest items)."
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "EXPRESS"], var.child_execution_type)
    error_message = "child_execution_type must be STANDARD or EXPRESS."
  }
}

variable "retry" {
  type = object({
    max_attempts      = optional(number, 6)
    interval_seconds  = optional(number, 2)
    backoff_rate      = optional(number, 2)
    max_delay_seconds = optional(number, 60)
    # Lambda.Unknown (an invocation killed at its timeout, out of memory, a crash) is
    # usually deterministic: a separate, small budget.
    lambda_unknown_max_attempts = optional(number, 1)
  })
  description = "Retry of the Lambda tasks on transient errors: exponential backoff with full jitter, capped at max_delay_seconds; Lambda.Unknown (timeouts, crashes) is retried at most lambda_unknown_max_attempts times."
  default     = {}
  nullable    = false

  validation {
    condition     = var.retry.max_attempts >= 0 && var.retry.max_attempts <= 99999999 && floor(var.retry.max_attempts) == var.retry.max_attempts
    error_message = "retry.max_attempts must be a whole number from 0 (no retry) to 99999999."
  }

  validation {
    condition     = var.retry.interval_seconds >= 1 && var.retry.interval_seconds <= 99999999 && floor(var.retry.interval_seconds) == var.retry.interval_seconds
    error_message = "retry.interval_seconds must be a whole number of seconds from 1 to 99999999."
  }

  validation {
    condition     = var.retry.backoff_rate >= 1
    error_message = "retry.backoff_rate must be >= 1.0 (1.0 retries at a constant interval)."
  }

  validation {
    condition     = var.retry.max_delay_seconds >= 1 && var.retry.max_delay_seconds <= 31622400 && floor(var.retry.max_delay_seconds) == var.retry.max_delay_seconds
    error_message = "retry.max_delay_seconds must be a whole number of seconds from 1 to 31622400 (one year)."
  }

  validation {
    condition     = var.retry.lambda_unknown_max_attempts >= 0 && var.retry.lambda_unknown_max_attempts <= 10 && floor(var.retry.lambda_unknown_max_attempts) == var.retry.lambda_unknown_max_attempts
    error_message = "retry.lambda_unknown_max_attempts must be a whole number from 0 to 10: Lambda.Unknown is mostly a deterministic crash, timeout or out-of-memory kill, not worth many retries."
  }
}

variable "sweep_max_concurrency" {
  type        = number
  description = "Most jobs of a sweep (fan-out executions) running at once."
  default     = 10

  validation {
    condition     = var.sweep_max_concurrency >= 1 && var.sweep_max_concurrency <= 10000 && floor(var.sweep_max_concurrency) == var.sweep_max_concurrency
    error_message = "sweep_max_concurrency must be a whole number from 1 to 10000."
  }
}

variable "sweep_tolerated_failure_percentage" {
  type        = number
  description = "Percentage of failed jobs a sweep tolerates before it stops starting jobs (0: not set). Whatever it is, a sweep with a failed job fails with JobsFailedError naming it."
  default     = 100

  validation {
    condition     = var.sweep_tolerated_failure_percentage >= 0 && var.sweep_tolerated_failure_percentage <= 100
    error_message = "sweep_tolerated_failure_percentage must be from 0 to 100."
  }
}

variable "sweep_tolerated_failure_count" {
  type        = number
  description = "Number of failed jobs a sweep tolerates before it stops starting jobs (0: not set)."
  default     = 0

  validation {
    condition     = var.sweep_tolerated_failure_count >= 0 && floor(var.sweep_tolerated_failure_count) == var.sweep_tolerated_failure_count
    error_message = "sweep_tolerated_failure_count must be a whole number >= 0."
  }
}

variable "max_size" {
  type        = number
  description = "Largest execution input size the plan function accepts."
  default     = 1000000

  validation {
    condition     = var.max_size >= 1 && floor(var.max_size) == var.max_size
    error_message = "max_size must be a whole number >= 1."
  }
}

variable "max_chunk_size" {
  type        = number
  description = "Largest chunk_size (items per child execution) the plan function accepts."
  default     = 100000

  validation {
    condition     = var.max_chunk_size >= 1 && floor(var.max_chunk_size) == var.max_chunk_size
    error_message = "max_chunk_size must be a whole number >= 1."
  }
}

variable "max_chunks" {
  type        = number
  description = "Most chunks (child executions) one run may plan."
  default     = 10000

  validation {
    condition     = var.max_chunks >= 1 && var.max_chunks <= 10000 && floor(var.max_chunks) == var.max_chunks
    error_message = "max_chunks must be a whole number from 1 to 10000."
  }
}

variable "default_workload" {
  type        = string
  description = "Workload used when the execution input names none: a module in lambda_src/fanout/workloads/."
  default     = "utf8_count"

  validation {
    # The rule of the Python registry (lambda_src/fanout/workloads/__init__.py): every *.py
    # file there not starting with "_", other than base.py, is a workload; the registry refuses
    # to import one that breaks the protocol, so whatever passes here runs there.
    condition = contains(
      [for f in fileset("${path.module}/lambda_src/fanout/workloads", "*.py") : trimsuffix(f, ".py") if !startswith(f, "_") && f != "base.py"],
      var.default_workload
    )
    error_message = "default_workload must name a workload module in lambda_src/fanout/workloads/ (bundled: noop, repro_check, s3_digest, utf8_count, utf8_sweep); base and modules starting with _ are not workloads."
  }
}

variable "allowed_input_locations" {
  type        = list(string)
  description = "S3 locations runs may read items from (objects under a prefix, JSONL or CSV files), each s3://bucket/ or s3://bucket/prefix/. The plan and compute functions may read exactly these; a run naming anything else fails with InputNotAllowedError."
  default     = []

  validation {
    condition     = alltrue([for l in var.allowed_input_locations : can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^*?]*/)?$", l))])
    error_message = "allowed_input_locations: every entry must be s3://<bucket>/ or s3://<bucket>/<prefix>/ with a valid bucket name, a prefix ending in '/' and no wildcards, e.g. \"s3://my-data/inputs/\"."
  }

  validation {
    condition     = length(jsonencode(var.allowed_input_locations)) <= 2048
    error_message = "allowed_input_locations: at most 2048 characters as JSON (they travel in the plan function's environment, 4 KB in all); allow a common prefix instead of many locations."
  }
}

variable "log_level" {
  type        = string
  description = "Log level of the Lambda functions."
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "state_machine_log_level" {
  type        = string
  description = "Execution history the state machine sends to CloudWatch Logs."
  default     = "ERROR"

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL", "OFF"], var.state_machine_log_level)
    error_message = "state_machine_log_level must be ALL, ERROR, FATAL or OFF."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of every log group, in days (0 keeps logs forever)."
  default     = 14

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch's values: 0 (never expire), 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "enable_xray_tracing" {
  type        = bool
  description = "Active X-Ray tracing of the state machine and the functions."
  default     = false
}

variable "result_expiration_days" {
  type        = number
  description = "Days after which a run's data (everything under runs/) expires."
  default     = 30

  validation {
    condition     = var.result_expiration_days >= 1 && var.result_expiration_days <= 3650 && floor(var.result_expiration_days) == var.result_expiration_days
    error_message = "result_expiration_days must be a whole number of days from 1 to 3650."
  }
}

variable "enable_fault_injection" {
  type        = bool
  description = "Let execution inputs carry a 'fault' object that makes chosen chunks fail (for testing retries and failure handling). Leave off in production."
  default     = false
}

variable "enable_gmpy2" {
  type        = bool
  description = "Package gmpy2 (manylinux wheels) with the compute and reduce functions for 10-40x faster big-integer arithmetic; off uses the pure-Python fallback."
  default     = true
}

variable "force_destroy_bucket" {
  type        = bool
  description = "Let terraform destroy delete the results bucket while it still holds run data."
  default     = false
}

variable "enable_batch" {
  type        = bool
  description = "Run heavy chunks on AWS Batch (see the batch variable): the plan routes each chunk to Lambda or Batch. Needs STANDARD children and a VPC (batch.vpc_id, batch.subnet_ids). Off deploys no Batch resource and needs no VPC."
  default     = false

  validation {
    condition     = !var.enable_batch || var.child_execution_type == "STANDARD"
    error_message = "enable_batch needs child_execution_type = \"STANDARD\": EXPRESS workflows support neither batch:submitJob.sync nor callbacks (waitForTaskToken)."
  }
}

variable "batch" {
  type = object({
    integration           = optional(string, "sync")
    vpc_id                = optional(string)
    subnet_ids            = optional(list(string), [])
    assign_public_ip      = optional(bool, false)
    compute_type          = optional(string, "FARGATE")
    instance_types        = optional(list(string), ["optimal"])
    max_vcpus             = optional(number, 64)
    vcpus                 = optional(number, 1)
    memory_mb             = optional(number, 4096)
    ephemeral_storage_gib = optional(number, 21)
    timeout_seconds       = optional(number, 14400)
    retry_attempts        = optional(number, 3)
    heartbeat_seconds     = optional(number, 120)
    image                 = optional(string)
    boto3_version         = optional(string, "1.40.0")
  })
  description = "The AWS Batch backend (used when enable_batch is on): integration (\"sync\" = batch:submitJob.sync, or \"callback\" = a Lambda submits the job with a task token and the job reports back, heartbeating), network (vpc_id, subnet_ids, assign_public_ip), compute environment (compute_type FARGATE, FARGATE_SPOT, EC2 or SPOT; instance_types for EC2/SPOT; max_vcpus), one job's size (vcpus, memory_mb, ephemeral_storage_gib), timeout_seconds per attempt, retry_attempts for infrastructure failures, heartbeat_seconds of the callback task, image (null: python:<lambda_runtime version>-slim from Amazon ECR Public) and boto3_version packaged for the jobs."
  default     = {}
  nullable    = false

  validation {
    condition     = contains(["sync", "callback"], var.batch.integration)
    error_message = "batch.integration must be \"sync\" (batch:submitJob.sync) or \"callback\" (lambda:invoke.waitForTaskToken)."
  }

  validation {
    condition     = !var.enable_batch || (var.batch.vpc_id != null && length(var.batch.subnet_ids) > 0)
    error_message = "enable_batch needs batch.vpc_id and at least one of batch.subnet_ids: the subnets the jobs run in (with a route to S3, Step Functions, CloudWatch Logs and ECR Public)."
  }

  validation {
    condition     = var.batch.vpc_id == null || can(regex("^vpc-[0-9a-f]+$", var.batch.vpc_id))
    error_message = "batch.vpc_id must be a VPC id such as vpc-0123456789abcdef0."
  }

  validation {
    condition     = alltrue([for s in var.batch.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "batch.subnet_ids must be subnet ids such as subnet-0123456789abcdef0."
  }

  validation {
    condition     = contains(["FARGATE", "FARGATE_SPOT", "EC2", "SPOT"], var.batch.compute_type)
    error_message = "batch.compute_type must be FARGATE, FARGATE_SPOT, EC2 or SPOT."
  }

  validation {
    # Fargate's largest task: 16 vCPU and 120 GiB.
    # https://docs.aws.amazon.com/batch/latest/userguide/fargate.html
    condition     = !contains(["FARGATE", "FARGATE_SPOT"], var.batch.compute_type) || (contains([0.25, 0.5, 1, 2, 4, 8, 16], var.batch.vcpus) && var.batch.memory_mb <= 122880)
    error_message = "On Fargate batch.vcpus must be 0.25, 0.5, 1, 2, 4, 8 or 16 and batch.memory_mb at most 122880 (120 GiB); use compute_type EC2 or SPOT for larger jobs."
  }

  validation {
    condition     = var.batch.vcpus > 0 && var.batch.memory_mb >= 512 && floor(var.batch.memory_mb) == var.batch.memory_mb && var.batch.max_vcpus >= var.batch.vcpus
    error_message = "batch.vcpus must be > 0, batch.memory_mb a whole number >= 512, and batch.max_vcpus at least batch.vcpus."
  }

  validation {
    condition     = var.batch.ephemeral_storage_gib >= 21 && var.batch.ephemeral_storage_gib <= 200 && floor(var.batch.ephemeral_storage_gib) == var.batch.ephemeral_storage_gib
    error_message = "batch.ephemeral_storage_gib must be a whole number from 21 to 200."
  }

  validation {
    condition     = var.batch.timeout_seconds >= 60 && floor(var.batch.timeout_seconds) == var.batch.timeout_seconds
    error_message = "batch.timeout_seconds must be a whole number of seconds >= 60 (AWS Batch's minimum attempt duration)."
  }

  validation {
    condition     = var.batch.retry_attempts >= 1 && var.batch.retry_attempts <= 10 && floor(var.batch.retry_attempts) == var.batch.retry_attempts
    error_message = "batch.retry_attempts must be a whole number from 1 to 10."
  }

  validation {
    condition     = var.batch.heartbeat_seconds >= 1 && floor(var.batch.heartbeat_seconds) == var.batch.heartbeat_seconds
    error_message = "batch.heartbeat_seconds must be a whole number of seconds >= 1 (it must cover a job's wait in the queue and its start: about a minute on Fargate)."
  }

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.batch.boto3_version))
    error_message = "batch.boto3_version must be a release such as 1.40.0."
  }
}
