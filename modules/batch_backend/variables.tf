variable "name" {
  type        = string
  description = "Name prefix of the backend's resources (compute environment, queue, job definition, roles, log group)."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "partition" {
  type        = string
  description = "AWS partition (aws, aws-cn, aws-us-gov) for the ARNs the module builds."
}

variable "region" {
  type        = string
  description = "AWS region of the backend."
}

variable "account_id" {
  type        = string
  description = "AWS account id of the backend."
}

variable "vpc_id" {
  type        = string
  description = "VPC of the jobs' security group."

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id such as vpc-0123456789abcdef0."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Subnets the jobs run in. They need a route to S3, Step Functions, CloudWatch Logs and public ECR (a NAT gateway, or assign_public_ip in a public subnet)."

  validation {
    condition     = length(var.subnet_ids) > 0 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must list at least one subnet id such as subnet-0123456789abcdef0."
  }
}

variable "assign_public_ip" {
  type        = bool
  description = "Give Fargate jobs a public IP (needed in a public subnet without a NAT gateway to reach AWS APIs)."
  default     = false
}

variable "compute_type" {
  type        = string
  description = "Compute environment type: FARGATE, FARGATE_SPOT, EC2 or SPOT."
  default     = "FARGATE"

  validation {
    condition     = contains(["FARGATE", "FARGATE_SPOT", "EC2", "SPOT"], var.compute_type)
    error_message = "compute_type must be FARGATE, FARGATE_SPOT, EC2 or SPOT."
  }
}

variable "instance_types" {
  type        = list(string)
  description = "EC2 instance types (or families, or \"optimal\") of an EC2 or SPOT compute environment; ignored for Fargate."
  default     = ["optimal"]

  validation {
    condition     = length(var.instance_types) > 0
    error_message = "instance_types must name at least one instance type, family or \"optimal\"."
  }
}

variable "max_vcpus" {
  type        = number
  description = "Most vCPUs the compute environment runs at once (bounds how many Batch chunks run together)."
  default     = 64

  validation {
    condition     = var.max_vcpus >= 1 && floor(var.max_vcpus) == var.max_vcpus
    error_message = "max_vcpus must be a whole number >= 1."
  }
}

variable "vcpus" {
  type        = number
  description = "vCPUs of one job (Fargate: 0.25, 0.5, 1, 2, 4, 8 or 16)."
  default     = 1
}

variable "memory_mb" {
  type        = number
  description = "Memory of one job in MiB (Fargate allows only certain vCPU/memory pairs; at most 122880)."
  default     = 4096

  validation {
    condition     = var.memory_mb >= 512 && floor(var.memory_mb) == var.memory_mb
    error_message = "memory_mb must be a whole number of MiB >= 512."
  }
}

variable "ephemeral_storage_gib" {
  type        = number
  description = "Ephemeral storage of a Fargate job in GiB (21-200)."
  default     = 21

  validation {
    condition     = var.ephemeral_storage_gib >= 21 && var.ephemeral_storage_gib <= 200 && floor(var.ephemeral_storage_gib) == var.ephemeral_storage_gib
    error_message = "ephemeral_storage_gib must be a whole number from 21 to 200."
  }
}

variable "timeout_seconds" {
  type        = number
  description = "Time limit of one job attempt (attemptDurationSeconds); AWS Batch stops the attempt after it."
  default     = 14400

  validation {
    condition     = var.timeout_seconds >= 60 && floor(var.timeout_seconds) == var.timeout_seconds
    error_message = "timeout_seconds must be a whole number of seconds >= 60 (AWS Batch's minimum)."
  }
}

variable "retry_attempts" {
  type        = number
  description = "Attempts of a job (1-10): infrastructure failures are retried up to this many attempts, the program's own failures never."
  default     = 3

  validation {
    condition     = var.retry_attempts >= 1 && var.retry_attempts <= 10 && floor(var.retry_attempts) == var.retry_attempts
    error_message = "retry_attempts must be a whole number from 1 to 10."
  }
}

variable "image" {
  type        = string
  description = "Container image of the jobs; null uses Docker's official python:<python_version>-slim on Amazon ECR Public. Any Linux image with python3 of that version on its PATH works."
  default     = null
}

variable "python_version" {
  type        = string
  description = "Python version of the default image, matching the Lambda runtime (e.g. 3.12)."

  validation {
    condition     = contains(["3.12", "3.13"], var.python_version)
    error_message = "python_version must be 3.12 or 3.13."
  }
}

variable "architecture" {
  type        = string
  description = "CPU architecture of Fargate jobs, matching the Lambda functions' (the code package's wheels are built for it): x86_64 or arm64."

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "bucket_name" {
  type        = string
  description = "The results bucket: holds the code package (code/<hash>.zip) and the runs' partials."
}

variable "bucket_arn" {
  type        = string
  description = "ARN of the results bucket."
}

variable "input_object_arns" {
  type        = list(string)
  description = "S3 object ARNs (with wildcards) the job may read: the allowed input locations of runs over data."
  default     = []

  validation {
    condition     = alltrue([for arn in var.input_object_arns : can(regex("^arn:[a-z-]+:s3:::[^/]+/", arn))])
    error_message = "input_object_arns: each entry must be an S3 object ARN such as arn:aws:s3:::bucket/prefix/*."
  }
}

variable "source_dir" {
  type        = string
  description = "Folder of the functions' Python sources; its *.py files go in the jobs' code package."
}

variable "build_dir" {
  type        = string
  description = "Folder the code package is written to as <name>-batch-<hash>.zip (build output, not committed)."
}

variable "requirements" {
  type        = list(string)
  description = "pip requirements of the code package (manylinux wheels for python_version and architecture); must include boto3, which the stock image lacks."

  validation {
    condition     = anytrue([for r in var.requirements : can(regex("^boto3([=<>~!].*)?$", r))])
    error_message = "requirements must include boto3 (e.g. \"boto3==1.40.0\"): the job's program uses it and the stock Python image has none."
  }
}

variable "packager" {
  type        = string
  description = "Path of the zip packager script (modules/lambda_function/scripts/package.py), so the code package is built exactly like the functions'."
}

variable "environment" {
  type        = map(string)
  description = "Environment of the jobs besides the code location, timeout and heartbeat (e.g. RESULTS_BUCKET, LOG_LEVEL)."
  default     = {}
}

variable "enable_callback" {
  type        = bool
  description = "The callback integration: jobs report with SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat (adds those permissions to the job role)."
  default     = false
}

variable "heartbeat_seconds" {
  type        = number
  description = "HeartbeatSeconds of the callback task; jobs send a heartbeat every third of it."
  default     = 60

  validation {
    condition     = var.heartbeat_seconds >= 1 && floor(var.heartbeat_seconds) == var.heartbeat_seconds
    error_message = "heartbeat_seconds must be a whole number >= 1."
  }
}

variable "state_machine_arn" {
  type        = string
  description = "ARN of the state machine the callback jobs report to."
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the jobs' log group, in days (0 keeps logs forever)."
}

variable "tags" {
  type        = map(string)
  description = "Tags of every resource of the backend."
  default     = {}
}
