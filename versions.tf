terraform {
  # 1.9: variable validations may refer to the workload modules on disk.
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}
