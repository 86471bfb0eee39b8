"""--live, tested against a moto server on 127.0.0.1 reached through AWS_ENDPOINT_URL (with the training
emulation): the preflight's failures one by one, a full run, the guard, a time-out, Ctrl-C, verify-only;
and one test against real AWS, skipped unless real credentials are present."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import boto3
import pytest

from pytest_sagemaker_lab.backends import SAGEMAKER_TRUST_POLICY, offline_environment
from pytest_sagemaker_lab.emulator.server import local_server

from .conftest import LAB41, LabCopy

ROLE = "arn:aws:iam::123456789012:role/SageMakerLabRole"


@pytest.fixture(scope="module")
def server():
    with local_server() as endpoint:
        yield endpoint


@pytest.fixture
def account(server):
    """A fresh account on the server: a bucket with the lab's data is up to each test."""
    from pytest_sagemaker_lab.emulator.server import reset

    reset(server)
    env = {**offline_environment("us-east-1"), "AWS_ENDPOINT_URL": server, "PATH": os.environ["PATH"]}
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")

    def client(name: str):
        return session.client(name, endpoint_url=server)

    return env, client


def _bucket(client, name="course-bucket", region="us-east-1"):
    if region == "us-east-1":
        client("s3").create_bucket(Bucket=name)
    else:
        client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})


def _role(client, policy=SAGEMAKER_TRUST_POLICY):
    client("iam").create_role(RoleName="SageMakerLabRole", AssumeRolePolicyDocument=policy)


def _run(pytester, env, *args, lab=str(LAB41)):
    report = pytester.path / "live.json"
    command = [sys.executable, "-m", "pytest", lab, "-p", "no:randomly", "-p", "no:cacheprovider", "--live",
               f"--lab-report={report}", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, cwd=pytester.path)
    document = json.loads(report.read_text()) if report.exists() else None
    return done, document


def _stages(document):
    return {stage["id"]: stage for stage in document["submissions"][0]["stages"]}


@pytest.mark.parametrize(("setup", "args", "message"), [
    ("none", ("--lab-bucket=course-bucket", f"--lab-role={ROLE}"), "--lab-role"),
    ("no-credentials", ("--lab-bucket=course-bucket", f"--lab-role={ROLE}"), "no AWS credentials were found"),
    ("no-region", ("--lab-bucket=course-bucket", f"--lab-role={ROLE}"), "no AWS region: pass --lab-region"),
    ("no-bucket", ("--lab-bucket=course-bucket", f"--lab-role={ROLE}"),
     "the bucket course-bucket does not exist. Create it (`aws s3 mb s3://course-bucket --region us-east-1`)"),
    ("bucket-elsewhere", ("--lab-bucket=course-bucket", f"--lab-role={ROLE}"),
     "the bucket course-bucket is in eu-west-1, but the lab runs in us-east-1"),
    ("no-role", ("--lab-bucket=course-bucket", f"--lab-role={ROLE}"), f"the role {ROLE} does not exist"),
    ("untrusting-role", ("--lab-bucket=course-bucket", f"--lab-role={ROLE}"),
     "does not trust sagemaker.amazonaws.com, so SageMaker cannot assume it"),
])
def test_preflight_failures_one_by_one(pytester, account, setup, args, message):
    env, client = account
    if setup == "none":
        args = ("--lab-bucket=course-bucket",)
        message = "--live needs --lab-role"
    if setup == "no-credentials":
        env = {k: v for k, v in env.items() if not k.startswith("AWS_ACCESS") and not k.startswith("AWS_SECRET")}
    if setup == "no-region":
        env = {k: v for k, v in env.items() if k not in ("AWS_DEFAULT_REGION", "AWS_REGION")}
    if setup not in ("no-bucket", "bucket-elsewhere"):
        _bucket(client)
    if setup == "bucket-elsewhere":
        _bucket(client, region="eu-west-1")
    if setup != "no-role":
        untrusting = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": ' \
                     '"ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'
        _role(client, untrusting if setup == "untrusting-role" else SAGEMAKER_TRUST_POLICY)
    done, document = _run(pytester, env, *args)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert message in done.stderr
    assert document is None  # nothing ran, nothing was created
    assert client("sagemaker").list_training_jobs()["TrainingJobSummaries"] == []
    assert "testing" not in done.stdout + done.stderr  # no credential in the output


def test_a_live_run_tags_bounds_and_checks_its_job(pytester, account):
    env, client = account
    _bucket(client)
    _role(client)
    done, document = _run(pytester, env, "--lab-bucket=course-bucket", f"--lab-role={ROLE}",
                          "--lab-max-runtime=600")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "sagemaker-lab: live as arn:aws:sts::123456789012:user/moto (account 123456789012" in done.stdout
    assert document["mode"] == "live" and document["submissions"][0]["score"] == 7
    (summary,) = client("sagemaker").list_training_jobs()["TrainingJobSummaries"]
    job = client("sagemaker").describe_training_job(TrainingJobName=summary["TrainingJobName"])
    assert job["StoppingCondition"]["MaxRuntimeInSeconds"] == 600  # the SDK asked for 86400 or 3600
    tags = client("sagemaker").list_tags(ResourceArn=job["TrainingJobArn"])["Tags"]
    assert {"Key": "created-by", "Value": "pytest-sagemaker-lab"} in tags
    # The run uploaded the lab's missing data; --lab-cleanup was not given: nothing is deleted.
    keys = [o["Key"] for o in client("s3").list_objects_v2(Bucket="course-bucket")["Contents"]]
    assert "lab41_local/train-pass1.csv" in keys and any(key.endswith("output/model.tar.gz") for key in keys)
    assert "testing" not in done.stdout + done.stderr


def test_cleanup_removes_only_what_the_run_wrote(pytester, account):
    env, client = account
    _bucket(client)
    _role(client)
    s3 = client("s3")
    from pytest_sagemaker_lab.spec import load_spec

    learners = load_spec(LAB41).generate_data()["train-pass1.csv"]
    s3.put_object(Bucket="course-bucket", Key="lab41_local/train-pass1.csv", Body=learners)  # must survive
    s3.put_object(Bucket="course-bucket", Key="lab41_local/notes.txt", Body=b"mine")
    done, _ = _run(pytester, env, "--lab-bucket=course-bucket", f"--lab-role={ROLE}", "--lab-cleanup")
    assert "--lab-cleanup: deleted" in done.stdout, done.stdout[-2000:]
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="course-bucket").get("Contents", []))
    assert keys == ["lab41_local/notes.txt", "lab41_local/train-pass1.csv"]


def test_instance_types_outside_the_allowlist_are_refused(pytester, account):
    env, client = account
    _bucket(client)
    _role(client)
    _, document = _run(pytester, env, "--lab-bucket=course-bucket", f"--lab-role={ROLE}",
                       "--lab-instance-types=ml.m5.large")
    assert "refused to create training job" in document["submissions"][0]["error"]
    assert "ml.m5.2xlarge: live runs may use ml.m5.large" in document["submissions"][0]["error"]
    assert client("sagemaker").list_training_jobs()["TrainingJobSummaries"] == []


def _slow_lab(pytester) -> LabCopy:
    copy = LabCopy(pytester)
    copy.edit_solution({2: ('"num_round": "42"', '"num_round": "5000000"'),
                        3: ('"num_round": "42"', '"num_round": "5000000"')})
    return copy


def test_the_timeout_stops_the_job(pytester, account):
    env, client = account
    _bucket(client)
    _role(client)
    copy = _slow_lab(pytester)
    _, document = _run(pytester, env, "--lab-bucket=course-bucket", f"--lab-role={ROLE}", "--lab-timeout=12",
                       lab=str(copy.path))
    (summary,) = client("sagemaker").list_training_jobs()["TrainingJobSummaries"]
    assert summary["TrainingJobStatus"] == "Stopped"
    error = document["submissions"][0]["error"]
    assert error == f"timed out after 12 s; stopped {summary['TrainingJobName']}"
    assert _stages(document)["fit_completes"]["outcome"] == "failed"


def test_ctrl_c_stops_the_job_and_says_so(pytester, account):
    env, client = account
    _bucket(client)
    _role(client)
    copy = _slow_lab(pytester)
    command = [sys.executable, "-m", "pytest", str(copy.path), "-p", "no:randomly", "--live",
               "--lab-bucket=course-bucket", f"--lab-role={ROLE}"]
    # SIGINT as a terminal delivers it, even where this test's own process ignores it (a background job).
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=pytester.path, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        jobs = client("sagemaker").list_training_jobs()["TrainingJobSummaries"]
        if jobs and jobs[0]["TrainingJobStatus"] == "InProgress":
            break
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    (summary,) = client("sagemaker").list_training_jobs()["TrainingJobSummaries"]
    assert summary["TrainingJobStatus"] in ("Stopping", "Stopped"), stdout[-3000:] + stderr[-3000:]
    assert f"interrupted; stopped training job(s): {summary['TrainingJobName']}" in stdout, stdout + stderr


def test_verify_only_on_a_finished_lab_and_on_an_empty_account(pytester, account):
    env, client = account
    _bucket(client)
    _role(client)
    args = ("--lab-bucket=course-bucket", f"--lab-role={ROLE}", "--lab-verify-only")
    done, document = _run(pytester, env, *args)
    stages = _stages(document)
    assert document["submissions"][0]["name"] == "account"
    assert stages["s3_objects_reachable"]["outcome"] == "failed"
    assert stages["fit_completes"]["outcome"] == "skipped"
    assert client("s3").list_objects_v2(Bucket="course-bucket").get("KeyCount", 0) == 0  # created nothing
    # The account after a learner finished the lab: their data, their job.
    _run(pytester, env, "--lab-bucket=course-bucket", f"--lab-role={ROLE}")
    jobs_before = client("sagemaker").list_training_jobs()["TrainingJobSummaries"]
    done, document = _run(pytester, env, *args)
    assert document["submissions"][0]["score"] == 7, done.stdout[-3000:]
    assert client("sagemaker").list_training_jobs()["TrainingJobSummaries"] == jobs_before


def _real_aws_credentials() -> bool:
    if os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ACCESS_KEY_ID") in (None, "", "testing"):
        return bool(os.environ.get("AWS_PROFILE")) and not os.environ.get("AWS_ENDPOINT_URL")
    return True


@pytest.mark.skipif(not _real_aws_credentials() or not os.environ.get("SAGEMAKER_LAB_BUCKET")
                    or not os.environ.get("SAGEMAKER_LAB_ROLE"),
                    reason="needs real AWS credentials and SAGEMAKER_LAB_BUCKET / SAGEMAKER_LAB_ROLE: costs money")
def test_against_real_aws_verify_only(pytester):
    done = subprocess.run([sys.executable, "-m", "pytest", str(LAB41), "--live", "--lab-verify-only"],
                          capture_output=True, text=True, timeout=600)
    assert "sagemaker-lab: live as arn:aws:" in done.stdout


def test_a_learners_notebook_runs_against_the_account(pytester, account):
    env, client = account
    _bucket(client)
    _role(client)
    folder = pytester.mkdir("class")
    from .conftest import SDK_MAJOR

    (folder / "alice.ipynb").write_bytes((LAB41 / f"solution_sdk{SDK_MAJOR}.ipynb").read_bytes())
    done, document = _run(pytester, env, "--lab-bucket=course-bucket", f"--lab-role={ROLE}",
                          f"--lab-submission={folder}")
    assert document["submissions"][0]["name"] == "alice"
    assert document["submissions"][0]["score"] == 7, done.stdout[-3000:]
    (summary,) = client("sagemaker").list_training_jobs()["TrainingJobSummaries"]
    arn = client("sagemaker").describe_training_job(TrainingJobName=summary["TrainingJobName"])["TrainingJobArn"]
    assert {"Key": "created-by", "Value": "pytest-sagemaker-lab"} in client("sagemaker").list_tags(
        ResourceArn=arn)["Tags"]  # the guard ran inside the learner's kernel


def test_a_timed_out_notebook_stops_its_own_job_and_not_a_colleagues(pytester, account):
    """On a shared account, a submission's time-out stops the jobs the harness created (tagged by the
    guard in the kernel), never one that someone else started meanwhile."""
    from .conftest import SDK_MAJOR
    from .jobs import create

    env, client = account
    _bucket(client)
    _role(client)
    folder = pytester.mkdir("class")
    notebook = (LAB41 / f"solution_sdk{SDK_MAJOR}.ipynb").read_text(encoding="utf-8")
    slow = notebook.replace('num_round\\": \\"42', 'num_round\\": \\"5000000')
    assert slow != notebook
    (folder / "slow.ipynb").write_text(slow, encoding="utf-8")
    report = pytester.path / "live.json"
    command = [sys.executable, "-m", "pytest", str(LAB41), "-p", "no:randomly", "-p", "no:cacheprovider", "--live",
               f"--lab-report={report}", "--lab-bucket=course-bucket", f"--lab-role={ROLE}",
               f"--lab-submission={folder}", "--lab-timeout=30"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               cwd=pytester.path)
    sagemaker = client("sagemaker")
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not sagemaker.list_training_jobs()["TrainingJobSummaries"]:
            time.sleep(0.2)
        (learners,) = sagemaker.list_training_jobs()["TrainingJobSummaries"]
        # A colleague's job on the same account, started while the learner's notebook runs.
        train = {"ChannelName": "train", "ContentType": "text/csv", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://course-bucket/lab41_local/train-pass1.csv",
            "S3DataDistributionType": "FullyReplicated"}}}
        create(sagemaker, "colleagues-job", hyperparameters={"num_round": "5000000", "objective": "binary:logistic"},
               channels=[train], OutputDataConfig={"S3OutputPath": "s3://course-bucket/colleague/"})
        output, _ = process.communicate(timeout=240)
        assert sagemaker.describe_training_job(TrainingJobName="colleagues-job")["TrainingJobStatus"] == "InProgress"
        assert sagemaker.describe_training_job(
            TrainingJobName=learners["TrainingJobName"])["TrainingJobStatus"] in ("Stopping", "Stopped")
        error = json.loads(report.read_text())["submissions"][0]["error"]
        assert error == f"timed out after 30 s; stopped {learners['TrainingJobName']}", output[-3000:]
    finally:
        process.kill()
        for job in sagemaker.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]:
            sagemaker.stop_training_job(TrainingJobName=job["TrainingJobName"])


def test_only_the_harness_s_running_jobs_since_the_start_are_listed_for_stopping(account):
    import datetime

    from pytest_sagemaker_lab.live import HARNESS_TAG, harness_jobs_since

    from .jobs import TRAIN_CSV, create, wait

    _, client = account
    client("s3").create_bucket(Bucket="lab")
    client("s3").put_object(Bucket="lab", Key="data/train.csv", Body=TRAIN_CSV)
    sagemaker = client("sagemaker")
    train = [{"ChannelName": "train", "ContentType": "text/csv", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": "s3://lab/data/train.csv", "S3DataDistributionType": "FullyReplicated"}}}]
    long = {"num_round": "5000000", "objective": "binary:logistic"}
    try:
        create(sagemaker, "ours-before", hyperparameters=long, channels=train, Tags=[HARNESS_TAG])
        time.sleep(1.1)  # CreationTime has a resolution of a second or less
        started = datetime.datetime.now(datetime.timezone.utc)
        create(sagemaker, "ours-running", hyperparameters=long, channels=train, Tags=[HARNESS_TAG])
        create(sagemaker, "a-colleagues", hyperparameters=long, channels=train)
        create(sagemaker, "ours-finished", hyperparameters={"num_round": "2", "objective": "binary:logistic"},
               channels=train, Tags=[HARNESS_TAG])
        assert wait(sagemaker, "ours-finished")["TrainingJobStatus"] == "Completed"
        assert harness_jobs_since(sagemaker, started) == ["ours-running"]
    finally:
        for job in sagemaker.list_training_jobs(StatusEquals="InProgress")["TrainingJobSummaries"]:
            sagemaker.stop_training_job(TrainingJobName=job["TrainingJobName"])
