provider "aws" {
  region = var.aws_region

  default_tags {
    tags = var.tags
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name

  source_dir = "${path.module}/lambda_src"
  build_dir  = "${path.root}/.build"

  bucket_arn   = module.results_bucket.bucket_arn
  requirements = var.enable_gmpy2 ? ["gmpy2==2.3.2"] : []

  common_environment = {
    RESULTS_BUCKET = module.results_bucket.bucket_name
    LOG_LEVEL      = var.log_level
  }
  fault_injection = var.enable_fault_injection ? "true" : "false"
  plan_environment = merge(local.common_environment, {
    MAX_SIZE                = tostring(var.max_size)
    MAX_CHUNK_SIZE          = tostring(var.max_chunk_size)
    MAX_CHUNKS              = tostring(var.max_chunks)
    DEFAULT_WORKLOAD        = var.default_workload
    FAULT_INJECTION         = local.fault_injection
    ALLOWED_INPUT_LOCATIONS = jsonencode(var.allowed_input_locations)
    # Routing: the compute function's limits, and the Batch job's when Batch is on.
    COMPUTE_TIMEOUT   = tostring(var.compute_timeout)
    COMPUTE_MEMORY_MB = tostring(var.compute_memory_size)
    BATCH_ENABLED     = var.enable_batch ? "true" : "false"
    BATCH_TIMEOUT     = tostring(var.batch.timeout_seconds)
    BATCH_MEMORY_MB   = tostring(var.batch.memory_mb)
  })

  # The AWS Batch backend (enable_batch): the state machine's ARN is built from its name
  # because the job role must name it before the state machine exists.
  batch_callback     = var.enable_batch && var.batch.integration == "callback"
  state_machine_name = "${var.name_prefix}-run"
  state_machine_arn  = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.state_machine_name}"

  # Item sources: the plan and compute functions may read exactly the allowed input
  # locations, and only the plan may list them (limited to each prefix).
  input_locations = [for l in var.allowed_input_locations : {
    bucket = regex("^s3://([^/]+)/", l)[0]
    prefix = replace(l, "/^s3://[^/]+//", "")
  }]
  input_object_arns = [for l in local.input_locations : "arn:${local.partition}:s3:::${l.bucket}/${l.prefix}*"]
  read_inputs = length(local.input_locations) == 0 ? [] : [
    {
      sid       = "ReadAllowedInputs"
      actions   = ["s3:GetObject"]
      resources = local.input_object_arns
    },
  ]
  list_inputs = [for i, l in local.input_locations : {
    sid        = "ListAllowedInputs${i}"
    actions    = ["s3:ListBucket"]
    resources  = ["arn:${local.partition}:s3:::${l.bucket}"]
    conditions = l.prefix == "" ? {} : { StringLike = { "s3:prefix" = ["${l.prefix}*"] } }
  }]
}

module "results_bucket" {
  source = "./modules/results_bucket"

  name_prefix            = var.name_prefix
  account_id             = local.account_id
  region                 = local.region
  result_expiration_days = var.result_expiration_days
  force_destroy          = var.force_destroy_bucket
}

# The pipeline's Lambda functions by role: each is named <name_prefix>-<role>. Adding a
# function is one entry here (plus its handler in lambda_src/).
locals {
  functions = merge({
    plan = {
      description  = "Fan-out plan: validates the input and writes the run's chunk list to S3."
      handler      = "plan_handler.handler"
      requirements = []
      memory_size  = var.plan_memory_size
      timeout      = var.plan_timeout
      environment  = local.plan_environment
      policy_statements = concat([
        {
          sid       = "WriteChunkLists"
          actions   = ["s3:PutObject"]
          resources = ["${local.bucket_arn}/runs/*/chunks.json"]
        },
      ], local.read_inputs, local.list_inputs)
    }
    compute = {
      description  = "Fan-out compute: computes one chunk and returns its partial result."
      handler      = "compute_handler.handler"
      requirements = local.requirements
      memory_size  = var.compute_memory_size
      timeout      = var.compute_timeout
      environment = merge(local.common_environment, {
        FAULT_INJECTION = local.fault_injection
      })
      policy_statements = concat(
        [
          {
            sid       = "WriteLargePartials"
            actions   = ["s3:PutObject"]
            resources = ["${local.bucket_arn}/runs/*/partials/*"]
          },
        ],
        local.read_inputs,
        # The "blocked" injected fault holds until runs/<run>/faults/unblock exists.
        var.enable_fault_injection ? [
          {
            sid       = "ReadFaultMarkers"
            actions   = ["s3:GetObject"]
            resources = ["${local.bucket_arn}/runs/*/faults/*"]
          },
        ] : [],
      )
    }
    reduce = {
      description  = "Fan-out reduce: reconciles every child result with the plan and sums exactly."
      handler      = "reduce_handler.handler"
      requirements = local.requirements
      memory_size  = var.reduce_memory_size
      timeout      = var.reduce_timeout
      environment  = local.common_environment
      policy_statements = [
        {
          sid       = "ReadRunData"
          actions   = ["s3:GetObject"]
          resources = ["${local.bucket_arn}/runs/*"]
        },
        {
          sid     = "WriteRunResult"
          actions = ["s3:PutObject"]
          resources = [
            "${local.bucket_arn}/runs/*/result.txt",
            "${local.bucket_arn}/runs/*/summary.json",
          ]
        },
      ]
    }
    sweep-plan = {
      description  = "Sweep plan: checks every job spec with the fan-out's validation and lists the jobs in S3."
      handler      = "sweep_plan_handler.handler"
      requirements = []
      memory_size  = var.plan_memory_size
      timeout      = var.plan_timeout
      # The fan-out's limits: each job spec is validated as the plan function would.
      environment = local.plan_environment
      policy_statements = [
        {
          sid       = "ReadJobsFiles"
          actions   = ["s3:GetObject"]
          resources = ["${local.bucket_arn}/jobs/*"]
        },
        {
          sid       = "WriteJobLists"
          actions   = ["s3:PutObject"]
          resources = ["${local.bucket_arn}/runs/*/jobs.json"]
        },
      ]
    }
    sweep-report = {
      description  = "Sweep report: one line per job from the sweep map's results, the totals and the verdict."
      handler      = "sweep_report_handler.handler"
      requirements = []
      memory_size  = var.plan_memory_size
      timeout      = var.reduce_timeout
      environment  = local.common_environment
      policy_statements = [
        {
          sid       = "ReadJobResults"
          actions   = ["s3:GetObject"]
          resources = ["${local.bucket_arn}/runs/*/sweep-results/*"]
        },
        {
          # A sweep map stopped by its failure threshold does not say where its manifest is.
          sid        = "FindJobResults"
          actions    = ["s3:ListBucket"]
          resources  = [local.bucket_arn]
          conditions = { StringLike = { "s3:prefix" = ["runs/*/sweep-results/*"] } }
        },
        {
          sid     = "WriteSweepReport"
          actions = ["s3:PutObject"]
          resources = [
            "${local.bucket_arn}/runs/*/sweep_report.jsonl",
            "${local.bucket_arn}/runs/*/sweep_summary.json",
          ]
        },
      ]
    }
    },
    # The callback integration's function: submits a chunk's Batch job with the task token.
    local.batch_callback ? {
      submit = {
        description  = "Fan-out Batch submit: submits a chunk's AWS Batch job carrying the task token."
        handler      = "submit_handler.handler"
        requirements = []
        memory_size  = 256
        timeout      = 30
        environment = merge(local.common_environment, {
          BATCH_JOB_QUEUE       = module.batch_backend[0].job_queue_arn
          BATCH_JOB_DEFINITION  = module.batch_backend[0].job_definition_arn
          BATCH_JOB_NAME_PREFIX = var.name_prefix
        })
        policy_statements = [
          {
            sid     = "SubmitChunkJobs"
            actions = ["batch:SubmitJob"]
            # AWS requires both the queue and the job definition (any revision: ":*").
            resources = [
              module.batch_backend[0].job_queue_arn,
              "arn:${local.partition}:batch:${local.region}:${local.account_id}:job-definition/${module.batch_backend[0].job_definition_name}:*",
            ]
          },
        ]
      }
    } : {},
  )
}

module "function" {
  source   = "./modules/lambda_function"
  for_each = local.functions

  function_name       = "${var.name_prefix}-${each.key}"
  description         = each.value.description
  handler             = each.value.handler
  source_dir          = local.source_dir
  build_dir           = local.build_dir
  package_bucket      = module.results_bucket.bucket_name
  requirements        = each.value.requirements
  runtime             = var.lambda_runtime
  architecture        = var.lambda_architecture
  memory_size         = each.value.memory_size
  timeout             = each.value.timeout
  log_retention_days  = var.log_retention_days
  enable_xray_tracing = var.enable_xray_tracing
  environment         = each.value.environment
  policy_statements   = each.value.policy_statements
}

# Stacks deployed when each function had its own module block keep their state.
moved {
  from = module.plan_function
  to   = module.function["plan"]
}

moved {
  from = module.compute_function
  to   = module.function["compute"]
}

moved {
  from = module.reduce_function
  to   = module.function["reduce"]
}

module "state_machine" {
  source = "./modules/state_machine"

  name       = local.state_machine_name
  partition  = local.partition
  region     = local.region
  account_id = local.account_id

  function_arns = {
    plan    = module.function["plan"].function_arn
    compute = module.function["compute"].function_arn
    reduce  = module.function["reduce"].function_arn
  }
  bucket_arn = local.bucket_arn

  child_execution_type         = var.child_execution_type
  max_concurrency              = var.map_max_concurrency
  tolerated_failure_percentage = var.tolerated_failure_percentage
  tolerated_failure_count      = var.tolerated_failure_count
  retry                        = var.retry

  batch = var.enable_batch ? {
    integration         = var.batch.integration
    job_queue_arn       = module.batch_backend[0].job_queue_arn
    job_definition_arn  = module.batch_backend[0].job_definition_arn
    job_definition_name = module.batch_backend[0].job_definition_name
    job_name_prefix     = var.name_prefix
    heartbeat_seconds   = var.batch.heartbeat_seconds
    submit_function_arn = local.batch_callback ? module.function["submit"].function_arn : null
  } : null

  log_level           = var.state_machine_log_level
  log_retention_days  = var.log_retention_days
  enable_xray_tracing = var.enable_xray_tracing
}

module "sweep_state_machine" {
  source = "./modules/state_machine"

  workflow   = "sweep"
  name       = "${var.name_prefix}-sweep"
  partition  = local.partition
  region     = local.region
  account_id = local.account_id

  function_arns = {
    sweep-plan   = module.function["sweep-plan"].function_arn
    sweep-report = module.function["sweep-report"].function_arn
  }
  fanout_state_machine_arn = module.state_machine.state_machine_arn
  bucket_arn               = local.bucket_arn

  child_execution_type         = "STANDARD"
  max_concurrency              = var.sweep_max_concurrency
  tolerated_failure_percentage = var.sweep_tolerated_failure_percentage
  tolerated_failure_count      = var.sweep_tolerated_failure_count
  retry                        = var.retry

  log_level           = var.state_machine_log_level
  log_retention_days  = var.log_retention_days
  enable_xray_tracing = var.enable_xray_tracing
}

# ------------------------------------------------------------------- AWS Batch backend

module "batch_backend" {
  source = "./modules/batch_backend"
  count  = var.enable_batch ? 1 : 0

  name       = var.name_prefix
  partition  = local.partition
  region     = local.region
  account_id = local.account_id

  vpc_id           = var.batch.vpc_id
  subnet_ids       = var.batch.subnet_ids
  assign_public_ip = var.batch.assign_public_ip

  compute_type          = var.batch.compute_type
  instance_types        = var.batch.instance_types
  max_vcpus             = var.batch.max_vcpus
  vcpus                 = var.batch.vcpus
  memory_mb             = var.batch.memory_mb
  ephemeral_storage_gib = var.batch.ephemeral_storage_gib
  timeout_seconds       = var.batch.timeout_seconds
  retry_attempts        = var.batch.retry_attempts
  image                 = var.batch.image

  # The jobs run the functions' sources, for the same Python and architecture.
  python_version = trimprefix(var.lambda_runtime, "python")
  architecture   = var.lambda_architecture
  source_dir     = local.source_dir
  build_dir      = local.build_dir
  requirements   = concat(local.requirements, ["boto3==${var.batch.boto3_version}"])
  packager       = "${path.module}/modules/lambda_function/scripts/package.py"
  bucket_name    = module.results_bucket.bucket_name
  bucket_arn     = local.bucket_arn
  # A chunk of a run over data reads its items, as the compute function does.
  input_object_arns = local.input_object_arns
  environment = merge(local.common_environment, {
    FAULT_INJECTION = local.fault_injection
  })

  enable_callback    = local.batch_callback
  heartbeat_seconds  = var.batch.heartbeat_seconds
  state_machine_arn  = local.state_machine_arn
  log_retention_days = var.log_retention_days
}

