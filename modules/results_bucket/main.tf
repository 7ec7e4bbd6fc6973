locals {
  bucket_name = "${var.name_prefix}-results-${var.account_id}-${var.region}"
}

resource "aws_s3_bucket" "this" {
  # checkov:skip=CKV2_AWS_62: nothing consumes bucket events; the state machine drives every step
  # checkov:skip=CKV_AWS_144: run data is reproducible scratch output that expires; replication would double its cost
  # checkov:skip=CKV_AWS_145: SSE-S3 encrypts at rest without every reader and writer needing KMS grants
  # checkov:skip=CKV_AWS_18: access is already recorded by CloudTrail and the execution history; a log bucket would be another bucket to run
  # checkov:skip=CKV_AWS_21: objects are written once per run under a unique prefix and expire; versions would only keep expired data
  bucket        = local.bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      # SSE-S3: encryption at rest without a KMS key for every reader and writer to be granted.
      sse_algorithm = "AES256"
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-runs"
    status = "Enabled"

    filter {
      prefix = "runs/"
    }

    expiration {
      days = var.result_expiration_days
    }
  }

  rule {
    id     = "abort-incomplete-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "DenyInsecureTransport"
        Effect = "Deny"
        # A deny for every principal: requests without TLS are refused whoever makes them.
        Principal = "*"
        # Every S3 action: a deny only takes away, and no part of the API may be used without TLS.
        Action   = "s3:*"
        Resource = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
        Condition = {
          Bool = { "aws:SecureTransport" = "false" }
        }
      },
    ]
  })

  # The policy is applied after the public access block so it is never judged public.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
