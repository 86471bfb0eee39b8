"""Fixtures for lab authors: the lab's spec, the world it runs in, clients, the job and the model.

Everything heavy (boto3, moto, the SDK, xgboost) is imported inside the fixtures, so a session that
never asks for them pays nothing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .state import EVIDENCE_KEY, SETTINGS_KEY
from .submissions import Submission


def _spec_for(node: pytest.Item | pytest.Collector):
    from .spec import SpecError, find_spec_dir, load_spec

    directory = find_spec_dir(Path(node.path).parent)
    if directory is None:
        raise SpecError(f"{node.path}: no lab.toml in this folder or above it; a lab's stages live beside "
                        "its spec")
    return load_spec(directory)


@pytest.fixture(scope="module")
def lab_spec(request: pytest.FixtureRequest):
    """The :class:`~pytest_sagemaker_lab.spec.LabSpec` of the lab whose stages are running."""
    return _spec_for(request.node)


@pytest.fixture(scope="module")
def lab_submission(request: pytest.FixtureRequest) -> Submission:
    """What is being graded (parametrized by the plugin: ``reference``, or one per submission)."""
    return request.param


@pytest.fixture(scope="module")
def lab_world(request: pytest.FixtureRequest, lab_spec, lab_submission: Submission) -> Iterator[Any]:
    """The account the lab runs against: a fresh moto world offline, the real account live."""
    from .backends import live_world, offline_world

    settings = request.config.stash[SETTINGS_KEY]
    options = dict(region=settings["lab_region"], bucket=settings["lab_bucket"],
                   prefix=settings["lab_prefix"], role_arn=settings["lab_role"])
    if settings.live:
        with live_world(lab_spec, **options) as world:
            yield world
    else:
        with offline_world(lab_spec, seed=lab_submission.kind != "verify-only", **options) as world:
            yield world


def solution_variant(spec, requested: str) -> str:
    """The SDK major of the reference solution to run: the one asked for, else the installed SDK's."""
    from . import sdk

    if requested in ("2", "3"):
        return requested
    installed = str(sdk.major(sdk.installed()) or 2)
    return installed if installed in spec.solutions else "2"


@pytest.fixture(scope="module")
def lab_run(request: pytest.FixtureRequest, lab_world, lab_spec, lab_submission: Submission):
    """The lab made to happen by its driver (the reference solution), before the stages check it."""
    from .drivers import LabRun, run_percent_file

    if lab_submission.kind == "verify-only":
        return LabRun(name=lab_submission.name, world=lab_world)
    variant = solution_variant(lab_spec, request.config.stash[SETTINGS_KEY]["lab_sdk"])
    return run_percent_file(lab_submission.name, lab_spec.solution_path(variant), lab_world)


@pytest.fixture(scope="module")
def lab_sdk_probe(lab_run) -> dict[str, Any] | None:
    """Which SageMaker SDK is installed where the lab runs, and what the lab's code needs of it."""
    from .drivers import read_percent_cells
    from .sdk import probe

    if lab_run.source is None:
        return None
    return probe("".join(cell.source for cell in read_percent_cells(lab_run.source)))


@pytest.fixture
def lab_evidence(request: pytest.FixtureRequest) -> list[str]:
    """Append what a passing stage found; it becomes the stage's message in the report."""
    return request.node.stash.setdefault(EVIDENCE_KEY, [])


@pytest.fixture(scope="module")
def lab_probe(lab_submission: Submission) -> dict[str, Any]:
    """Evidence from the interpreter that runs the lab: xgboost, its OpenMP runtime, its threads."""
    from .probes import probe

    return probe()


@pytest.fixture
def lab_boto_session(lab_world):
    """A boto3 session on the selected backend (moto offline, AWS live)."""
    return lab_world.session()


@pytest.fixture
def lab_s3(lab_world):
    return lab_world.client("s3")


@pytest.fixture
def lab_sagemaker(lab_world):
    return lab_world.client("sagemaker")


@pytest.fixture
def lab_logs(lab_world):
    return lab_world.client("logs")


@pytest.fixture
def lab_training_job(lab_run, lab_sagemaker, lab_spec) -> dict[str, Any] | None:
    """The lab's training job as DescribeTrainingJob describes it (the newest with the lab's prefix),
    or None when there is none: a stage reports that with ``checks.require_job``."""
    from .checks import find_job

    return find_job(lab_sagemaker, lab_spec)


@pytest.fixture
def lab_model(lab_training_job, lab_s3, lab_spec):
    """The job's model.tar.gz, downloaded, unpacked and loaded (a ModelArtifact)."""
    from .checks import fetch_artifact, require_job, temporary_directory

    job = require_job(lab_training_job, lab_spec)
    workdir = temporary_directory()
    try:
        yield fetch_artifact(lab_s3, job, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
