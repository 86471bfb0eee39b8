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

from .grading.submissions import Submission
from .state import (
    EVIDENCE_KEY,
    IDENTITY_KEY,
    KERNEL_KEY,
    NOTICES_KEY,
    SANDBOX_KEY,
    SERVER_KEY,
    SETTINGS_KEY,
    SOCKET_KEY,
)


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
        from .backends import cleanup, upload_missing_data
        from .live import Guard, checked_identity

        # The controller's preflight, or this xdist worker's own (workers do not run sessionstart's).
        identity = request.config.stash.get(IDENTITY_KEY, None) or checked_identity(settings)
        with live_world(lab_spec, identity, options["bucket"], options["prefix"], options["role_arn"]) as world:
            world.guard = Guard(max_runtime=int(settings["lab_max_runtime"]),
                                instance_types=tuple(t.strip() for t in settings["lab_instance_types"].split(",")))
            if lab_submission.kind != "verify-only":
                world.written = upload_missing_data(world, lab_spec)
            try:
                yield world
            finally:
                if settings["lab_cleanup"]:
                    removed = cleanup(world, world.guard.created, world.written)
                    request.config.stash.setdefault(NOTICES_KEY, []).append(
                        f"--lab-cleanup: deleted {len(removed)} object(s) this run wrote under "
                        f"s3://{world.bucket}/{world.prefix}/")
    elif lab_submission.kind == "submission":
        from .backends import served_world
        from .grading.submissions import literal_assignments, submission_source

        source = submission_source(lab_submission.path)
        named = tuple(literal_assignments(source, "bucket_name")[-1:])  # the bucket it ends up using
        with served_world(lab_spec, _server(request.config), extra_buckets=named, **options) as world:
            yield world
    else:
        with offline_world(lab_spec, seed=lab_submission.kind != "verify-only", **options) as world:
            yield world


def solution_variant(spec, requested: str) -> str:
    """The SDK major of the reference solution to run: the one asked for, else the installed SDK's."""
    from .grading import sdk

    if requested in ("2", "3"):
        return requested
    installed = str(sdk.major(sdk.installed()) or 2)
    return installed if installed in spec.solutions else "2"


@pytest.fixture(scope="module")
def lab_run(request: pytest.FixtureRequest, lab_world, lab_spec, lab_submission: Submission):
    """The lab made to happen by its driver (the reference solution), before the stages check it."""
    from .checks import readable_run_error
    from .drivers import LabRun, run_percent_file
    from .report import printable

    if lab_submission.kind == "verify-only":
        return LabRun(name=lab_submission.name, world=lab_world)
    if lab_submission.kind == "submission":
        run = _run_submission(request, lab_world, lab_submission)
    else:
        settings = request.config.stash[SETTINGS_KEY]
        path = lab_spec.solution_path(solution_variant(lab_spec, settings["lab_sdk"]))
        if not settings.live:
            run = run_percent_file(lab_submission.name, path, lab_world)
        else:
            notices = request.config.stash.setdefault(NOTICES_KEY, [])
            run = _run_live(lab_submission.name, path, lab_world, float(settings["lab_timeout"]), notices)
    if run.error and "Reason: " in run.error:
        run.error = readable_run_error(run.error, lab_world.client("logs"))
    if run.error:  # the learner's exception text reaches pytest's report and the terminal: no escape sequences
        run.error = printable(run.error, keep_lines=True)
    return run


def _run_live(name: str, path: Path, world, timeout: float, notices: list[str]):
    """The reference against AWS, behind the guard; Ctrl-C or the time-out stop the jobs it started.

    Ctrl-C is caught by a handler of our own: SDK 2's telemetry wrapper returns from a ``finally``
    around ``fit``, which swallows the KeyboardInterrupt and lets the job run on."""
    import signal
    import threading

    from .drivers import run_percent_file
    from .live import install_guard, stop_jobs, uninstall_guard

    timed_out = threading.Event()
    interrupted = threading.Event()

    def deadline() -> None:
        timed_out.set()
        stop_jobs(world.client("sagemaker"), world.guard.created)

    def on_interrupt(signum: int, frame: Any) -> None:
        interrupted.set()
        raise KeyboardInterrupt

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, on_interrupt) if main_thread else None
    timer = threading.Timer(timeout, deadline)
    install_guard(world.guard)
    timer.start()
    try:
        run = run_percent_file(name, path, world, interrupted=interrupted)
    except KeyboardInterrupt:
        interrupted.set()
    finally:
        timer.cancel()
        uninstall_guard()
        if main_thread:
            signal.signal(signal.SIGINT, previous)
    if interrupted.is_set():
        stopped = stop_jobs(world.client("sagemaker"), world.guard.created)
        notices.append(f"pytest-sagemaker-lab: interrupted; stopped training job(s): "
                       f"{', '.join(stopped) or 'none running'}")
        raise KeyboardInterrupt
    if timed_out.is_set():
        jobs = ", ".join(world.guard.created) or "no job"
        run.error = f"timed out after {timeout:g} s; stopped {jobs}"
    return run


def _server(config: pytest.Config) -> str:
    """The local moto server of this process (one per xdist worker), started on first use."""
    if SERVER_KEY not in config.stash:
        from .emulator.server import local_server

        manager = local_server()
        endpoint = manager.__enter__()
        config.stash[SERVER_KEY] = (manager, endpoint)
        config.add_cleanup(lambda: manager.__exit__(None, None, None))
    return config.stash[SERVER_KEY][1]


def _submission_socket(config: pytest.Config) -> str:
    """The same server's world on a Unix socket, the one way out of a sandbox (per process)."""
    if SOCKET_KEY not in config.stash:
        import shutil

        from .emulator.server import submission_socket
        from .grading.sandbox import runtime_folder

        _server(config)
        folder = runtime_folder("sml-aws-")
        manager = submission_socket(str(folder / "aws.sock"))
        config.stash[SOCKET_KEY] = manager.__enter__()

        def close() -> None:
            manager.__exit__(None, None, None)
            shutil.rmtree(folder, ignore_errors=True)

        config.add_cleanup(close)
    return config.stash[SOCKET_KEY]


def executed_directory(config: pytest.Config) -> Path:
    """Where executed notebooks go: beside the report, or ./lab-executed without one."""
    report = config.stash[SETTINGS_KEY]["lab_report"]
    base = Path(config.invocation_params.dir)
    return (base / report).parent / "executed" if report else base / "lab-executed"


def _limits(settings) -> Any:
    """The sandbox's limits, as the options set them."""
    from .grading.sandbox import Limits

    return Limits(memory_mb=int(settings["lab_max_memory"]), processes=int(settings["lab_max_processes"]),
                  file_size_mb=int(settings["lab_max_file_size"]), disk_mb=int(settings["lab_max_disk"]),
                  output_kb=int(settings["lab_max_output"]), grace=float(settings["lab_kill_grace"]))


def submission_kernel(config: pytest.Config) -> Any:
    """The kernel submissions run in (``grading.kernelspecs.Kernel``), as the plugin resolved it at start."""
    kernel = config.stash.get(KERNEL_KEY, None)
    if kernel is None:
        from .grading.kernelspecs import resolve

        kernel = config.stash[KERNEL_KEY] = resolve(config.stash[SETTINGS_KEY]["lab_kernel"])
    return kernel


def _confinement(config: pytest.Config, world) -> Any:
    """How this process's submissions are confined: the sandbox the run resolved, or none; either way
    they run in the kernel's interpreter."""
    from .grading.runners import Confinement
    from .grading.sandbox import Sandbox, find_bwrap, worker_uid

    settings = config.stash[SETTINGS_KEY]
    limits = _limits(settings)
    python = submission_kernel(config).python
    if config.stash[SANDBOX_KEY] == "none":
        return Confinement(sandbox=None, limits=limits, python=python)
    sandbox = Sandbox(bwrap=find_bwrap(settings["lab_bwrap"]) or "bwrap", limits=limits, uid=worker_uid(),
                      network=world.live)
    if world.live:
        return Confinement(sandbox=sandbox, limits=limits, python=python)
    socket = _submission_socket(config)
    return Confinement(sandbox=sandbox, limits=limits, aws_socket=socket, python=python,
                       notebook_metadata=_notebook_metadata(Path(socket).parent, world))


def _notebook_metadata(folder: Path, world) -> Path:
    """The file a SageMaker notebook instance holds, naming the instance the offline world seeds."""
    import json

    from .backends import OFFLINE_NOTEBOOK_INSTANCE

    path = folder / "resource-metadata.json"
    path.write_text(json.dumps({
        "ResourceArn": f"arn:aws:sagemaker:{world.region}:{world.account_id}:notebook-instance/"
                       f"{OFFLINE_NOTEBOOK_INSTANCE}",
        "ResourceName": OFFLINE_NOTEBOOK_INSTANCE}), encoding="utf-8")
    path.chmod(0o644)
    return path


def _evidence_command(config: pytest.Config, confinement) -> list[str]:
    """The evidence process: the kernel's interpreter (the grader's, or the course's), isolated, in a
    sandbox of its own (no network, a uid of its own) when submissions are sandboxed."""
    import dataclasses

    from .grading.evidence import command
    from .grading.runners import Confinement
    from .grading.sandbox import EVIDENCE_UID_BASE, worker_uid

    if confinement.sandbox is None:
        return command(confinement.python)
    sandbox = dataclasses.replace(confinement.sandbox, uid=worker_uid(EVIDENCE_UID_BASE), network=False)
    return Confinement(sandbox=sandbox, limits=confinement.limits, python=confinement.python).wrap(
        command(confinement.python), None)


def _run_submission(request: pytest.FixtureRequest, world, submission: Submission):
    import datetime

    from .drivers import LabRun, parameter_values
    from .grading.environment import child_environment
    from .grading.evidence import evidence_process
    from .grading.runners import run_notebook, run_python
    from .grading.sandbox import ENDPOINT_PORT, HOME_INSIDE, interpreter

    settings = request.config.stash[SETTINGS_KEY]
    # The name's start only: pytest adds a number, and a file's name may take all of NAME_MAX's 255 bytes.
    workdir = request.config._tmp_path_factory.mktemp(f"submission-{submission.name[:60]}")
    confinement = _confinement(request.config, world)
    sandboxed = confinement.sandbox is not None
    guard = credentials = None
    if world.live:
        guard = {"max_runtime": world.guard.max_runtime, "instance_types": list(world.guard.instance_types)}
        credentials = _resolved_credentials(world) if sandboxed else None
    endpoint = f"http://127.0.0.1:{ENDPOINT_PORT}" if sandboxed else world.endpoint
    home = Path(HOME_INSIDE) if sandboxed else workdir / "home"
    kernel = submission_kernel(request.config)
    env = child_environment(world.region, endpoint, home, sandboxed, guard, credentials,
                            scripts=interpreter(kernel.python).scripts)
    runner = run_notebook if submission.path.suffix == ".ipynb" else run_python
    started = datetime.datetime.now(datetime.timezone.utc)
    run = runner(submission.path, workdir, env, parameter_values(world), float(settings["lab_timeout"]),
                 executed_directory(request.config), confinement, kernel.name)
    if world.live and run.error and run.error.startswith("timed out"):
        from .live import harness_jobs_since, stop_jobs

        sagemaker = world.client("sagemaker")
        stopped = stop_jobs(sagemaker, harness_jobs_since(sagemaker, started))
        run.error += f"; stopped {', '.join(stopped) or 'no running job'}"
    evidence: dict[str, Any] = {"variables": run.variables}
    try:
        process = evidence_process(_evidence_command(request.config, confinement),
                                   child_environment(world.region, None, home, sandboxed))
        evidence.update(process.evidence(run.ran, run.code))
    except Exception as exc:  # said by the stages that needed it
        evidence["error"] = f"{type(exc).__name__}: {exc}"
    return LabRun(name=submission.name, world=world, source=submission.path, error=run.error,
                  failed_cell=run.failed_cell, failed_source=_cell_source(run.code, run.failed_cell),
                  output=run.log, evidence=evidence, executed=run.executed)


def _cell_source(code: list[str], number: int | None) -> str:
    """The code of the learner's code cell ``number`` (1-based, as they count), or ""."""
    return code[number - 1] if number and 0 < number <= len(code) else ""


def _resolved_credentials(world) -> dict[str, str]:
    """--live in a sandbox, which sees no ~/.aws: the credentials the grader's chain resolved."""
    frozen = world.session().get_credentials().get_frozen_credentials()
    found = {"AWS_ACCESS_KEY_ID": frozen.access_key, "AWS_SECRET_ACCESS_KEY": frozen.secret_key}
    if frozen.token:
        found["AWS_SESSION_TOKEN"] = frozen.token
    return found


@pytest.fixture(scope="module")
def lab_sdk_probe(lab_run) -> dict[str, Any] | None:
    """Which SageMaker SDK is installed where the lab runs, and what the lab's code needs of it."""
    from .grading.sdk import probe
    from .grading.submissions import submission_source

    if lab_run.evidence is not None:
        if "sdk" not in lab_run.evidence:
            raise RuntimeError(f"no evidence could be taken about the submission: {lab_run.evidence.get('error')}")
        return lab_run.evidence["sdk"]
    if lab_run.source is None:
        return None
    return probe(submission_source(lab_run.source))


@pytest.fixture
def lab_evidence(request: pytest.FixtureRequest) -> list[str]:
    """Append what a passing stage found; it becomes the stage's message in the report."""
    return request.node.stash.setdefault(EVIDENCE_KEY, [])


@pytest.fixture(scope="module")
def lab_probe(request: pytest.FixtureRequest, lab_submission: Submission) -> dict[str, Any]:
    """Evidence from the interpreter that runs the lab: xgboost, its OpenMP runtime, its threads.
    For a learner's submission, taken in its kernel after it ran (did *it* import xgboost?)."""
    from .grading.probes import probe

    if lab_submission.kind != "submission":
        return probe()
    run = request.getfixturevalue("lab_run")
    if run.evidence is None or "probe" not in run.evidence:
        why = (run.evidence or {}).get("error", "none was taken")
        return {"python": "the submission's interpreter", "import_error": f"no evidence could be taken: {why}"}
    return {**run.evidence["probe"], "imported_by_lab": run.evidence["imported_by_lab"]}


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
