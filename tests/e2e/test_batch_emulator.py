"""The AWS Batch API the project's LocalStack extension adds (LocalStack community has none).

Each test calls the emulated API with boto3 and checks one documented behaviour of AWS Batch;
the page it follows is named in the test (page names in comments are the URLs in
``batch_support``). Without the extension every call here fails
(LocalStack answers that the batch service is not available).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.e2e import batch_support as bs
from tests.e2e.batch_support import run_job
from tests.e2e.stack import assume_role_policy, unique_name
from tests.e2e.test_sfn_patches import run, state_machine
from tests.support.aws_shapes import assert_describe_jobs_shape

# Emulator settings and injected faults are LocalStack-wide: one worker runs every Batch test.
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("batch")]

TASK_ID = r"[0-9a-f]{32}"


# --------------------------------------------------------------------------- control plane


def test_compute_environment_and_queue_statuses(batch: Any, batch_network: tuple[str, str]) -> None:
    # API reference CreateComputeEnvironment / DeleteJobQueue; the Terraform provider waits
    # CREATING -> VALID and DELETING -> DELETED (hashicorp/terraform-provider-aws)
    subnet, group = batch_network
    name = unique_name("ce")
    created = batch.create_compute_environment(
        computeEnvironmentName=name,
        type="MANAGED",
        state="ENABLED",
        computeResources={
            "type": "FARGATE_SPOT",
            "maxvCpus": 2,
            "subnets": [subnet],
            "securityGroupIds": [group],
        },
        tags={"team": "hpc"},
    )
    assert re.fullmatch(
        rf"arn:aws:batch:us-east-1:\d{{12}}:compute-environment/{name}",
        created["computeEnvironmentArn"],
    )
    [first] = batch.describe_compute_environments(computeEnvironments=[name])["computeEnvironments"]
    assert first["status"] == "CREATING"
    valid = bs.wait_status(batch, "ce", name, "VALID")
    assert valid["tags"] == {"team": "hpc"}
    assert valid["computeResources"]["subnets"] == [subnet]
    batch_queue = bs.create_queue(batch, name)
    with pytest.raises(ClientError, match="DISABLED"):
        batch.delete_job_queue(jobQueue=batch_queue)
    batch.update_compute_environment(computeEnvironment=name, state="DISABLED")
    [updating] = batch.describe_compute_environments(computeEnvironments=[name])[
        "computeEnvironments"
    ]
    assert (updating["status"], updating["state"]) == ("UPDATING", "DISABLED")
    bs.wait_status(batch, "ce", name, "VALID")
    with pytest.raises(ClientError, match="JobQueue relationship"):
        batch.delete_compute_environment(computeEnvironment=name)
    bs.delete_queue(batch, batch_queue)
    batch.delete_compute_environment(computeEnvironment=name)
    assert bs.wait_status(batch, "ce", name, "DELETED")["state"] == "DISABLED"


def test_compute_environment_needs_existing_subnets(batch: Any) -> None:
    # the subnets and security groups are LocalStack EC2's
    with pytest.raises(ClientError, match="subnet-0000000000000000f"):
        batch.create_compute_environment(
            computeEnvironmentName=unique_name("ce"),
            type="MANAGED",
            computeResources={
                "type": "FARGATE",
                "maxvCpus": 1,
                "subnets": ["subnet-0000000000000000f"],
            },
        )


def test_tags_on_resources(batch: Any, batch_queue: str) -> None:
    # API reference TagResource / UntagResource / ListTagsForResource
    arn = batch.describe_job_queues(jobQueues=[batch_queue])["jobQueues"][0]["jobQueueArn"]
    batch.tag_resource(resourceArn=arn, tags={"a": "1", "b": "2"})
    batch.untag_resource(resourceArn=arn, tagKeys=["a"])
    assert batch.list_tags_for_resource(resourceArn=arn)["tags"] == {"b": "2"}
    batch.untag_resource(resourceArn=arn, tagKeys=["b"])


def test_job_definition_revisions(batch: Any, job_definition: Callable[..., str]) -> None:
    # API reference RegisterJobDefinition / DeregisterJobDefinition / DescribeJobDefinitions
    arguments = bs.python_job("print(1)")
    name = arguments["jobDefinitionName"]
    first = job_definition(arguments)
    second = job_definition(arguments)
    assert first.endswith(f":job-definition/{name}:1") and second.endswith(f"{name}:2")
    batch.deregister_job_definition(jobDefinition=first)
    described = batch.describe_job_definitions(jobDefinitionName=name)["jobDefinitions"]
    assert [(d["revision"], d["status"]) for d in described] == [(1, "INACTIVE"), (2, "ACTIVE")]
    active = batch.describe_job_definitions(jobDefinitionName=name, status="ACTIVE")
    assert [d["jobDefinitionArn"] for d in active["jobDefinitions"]] == [second]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timeout": {"attemptDurationSeconds": 59}}, "at least 60"),  # JOB_TIMEOUTS
        ({"retryStrategy": {"attempts": 11}}, "between 1 and 10"),  # JOB_RETRIES
        (
            {"container": {"environment": [{"name": "AWS_BATCH_X", "value": "1"}]}},
            "AWS_BATCH_",
        ),  # JOB_ENV_VARS: a protected prefix
    ],
)
def test_invalid_job_definitions_are_refused(
    batch: Any, change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClientError, match=message):
        batch.register_job_definition(**bs.python_job("print(1)", **change))


def test_dependencies_and_array_jobs_are_refused(
    batch: Any, batch_queue: str, job_definition: Callable[..., str]
) -> None:
    arn = job_definition(bs.python_job("print(1)"))
    for extra in ({"arrayProperties": {"size": 2}}, {"dependsOn": [{"jobId": "x"}]}):
        with pytest.raises(ClientError, match="not supported by the Batch emulator"):
            batch.submit_job(jobName="x", jobQueue=batch_queue, jobDefinition=arn, **extra)


# --------------------------------------------------------------------------- jobs


def test_job_passes_the_documented_states_and_logs(
    batch: Any,
    batch_logs: Any,
    batch_queue: str,
    job_definition: Callable[..., str],
    localstack_endpoint: str,
) -> None:
    # JOB_STATES: SUBMITTED -> RUNNABLE (no dependencies) -> STARTING -> RUNNING -> SUCCEEDED;
    # JOB_ENV_VARS; AWSLOGS: group /aws/batch/job, stream <job definition>/default/<task id>;
    # CONTAINER_OVERRIDES: an override's variable replaces the job definition's of that name
    code = (
        "import os; print(*[os.environ[k] for k in ('AWS_BATCH_JOB_ID', 'AWS_BATCH_JOB_ATTEMPT',"
        " 'AWS_BATCH_JQ_NAME', 'AWS_BATCH_CE_NAME', 'FROM_DEFINITION', 'FROM_OVERRIDE',"
        " 'OVERRIDDEN')], 'Ref::size', sep='|')"
    )
    defined = [{"name": "FROM_DEFINITION", "value": "d"}, {"name": "OVERRIDDEN", "value": "d"}]
    arguments = bs.python_job(code, parameters={"size": "10"}, container={"environment": defined})
    arn = job_definition(arguments)
    with bs.emulator_settings(localstack_endpoint, stateSeconds=0.4):
        job, seen = run_job(
            batch,
            batch_queue,
            arn,
            parameters={"size": "1500"},
            containerOverrides={
                "environment": [
                    {"name": "FROM_OVERRIDE", "value": "o"},
                    {"name": "OVERRIDDEN", "value": "o"},
                ]
            },
        )
    assert seen == ["SUBMITTED", "RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"]
    assert job["statusReason"] == "Essential container in task exited"
    assert job["container"]["exitCode"] == 0
    [attempt] = job["attempts"]
    stream = job["container"]["logStreamName"]
    assert re.fullmatch(rf"{arguments['jobDefinitionName']}/default/{TASK_ID}", stream)
    assert attempt["container"]["logStreamName"] == stream
    assert job["createdAt"] <= job["startedAt"] == attempt["startedAt"] <= job["stoppedAt"]
    ce = batch.describe_job_queues(jobQueues=[batch_queue])["jobQueues"][0][
        "computeEnvironmentOrder"
    ]
    ce_name = ce[0]["computeEnvironment"].rsplit("/", 1)[-1]
    assert bs.log_lines(batch_logs, stream) == [
        f"{job['jobId']}|1|{batch_queue}|{ce_name}|d|o|o|1500"
    ]
    environment = {v["name"]: v["value"] for v in job["container"]["environment"]}
    assert (environment["FROM_DEFINITION"], environment["OVERRIDDEN"]) == ("d", "o")


def test_describe_jobs_has_the_shape_of_aws_example(
    batch: Any, batch_queue: str, job_definition: Callable[..., str]
) -> None:
    # the DescribeJobs example of the AWS CLI reference (a SUBMITTED job): its keys, at every
    # depth, with the same types, while the job waits and once it has ended
    arn = job_definition(
        bs.python_job("print(1)", container={"resourceRequirements": [], "vcpus": 1, "memory": 128})
    )
    job_id = batch.submit_job(
        jobName=unique_name("shape"), jobQueue=batch_queue, jobDefinition=arn
    )["jobId"]
    submitted = batch.describe_jobs(jobs=[job_id])
    assert submitted["jobs"][0]["status"] in ("SUBMITTED", "RUNNABLE")
    assert_describe_jobs_shape(submitted)
    bs.wait_job(batch, job_id)
    ended = batch.describe_jobs(jobs=[job_id])
    assert_describe_jobs_shape(ended)
    assert ended["jobs"][0]["jobDefinition"] == arn


def test_list_jobs_by_name_ignores_case_and_status(
    batch: Any, batch_queue: str, job_definition: Callable[..., str]
) -> None:
    # API reference ListJobs: without a status only RUNNING jobs are listed; the JOB_NAME filter
    # is "a case-insensitive match for the job name", a prefix when it ends with "*", and "when
    # the filter is used, jobStatus is ignored"
    name = unique_name("Listed")
    job, _ = run_job(batch, batch_queue, job_definition(bs.python_job("1")), jobName=name)
    assert job["status"] == "SUCCEEDED"

    def listed(**kwargs: Any) -> list[str]:
        summaries = batch.list_jobs(jobQueue=batch_queue, **kwargs)["jobSummaryList"]
        return [summary["jobId"] for summary in summaries]

    assert job["jobId"] not in listed()
    for value in (name.lower(), name.upper()[:-4] + "*"):
        by_name = [{"name": "JOB_NAME", "values": [value]}]
        assert listed(jobStatus="RUNNING", filters=by_name) == [job["jobId"]], value
    with pytest.raises(ClientError, match="BEFORE_CREATED_AT"):
        listed(filters=[{"name": "BEFORE_CREATED_AT", "values": ["0"]}])


@pytest.mark.parametrize(
    ("image", "command", "reason"),
    [
        ("busybox", ["echo", "1"], "CannotPullContainerError: .*'busybox'"),
        ("python:2.7", ["python", "-c", "1"], "no local Python 2.7"),
    ],
)
def test_images_the_emulator_cannot_run_fail_the_job_naming_them(
    batch: Any,
    batch_queue: str,
    job_definition: Callable[..., str],
    image: str,
    command: list,
    reason: str,
) -> None:
    arn = job_definition(bs.python_job("1", image=image, container={"command": command}))
    job, _ = run_job(batch, batch_queue, arn)
    assert job["status"] == "FAILED"
    assert re.search(reason, job["attempts"][0]["container"]["reason"])
    assert job["statusReason"] == "Task failed to start"


def test_python_image_has_pip_but_no_boto3(
    batch: Any, batch_logs: Any, batch_queue: str, job_definition: Callable[..., str]
) -> None:
    # Docker's official python images carry CPython and pip, not the AWS SDK; `pip` on PATH is
    # that Python's
    code = "import importlib.util as u; print(u.find_spec('pip') is None, u.find_spec('boto3'))"
    command = ["sh", "-c", f"pip --version | grep -o 'python 3.12'; python -c \"{code}\""]
    job, _ = run_job(
        batch, batch_queue, job_definition(bs.python_job("", container={"command": command}))
    )
    lines = bs.log_lines(batch_logs, job["container"]["logStreamName"])
    assert lines == ["python 3.12", "False None"]


def test_awslogs_options_choose_group_and_stream_prefix(
    batch: Any, batch_logs: Any, batch_queue: str, job_definition: Callable[..., str]
) -> None:
    # AWSLOGS: awslogs-group and awslogs-stream-prefix; a group that does not exist stops the
    # task from starting (ECS's ResourceInitializationError)
    group = f"/test/{unique_name('batch')}"
    options = {"awslogs-group": group, "awslogs-stream-prefix": "chunk"}
    logging = {"logConfiguration": {"logDriver": "awslogs", "options": options}}
    arn = job_definition(bs.python_job("print('to my group')", container=logging))
    job, _ = run_job(batch, batch_queue, arn)
    assert job["statusReason"] == "Task failed to start"
    assert "log group does not exist" in job["attempts"][0]["container"]["reason"]
    batch_logs.create_log_group(logGroupName=group)
    try:
        job, _ = run_job(batch, batch_queue, arn)
        stream = job["container"]["logStreamName"]
        assert re.fullmatch(rf"chunk/default/{TASK_ID}", stream)
        assert bs.log_lines(batch_logs, stream, group) == ["to my group"]
    finally:
        batch_logs.delete_log_group(logGroupName=group)


def test_lambda_base_image_entrypoint_refuses_a_command(
    batch: Any, batch_logs: Any, batch_queue: str, job_definition: Callable[..., str]
) -> None:
    # public.ecr.aws/lambda/python's ENTRYPOINT /lambda-entrypoint.sh exits 142 unless given one
    # argument (the handler); Batch's ContainerProperties cannot replace an entrypoint
    arn = job_definition(bs.python_job("print(1)", image="public.ecr.aws/lambda/python:3.12"))
    job, _ = run_job(batch, batch_queue, arn)
    assert (job["status"], job["container"]["exitCode"]) == ("FAILED", 142)
    assert bs.log_lines(batch_logs, job["container"]["logStreamName"]) == [
        "entrypoint requires the handler name to be the first argument"
    ]


def test_job_role_credentials_and_endpoint_reach_localstack(
    batch: Any,
    batch_queue: str,
    job_definition: Callable[..., str],
    aws_client: Callable[..., Any],
    bucket: str,
) -> None:
    # the job reaches this LocalStack (AWS_ENDPOINT_URL) with its job role's temporary
    # credentials; a job without a job role has none, as on AWS
    iam = aws_client("iam")
    role = unique_name("batch-job-role")
    role_arn = iam.create_role(
        RoleName=role, AssumeRolePolicyDocument=assume_role_policy("ecs-tasks.amazonaws.com")
    )["Role"]["Arn"]
    code = (
        "import os, urllib.request; e = os.environ;"
        f" url = e['AWS_ENDPOINT_URL'] + '/{bucket}/' + e['AWS_BATCH_JOB_ID'];"
        " body = repr(sorted(k for k in e if k.startswith('AWS_') and 'KEY' in k"
        " or k == 'AWS_SESSION_TOKEN')).encode();"
        " urllib.request.urlopen(urllib.request.Request(url, data=body, method='PUT'))"
    )
    try:
        with_role = job_definition(bs.python_job(code, container={"jobRoleArn": role_arn}))
        without_role = job_definition(bs.python_job(code))
        s3 = aws_client("s3")
        seen = []
        for arn in (with_role, without_role):
            job, _ = run_job(batch, batch_queue, arn)
            assert job["status"] == "SUCCEEDED", job
            seen.append(s3.get_object(Bucket=bucket, Key=job["jobId"])["Body"].read().decode())
        assert seen == [
            "['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']",
            "[]",
        ]
    finally:
        iam.delete_role(RoleName=role)


def sync_definition(batch_queue: str, job_definition: str) -> dict[str, Any]:
    return {
        "StartAt": "Run",
        "States": {
            "Run": {
                "Type": "Task",
                "Resource": "arn:aws:states:::batch:submitJob.sync",
                "Parameters": {
                    "JobName": "from-step-functions",
                    "JobQueue": batch_queue,
                    "JobDefinition": job_definition,
                    "Parameters": {"code.$": "$.code"},
                },
                "End": True,
            }
        },
    }


@pytest.mark.parametrize(("code", "status"), [("0", "SUCCEEDED"), ("7", "FAILED")])
def test_step_functions_submit_job_sync(
    batch: Any,
    batch_queue: str,
    job_definition: Callable[..., str],
    clients: dict[str, Any],
    code: str,
    status: str,
) -> None:
    # LocalStack's own batch:submitJob.sync integration, unchanged, waits for the job through
    # DescribeJobs: the execution ends with the job (SUCCEEDED) or fails with States.TaskFailed
    # whose cause is the failed job (https://docs.aws.amazon.com/step-functions/latest/dg/connect-batch.html)
    arn = job_definition(bs.python_job("import sys; sys.exit(int('Ref::code'))"))
    sfn = clients["sfn"]
    with state_machine(sfn, sync_definition(batch_queue, arn)) as machine:
        execution = run(sfn, machine, {"code": code}, deadline_s=60)
    if status == "SUCCEEDED":
        assert execution["status"] == "SUCCEEDED", execution
        output = json.loads(execution["output"])
        assert (output["Status"], output["Container"]["ExitCode"]) == ("SUCCEEDED", 0)
        assert output["JobDefinition"] == arn
        return
    assert execution["status"] == "FAILED", execution
    history = sfn.get_execution_history(executionArn=execution["executionArn"])["events"]
    failed = next(e for e in history if e["type"] == "TaskFailed")["taskFailedEventDetails"]
    assert failed["error"] == "States.TaskFailed"
    cause = json.loads(failed["cause"])
    assert (cause["Status"], cause["Container"]["ExitCode"]) == ("FAILED", 7)
