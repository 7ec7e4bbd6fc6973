output "state_machine_arn" {
  description = "ARN of the fan-out state machine."
  value       = module.state_machine.state_machine_arn
}

output "state_machine_name" {
  description = "Name of the fan-out state machine."
  value       = module.state_machine.state_machine_name
}

output "sweep_state_machine_arn" {
  description = "ARN of the sweep state machine (one fan-out execution per job spec)."
  value       = module.sweep_state_machine.state_machine_arn
}

output "results_bucket_name" {
  description = "Bucket holding every run's data under runs/<execution name>/."
  value       = module.results_bucket.bucket_name
}

output "function_names" {
  description = "Lambda function names by role (plan, compute, reduce, sweep-plan, sweep-report)."
  value       = { for role, function in module.function : role => function.function_name }
}

output "log_group_names" {
  description = "CloudWatch log groups of the functions and of the state machines."
  value = merge(
    { for role, function in module.function : role => function.log_group_name },
    {
      state_machine       = module.state_machine.log_group_name
      sweep_state_machine = module.sweep_state_machine.log_group_name
    },
  )
}

output "start_execution_command" {
  description = "Ready-to-paste AWS CLI command starting a run of size 1024."
  value       = "aws stepfunctions start-execution --region ${local.region} --state-machine-arn ${module.state_machine.state_machine_arn} --input '{\"size\": 1024}'"
}

output "batch_job_queue_arn" {
  description = "ARN of the AWS Batch job queue heavy chunks run in (null when enable_batch is off)."
  value       = var.enable_batch ? module.batch_backend[0].job_queue_arn : null
}

output "batch_job_definition_arn" {
  description = "ARN of the AWS Batch job definition of a chunk (null when enable_batch is off)."
  value       = var.enable_batch ? module.batch_backend[0].job_definition_arn : null
}

output "batch_log_group_name" {
  description = "CloudWatch log group of the AWS Batch jobs (null when enable_batch is off)."
  value       = var.enable_batch ? module.batch_backend[0].log_group_name : null
}
