"""The emulation behind a moto server on 127.0.0.1, used over HTTP by another process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from pytest_sagemaker_lab.backends import offline_environment
from pytest_sagemaker_lab.emulator.server import local_server
from pytest_sagemaker_lab.grading import probes

CLIENT = textwrap.dedent("""
    import json, time
    import boto3

    IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-2"
    s3 = boto3.client("s3")
    sagemaker = boto3.client("sagemaker")
    s3.create_bucket(Bucket="lab")
    s3.put_object(Bucket="lab", Key="d/train.csv", Body="".join(f"{i % 2},{i % 5},{i % 3}\\n" for i in range(300)))

    def create(name, hyperparameters):
        sagemaker.create_training_job(
            TrainingJobName=name, RoleArn="arn:aws:iam::123456789012:role/SageMakerLabRole",
            AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            InputDataConfig=[{"ChannelName": "train", "ContentType": "text/csv", "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix", "S3Uri": "s3://lab/d/", "S3DataDistributionType": "FullyReplicated"}}}],
            OutputDataConfig={"S3OutputPath": "s3://lab/out"},
            ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 30},
            StoppingCondition={"MaxRuntimeInSeconds": 600}, HyperParameters=hyperparameters)

    def wait(name):
        while True:
            job = sagemaker.describe_training_job(TrainingJobName=name)
            if job["TrainingJobStatus"] not in ("InProgress", "Stopping"):
                return job
            time.sleep(0.02)

    create("ok", {"num_round": "4", "objective": "binary:logistic"})
    create("bad", {"num_round": "4", "silent": "1"})
    create("long", {"num_round": "1000000", "objective": "binary:logistic"})
    sagemaker.stop_training_job(TrainingJobName="long")
    out = {name: wait(name) for name in ("ok", "bad", "long")}
    model = s3.head_object(Bucket="lab", Key="out/ok/output/model.tar.gz")["ContentLength"]
    print(json.dumps({"status": {n: j["TrainingJobStatus"] for n, j in out.items()},
                      "reason": out["bad"].get("FailureReason", ""), "model_bytes": model}))
""")


def test_jobs_over_http_from_another_process(tmp_path):
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    with local_server() as endpoint:
        assert endpoint.startswith("http://127.0.0.1:")
        env = {"PATH": "/usr/bin:/bin", **offline_environment("us-east-1"), "AWS_ENDPOINT_URL": endpoint}
        done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == {"ok": "Completed", "bad": "Failed", "long": "Stopped"}
    assert result["reason"].startswith("AlgorithmError: framework error: \nTraceback (most recent call last):")
    assert "KeyError: 'silent'" in result["reason"]
    assert result["model_bytes"] > 100


def test_the_server_stops_without_waiting_out_its_poll():
    """stop_promptly wakes a serving loop at once: here one that would otherwise sleep an hour in select."""
    import socket
    import socketserver
    import threading

    from pytest_sagemaker_lab.emulator.server import stop_promptly

    class SlowPollingServer:
        def __init__(self) -> None:
            self.server = socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler)
            self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 3600})
            self.thread.start()

        def get_host_and_port(self):
            return self.server.server_address[:2]

        def stop(self) -> None:
            self.server.shutdown()
            self.thread.join()

    slow = SlowPollingServer()
    stopping = threading.Thread(target=stop_promptly, args=(slow,), daemon=True)
    stopping.start()
    stopping.join(60)
    assert not stopping.is_alive() and not slow.thread.is_alive()
    slow.server.server_close()

    with local_server() as endpoint:
        port = int(endpoint.rsplit(":", 1)[1])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more


def test_a_process_that_never_exits_its_server_still_ends():
    """Left open, the server is closed as the interpreter exits: it must not wait there forever."""
    code = ("from pytest_sagemaker_lab.emulator.server import local_server\n"
            "manager = local_server()\nprint(manager.__enter__())\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("http://127.0.0.1:")


SPIN = textwrap.dedent("""
    import sys, threading, time
    from pytest_sagemaker_lab.emulator.server import local_server
    from pytest_sagemaker_lab.grading.probes import _thread_cpu

    def others():  # CPU seconds of every thread but this one
        me = str(threading.get_native_id())
        return sum(used for task, used in _thread_cpu(precise=True).items() if task != me) / 1e9

    with local_server():
        print("numpy before:", "numpy" in sys.modules)
        before = others()
        import numpy, xgboost  # as its first emulated job does (moto_hooks had them already)
        numpy.ones((64, 64)) @ numpy.ones((64, 64))  # BLAS work on its threads, which then wait
        time.sleep(0.3)
        print("spin:", others() - before)
""")


def test_the_server_s_blas_threads_sleep_when_they_wait():
    """The server's process trains the jobs of the kernels it serves, on the same cores: its numpy
    BLAS threads (each spun ~0.1 s of a core after import or work) must sleep when idle."""
    if not probes._has_schedstat() or (os.cpu_count() or 1) < 2:
        pytest.skip("needs per-thread CPU in nanoseconds and two cores")
    env = {name: value for name, value in os.environ.items() if name != "OPENBLAS_THREAD_TIMEOUT"}
    done = subprocess.run([sys.executable, "-c", SPIN], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "numpy before: True" in done.stdout  # imported by the emulation, after the setting was made
    assert float(done.stdout.split("spin:")[1]) < 0.05, done.stdout
