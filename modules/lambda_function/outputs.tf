output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Name of the function's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "source_hash" {
  description = "Hash of the packaged sources, requirements and platform (the function's source_code_hash)."
  value       = local.source_hash
}

output "package_path" {
  description = "Path of the deployment zip built by Terraform."
  value       = local.package_path
}

output "package_s3_uri" {
  description = "Where the function's code is read from: s3://<package_bucket>/<package_prefix>/<function_name>/<source hash>.zip."
  value       = "s3://${aws_s3_object.package.bucket}/${aws_s3_object.package.key}"
}

output "role_policy" {
  description = "The execution role's inline policy document (JSON), for audits and plan-level tests."
  value       = aws_iam_role_policy.this.policy
}

output "role_grants" {
  description = "The role's Allow grants, action => sorted resources: the policy as audits and plan-level tests compare it."
  value = {
    for a in distinct(flatten([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : flatten([s.Action]) if s.Effect == "Allow"])) :
    a => sort(distinct(flatten([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : flatten([s.Resource]) if s.Effect == "Allow" && contains(flatten([s.Action]), a)])))
  }
}

output "assume_role_policy" {
  description = "The execution role's trust policy document (JSON)."
  value       = aws_iam_role.this.assume_role_policy
}

output "environment_variables" {
  description = "The function's environment variables, for plan-level tests."
  value       = var.environment
}
