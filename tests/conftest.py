"""Shared helpers for the plugin's own tests: copies of Lab 4.1 that tests can break on purpose."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

pytest_plugins = ["pytester"]

# The SDK imports the importlib_metadata backport, which deletes the standard library's distribution
# finder and installs its own. Imported here, before pytester snapshots sys.meta_path, so that an
# in-process run after the first one still finds the entry-point plugins (this one included).
with contextlib.suppress(ImportError):
    import importlib_metadata  # noqa: F401

# pytester's in-process runs drop the modules they imported, but a package keeps its attributes: a
# later run would then mix old and new copies of the plugin's modules (and their exception classes).
# Importing them here keeps one copy for the whole session; the SDK is imported once, offline.
from pytest_sagemaker_lab import backends, checks, drivers, messages  # noqa: E402, F401
from pytest_sagemaker_lab.emulator import moto_hooks, training_job  # noqa: E402, F401
from pytest_sagemaker_lab.grading import probes  # noqa: E402, F401

from .jobs import TRAIN_CSV  # noqa: E402

with backends.patched_environ(backends.offline_environment("us-east-1"), remove=backends._CREDENTIAL_VARIABLES):
    from pytest_sagemaker_lab.grading import sdk

    if sdk.major(sdk.installed()) == 3:
        import sagemaker.core.resources
        import sagemaker.train
    else:
        import sagemaker.estimator  # noqa: F401

SDK_MAJOR = sdk.major(sdk.installed())
needs_sdk2 = pytest.mark.skipif(SDK_MAJOR != 2, reason="needs SageMaker SDK 2 (run under tox -e sdk2)")
needs_sdk3 = pytest.mark.skipif(SDK_MAJOR != 3, reason="needs SageMaker SDK 3 (run under tox -e sdk3)")

LAB41 = Path(__file__).resolve().parent.parent / "lab_steps" / "lab4_1"
LAB41_FILES = ("lab.toml", "data.py", "test_lab4_1.py", "solution_sdk2.py", "solution_sdk3.py")


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugin's tests never see a real credential, whatever the developer's shell holds."""
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name in ("LIVE", "REGION", "BUCKET", "PREFIX", "ROLE", "SUBMISSION", "VERIFY_ONLY", "REPORT",
                 "TIMEOUT", "SANDBOX", "BWRAP", "MAX_MEMORY", "MAX_PROCESSES", "MAX_FILE_SIZE", "MAX_DISK",
                 "MAX_OUTPUT", "KILL_GRACE"):
        monkeypatch.delenv(f"SAGEMAKER_LAB_{name}", raising=False)


class LabCopy:
    """A copy of a lab inside a pytester directory (Lab 4.1 beside it, which later labs go on from),
    with edits applied to its files."""

    def __init__(self, pytester: pytest.Pytester, lab: str = "lab4_1") -> None:
        self.pytester = pytester
        self.path = pytester.path / lab
        (pytester.path / "lab4_1").mkdir()
        for name in LAB41_FILES:
            shutil.copy(LAB41 / name, pytester.path / "lab4_1" / name)
        for other in sorted(LAB41.parent.glob("lab4_1_*")):  # the later labs (they share data)
            shutil.copytree(other, pytester.path / other.name, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))

    def edit(self, name: str, old: str, new: str) -> LabCopy:
        path = self.path / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return self

    @property
    def solution(self) -> str:
        """The reference solution the harness runs here: the installed SDK's."""
        return f"solution_sdk{SDK_MAJOR}.py"

    def edit_solution(self, edits: dict[int, tuple[str, str]]) -> LabCopy:
        """Edit the installed SDK's solution: ``{2: (old, new), 3: (old, new)}``."""
        old, new = edits.get(SDK_MAJOR, edits.get(2))
        return self.edit(self.solution, old, new)

    def run(self, *args: str) -> tuple[pytest.RunResult, dict]:
        report = self.pytester.path / "report.json"
        result = self.pytester.runpytest_inprocess(str(self.path), "-p", "no:randomly", "-p", "no:cacheprovider",
                                                   f"--lab-report={report}", *args)
        document = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
        return result, document


def grade_class(pytester: pytest.Pytester, folder: Path, *args: str) -> tuple[pytest.RunResult, dict]:
    """Lab 4.1 graded on ``folder``'s submissions in a pytest subprocess; its result and its JSON report."""
    report = pytester.path / "out" / "grades.json"
    result = pytester.runpytest_subprocess(str(LAB41), "-p", "no:randomly", "-p", "no:cacheprovider",
                                           f"--lab-submission={folder}", f"--lab-report={report}", *args,
                                           timeout=600)
    assert report.exists(), result.stdout.str()[-3000:] + result.stderr.str()[-3000:]
    return result, json.loads(report.read_text(encoding="utf-8"))


def stages_of(document: dict, submission: int = 0) -> dict[str, dict]:
    return {stage["id"]: stage for stage in document["submissions"][submission]["stages"]}


@pytest.fixture
def aws():
    """moto in this process with the emulation installed, and the lab's data in a bucket."""
    moto_hooks.install()
    with backends.patched_environ(backends.offline_environment("us-east-1")), mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="lab")
        s3.put_object(Bucket="lab", Key="data/train.csv", Body=TRAIN_CSV)
        s3.put_object(Bucket="lab", Key="data/validation.csv", Body=TRAIN_CSV[:2000])
        boto3.client("iam").create_role(RoleName="SageMakerLabRole",
                                        AssumeRolePolicyDocument=backends.SAGEMAKER_TRUST_POLICY)
        yield boto3.client("sagemaker", region_name="us-east-1"), s3, boto3.client("logs", region_name="us-east-1")
        moto_hooks.wait_for_jobs()


@pytest.fixture
def lab_copy(pytester: pytest.Pytester) -> LabCopy:
    return LabCopy(pytester)


@pytest.fixture
def outcomes() -> Callable[[dict], dict[str, str]]:
    return lambda document: {key: value["outcome"] for key, value in stages_of(document).items()}


# A lab that needs no AWS (its stages never make a job): the plugin's mechanics are tried on it.
SYNTHETIC_LAB_TOML = """
[lab]
id = "labx"
title = "A synthetic lab"
region = "eu-west-1"
prefix = "labx_prefix"

[training]
framework = "xgboost"
version = "1.2-2"
instance_type = "ml.m5.large"
instance_count = 1
output_path = "s3://{bucket}/{prefix}/output/"
job_name_prefix = "x-"
job_name_pattern = '^x-\\d+$'

[hyperparameters]
num_round = "3"

[[channels]]
name = "train"
key = "train.csv"

[data]
generator = "data.py:generate"
"""


def synthetic_lab_toml(lab_id: str) -> str:
    """The synthetic lab's spec under another id (its prefix follows: ``<id>_prefix``)."""
    return SYNTHETIC_LAB_TOML.replace('"labx', f'"{lab_id}')
