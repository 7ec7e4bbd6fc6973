variable "function_name" {
  type        = string
  description = "Name of the Lambda function (also names its role, log group and zip)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,59}$", var.function_name))
    error_message = "function_name must be 1-59 letters, digits, '-' or '_' (59 leaves room for the role's '-role' suffix)."
  }
}

variable "description" {
  type        = string
  description = "Description of the function."
}

variable "handler" {
  type        = string
  description = "Handler in module.function form, e.g. plan_handler.handler."
}

variable "source_dir" {
  type        = string
  description = "Folder whose *.py files (outside __pycache__) are packaged at the root of the zip."
}

variable "build_dir" {
  type        = string
  description = "Folder the zip is written to as <function_name>-<source hash>.zip (build output, not committed)."
}

variable "package_bucket" {
  type        = string
  description = "S3 bucket the deployment zip is uploaded to; the function's code is read from there, so any machine sharing the Terraform state can replace the function without the zip on its disk."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.package_bucket))
    error_message = "package_bucket must be an S3 bucket name: 3-63 lower-case letters, digits, '.' or '-'."
  }
}

variable "package_prefix" {
  type        = string
  description = "Key prefix of the zips in package_bucket: <package_prefix>/<function_name>/<source hash>.zip."
  default     = "lambda-packages"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.package_prefix))
    error_message = "package_prefix must be one or more '/'-separated segments of letters, digits, '_', '.' or '-', without a leading or trailing '/'."
  }
}

variable "requirements" {
  type        = list(string)
  description = "pip requirements installed into the zip as manylinux wheels for the function's runtime and architecture, e.g. [\"gmpy2==2.3.2\"]."
  default     = []
}

variable "runtime" {
  type        = string
  description = "Lambda Python runtime."

  validation {
    condition     = contains(["python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be python3.12 or python3.13."
  }
}

variable "architecture" {
  type        = string
  description = "Lambda instruction set architecture."

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "memory_size" {
  type        = number
  description = "Memory in MB (CPU is allotted in proportion)."

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be from 128 to 10240 MB."
  }
}

variable "timeout" {
  type        = number
  description = "Function timeout in seconds."

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be from 1 to 900 seconds."
  }
}

variable "environment" {
  type        = map(string)
  description = "Environment variables of the function."
  default     = {}
}

variable "policy_statements" {
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
    # IAM condition block: operator -> condition key -> values, e.g. { StringLike = { "s3:prefix" = ["runs/*"] } }
    conditions = optional(map(map(list(string))), {})
  }))
  description = "Allow statements added to the function's role beyond writing to its own log group (and X-Ray when tracing), each with optional IAM conditions."
  default     = []
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the function's CloudWatch log group, in days (0 keeps logs forever)."
}

variable "enable_xray_tracing" {
  type        = bool
  description = "Active X-Ray tracing for the function (adds the X-Ray write permissions)."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags for the function, its role and its log group."
  default     = {}
}
