output "state_machine_arn" {
  description = "ARN of the state machine."
  value       = aws_sfn_state_machine.this.arn
}

output "state_machine_name" {
  description = "Name of the state machine."
  value       = aws_sfn_state_machine.this.name
}

output "role_arn" {
  description = "ARN of the state machine's role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Name of the state machine's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "definition" {
  description = "The rendered Amazon States Language definition."
  value       = local.definition
}

output "role_policy" {
  description = "The state machine role's inline policy document (JSON), for audits and plan-level tests."
  value       = aws_iam_role_policy.this.policy
}

output "assume_role_policy" {
  description = "The state machine role's trust policy document (JSON)."
  value       = aws_iam_role.this.assume_role_policy
}
