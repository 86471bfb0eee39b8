"""Offline runs reach nothing but this machine, see no real credential, and never wait out a poll."""

from __future__ import annotations

import os
import socket

import boto3
import pytest

from pytest_sagemaker_lab import fastclock, netguard
from pytest_sagemaker_lab.backends import offline_world
from pytest_sagemaker_lab.drivers import run_percent_file
from pytest_sagemaker_lab.fixtures import solution_variant
from pytest_sagemaker_lab.spec import load_spec

from .conftest import LAB41


@pytest.fixture
def recorded_connects(monkeypatch):
    """The guard in front of a connect that only records: no packet is ever sent by these tests."""
    calls: list = []
    netguard.install()
    monkeypatch.setitem(netguard._originals, "connect", lambda sock, address: calls.append(address))
    yield calls
    monkeypatch.undo()
    netguard.uninstall()


@pytest.mark.parametrize("address", [("192.0.2.10", 443), ("8.8.8.8", 53)])
def test_guard_refuses_addresses_off_the_machine(recorded_connects, address):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock, \
            pytest.raises(netguard.OfflineNetworkError, match="offline mode blocked a connection"):
        sock.connect(address)
    assert recorded_connects == []


def test_guard_lets_loopback_through(recorded_connects):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.connect(("127.0.0.1", 9))
    assert recorded_connects == [("127.0.0.1", 9)]


def test_guard_refuses_name_lookups_off_the_machine():
    netguard.install()
    try:
        with pytest.raises(netguard.OfflineNetworkError):
            socket.getaddrinfo("sm-pysdk-t-us-east-1.s3.us-east-1.amazonaws.com", 443)
        assert socket.getaddrinfo("localhost", 80)
    finally:
        netguard.uninstall()
    assert socket.socket.connect is netguard._originals.get("connect", socket.socket.connect)


def test_offline_world_hides_real_credentials_and_restores_them(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALREALREALREAL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("AWS_PROFILE", "production")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://example.invalid")
    with offline_world(load_spec(LAB41)):
        credentials = boto3.Session().get_credentials()
        # Fake keys: ours, or the ones mock_aws puts in front of them.
        assert credentials.access_key in ("testing", "FOOBARKEY")
        assert credentials.secret_key in ("testing", "FOOBARSECRET")
        assert "AWS_PROFILE" not in os.environ and "AWS_ENDPOINT_URL" not in os.environ
        assert os.environ["AWS_DEFAULT_REGION"] == "us-east-1"
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAREALREALREALREAL"
    assert os.environ["AWS_PROFILE"] == "production"


def test_reference_run_leaves_nothing_and_waits_out_no_poll():
    """The whole lab, telemetry included, attempts no connection off the machine, and the SDK's
    5-second polls are cut short (it asks for at least 5 s of sleep, it gets a few milliseconds)."""
    netguard.blocked.clear()
    spec = load_spec(LAB41)
    with offline_world(spec) as world:
        clock = fastclock.current
        run = run_percent_file("reference", spec.solution_path(solution_variant(spec, "auto")), world)
    assert run.error is None, run.output
    assert netguard.blocked == []
    assert clock is not None and clock.requested >= 5
    assert clock.slept * 20 < clock.requested  # a 5 s poll costs 0.05 s


def test_a_poll_asleep_returns_when_an_emulated_job_ends():
    """``wake`` (called when a job ends) cuts the sleep short; the clock still moves by the whole poll."""
    import threading
    import time

    clock = fastclock.FastClock(cap=30)
    timer = threading.Timer(0.05, fastclock.wake)
    timer.start()
    started_real, started_fake = time.monotonic(), clock.monotonic()
    clock.sleep(5)
    timer.join()
    assert time.monotonic() - started_real < 5
    assert clock.monotonic() - started_fake >= 5
    assert clock.requested == 5 and 0.04 < clock.slept < 5


def test_what_a_lab_leaves_running_is_stopped_when_its_world_ends():
    """A submission that leaves a training job of a million rounds and a transform running when it ends
    takes no core from the next one: the world's end stops them, and their threads are gone."""
    import threading
    import time

    from .jobs import IMAGE, TRAIN_CSV, channel

    spec = load_spec(LAB41)
    with offline_world(spec) as world:
        sagemaker, s3 = world.client("sagemaker"), world.client("s3")
        s3.put_object(Bucket=world.bucket, Key="data/train.csv", Body=TRAIN_CSV * 20)
        train = channel("train", "data/train.csv")
        train["DataSource"]["S3DataSource"]["S3Uri"] = f"s3://{world.bucket}/data/train.csv"
        sagemaker.create_training_job(
            TrainingJobName="forever", RoleArn=world.role_arn, InputDataConfig=[train],
            AlgorithmSpecification={"TrainingImage": IMAGE.format("1.2-2"), "TrainingInputMode": "File"},
            OutputDataConfig={"S3OutputPath": f"s3://{world.bucket}/out/"},
            ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
            StoppingCondition={"MaxRuntimeInSeconds": 86400},
            HyperParameters={"num_round": "1000000", "objective": "binary:logistic", "max_depth": "10"})
        time.sleep(0.5)
        assert sagemaker.describe_training_job(TrainingJobName="forever")["TrainingJobStatus"] == "InProgress"
        ended = time.monotonic()
    assert time.monotonic() - ended < 10
    assert not [t for t in threading.enumerate() if t.name.startswith("sagemaker-job-forever")]
