output "job_queue_arn" {
  description = "ARN of the job queue."
  value       = aws_batch_job_queue.this.arn
}

output "job_definition_arn" {
  description = "ARN of the job definition, with its revision."
  value       = aws_batch_job_definition.this.arn
}

output "job_definition_name" {
  description = "Name of the job definition (job-definition/<name>:* covers all its revisions)."
  value       = aws_batch_job_definition.this.name
}

output "compute_environment_arn" {
  description = "ARN of the managed compute environment."
  value       = aws_batch_compute_environment.this.arn
}

output "security_group_id" {
  description = "Security group of the jobs (egress only)."
  value       = aws_security_group.this.id
}

output "log_group_name" {
  description = "CloudWatch log group of the jobs."
  value       = aws_cloudwatch_log_group.this.name
}

output "image" {
  description = "Container image the jobs run."
  value       = local.image
}

output "job_role_policy" {
  description = "The job role's inline policy document (JSON), for audits and plan-level tests."
  value       = aws_iam_role_policy.job.policy
}

output "execution_role_policy" {
  description = "The execution role's inline policy document (JSON)."
  value       = aws_iam_role_policy.execution.policy
}

output "assume_role_policy" {
  description = "The trust policy of the job and execution roles (JSON)."
  value       = local.ecs_trust_policy
}

output "container_properties" {
  description = "The job definition's container properties (JSON)."
  value       = aws_batch_job_definition.this.container_properties
}
