variable "name_prefix" {
  type        = string
  description = "Prefix of the bucket name; the bucket is named <name_prefix>-results-<account_id>-<region>."
}

variable "account_id" {
  type        = string
  description = "AWS account id, part of the bucket name so it is globally unique."
}

variable "region" {
  type        = string
  description = "AWS region, part of the bucket name so it is globally unique."
}

variable "result_expiration_days" {
  type        = number
  description = "Days after which objects under runs/ (every run's data) expire."

  validation {
    condition     = var.result_expiration_days >= 1 && var.result_expiration_days <= 3650 && floor(var.result_expiration_days) == var.result_expiration_days
    error_message = "result_expiration_days must be a whole number of days from 1 to 3650."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Allow terraform destroy to delete the bucket while it still holds objects."
  default     = false
}

variable "tags" {
  type        = map(string)
  description = "Tags for the bucket (on top of the provider's default tags)."
  default     = {}
}
