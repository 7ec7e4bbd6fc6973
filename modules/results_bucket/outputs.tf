output "bucket_name" {
  description = "Name of the results bucket."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the results bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_policy" {
  description = "The bucket policy document (JSON), for audits and plan-level tests."
  value       = aws_s3_bucket_policy.this.policy
}
