variable "name" {
  type        = string
  description = "Name of the state machine (also names its role and log group)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,59}$", var.name))
    error_message = "name must be 1-59 letters, digits, '-' or '_' (59 leaves room for the role's '-role' suffix)."
  }
}

variable "partition" {
  type        = string
  description = "AWS partition (aws, aws-cn, aws-us-gov) for the ARNs the module builds."
}

variable "region" {
  type        = string
  description = "AWS region of the state machine."
}

variable "account_id" {
  type        = string
  description = "AWS account id of the state machine."
}

variable "workflow" {
  type        = string
  description = "Which state machine: fanout (plan, Distributed Map of compute children, reduce) or sweep (one fanout execution per job spec, then a report); its ASL is templates/<workflow>.asl.json.tftpl."
  default     = "fanout"

  validation {
    condition     = contains(["fanout", "sweep"], var.workflow)
    error_message = "workflow must be fanout or sweep."
  }
}

variable "function_arns" {
  type        = map(string)
  description = "ARNs of the functions the state machine invokes, by role: plan, compute and reduce (fanout); sweep-plan and sweep-report (sweep)."

  validation {
    condition     = toset(keys(var.function_arns)) == toset(local.workflow_functions[var.workflow])
    error_message = "function_arns must name exactly the workflow's functions: plan, compute and reduce for fanout; sweep-plan and sweep-report for sweep."
  }
}

variable "fanout_state_machine_arn" {
  type        = string
  description = "Sweep only: the fan-out state machine, the only one whose executions the sweep may start, describe and stop (one per job)."
  default     = null

  validation {
    condition     = (var.workflow == "sweep") == (var.fanout_state_machine_arn != null) && (var.fanout_state_machine_arn == null || can(regex("^arn:[a-z-]+:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[A-Za-z0-9_-]+$", var.fanout_state_machine_arn)))
    error_message = "fanout_state_machine_arn must be set (arn:<partition>:states:<region>:<account>:stateMachine:<name>) for the sweep workflow, and only for it."
  }
}

variable "batch" {
  type = object({
    integration         = string
    job_queue_arn       = string
    job_definition_arn  = string
    job_definition_name = string
    job_name_prefix     = string
    heartbeat_seconds   = number
    submit_function_arn = optional(string)
  })
  description = "The AWS Batch backend, or null: children route chunks whose backend is \"batch\" to a job, with the .sync integration (\"sync\") or the callback integration (\"callback\", through the submit function)."
  default     = null

  validation {
    condition     = var.batch == null || var.workflow == "fanout"
    error_message = "batch applies to the fanout workflow only."
  }

  validation {
    condition     = var.batch == null || contains(["sync", "callback"], try(var.batch.integration, ""))
    error_message = "batch.integration must be \"sync\" or \"callback\"."
  }

  validation {
    condition     = var.batch == null || try(var.batch.integration, "") != "callback" || try(var.batch.submit_function_arn, null) != null
    error_message = "batch.submit_function_arn is required with the callback integration."
  }
}

variable "bucket_arn" {
  type        = string
  description = "ARN of the results bucket: the fanout map reads runs/*/chunks.json and writes runs/*/results/*; the sweep map reads runs/*/jobs.json and writes runs/*/sweep-results/*."
}

variable "child_execution_type" {
  type        = string
  description = "Execution type of the Distributed Map's child workflows."

  validation {
    condition     = contains(["STANDARD", "EXPRESS"], var.child_execution_type)
    error_message = "child_execution_type must be STANDARD or EXPRESS."
  }

  validation {
    # A .sync task (the sweep's job starts) runs only in a STANDARD workflow.
    condition     = var.workflow != "sweep" || var.child_execution_type == "STANDARD"
    error_message = "the sweep workflow's children start jobs with startExecution.sync:2: child_execution_type must be STANDARD."
  }
}

variable "max_concurrency" {
  type        = number
  description = "Most child executions running at once."

  validation {
    condition     = var.max_concurrency >= 1 && var.max_concurrency <= 10000 && floor(var.max_concurrency) == var.max_concurrency
    error_message = "max_concurrency must be a whole number from 1 to 10000."
  }
}

variable "tolerated_failure_percentage" {
  type        = number
  description = "Percentage of failed child executions the map tolerates."

  validation {
    condition     = var.tolerated_failure_percentage >= 0 && var.tolerated_failure_percentage <= 100
    error_message = "tolerated_failure_percentage must be from 0 to 100."
  }
}

variable "tolerated_failure_count" {
  type        = number
  description = "Number of failed child executions the map tolerates."

  validation {
    condition     = var.tolerated_failure_count >= 0 && floor(var.tolerated_failure_count) == var.tolerated_failure_count
    error_message = "tolerated_failure_count must be a whole number >= 0."
  }
}

variable "retry" {
  type = object({
    max_attempts                = number
    interval_seconds            = number
    backoff_rate                = number
    max_delay_seconds           = number
    lambda_unknown_max_attempts = number
  })
  description = "Retry policy (exponential backoff with full jitter) of the Lambda tasks on transient errors; the compute task retries Lambda.Unknown (timeouts, crashes) only lambda_unknown_max_attempts times."
}

variable "log_level" {
  type        = string
  description = "Execution history logged to CloudWatch Logs."

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL", "OFF"], var.log_level)
    error_message = "log_level must be ALL, ERROR, FATAL or OFF."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the state machine's log group, in days (0 keeps logs forever)."
}

variable "enable_xray_tracing" {
  type        = bool
  description = "X-Ray tracing of executions (adds the X-Ray write permissions)."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags for the state machine, its role and its log group."
  default     = {}
}
