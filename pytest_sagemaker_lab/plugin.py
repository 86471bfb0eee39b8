"""The pytest plugin: options, markers, parametrization, ordering, skipping and the report.

Thin on purpose: it wires the other modules together. Nothing heavy is imported here, so a pytest
run that has the plugin installed but collects no lab pays almost nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from . import options, stages
from .fixtures import *  # noqa: F403 - registers the fixtures with pytest
from .grading.submissions import Submission, submissions_for
from .report import PROPERTY, Gradebook, StageResult
from .stages import StageBook, StageKey
from .state import (
    CLASS_KEY,
    EVIDENCE_KEY,
    GRADEBOOK_KEY,
    IDENTITY_KEY,
    KERNEL_KEY,
    NOTICES_KEY,
    SANDBOX_KEY,
    SETTINGS_KEY,
    STAGEBOOK_KEY,
    SUBMISSIONS_KEY,
)

MARKERS = (
    stages.MARKER_DOC,
    "live_only: run this test only with --live (skipped offline)",
    "offline_only: run this test only offline (skipped with --live)",
)


def pytest_addoption(parser: pytest.Parser) -> None:
    options.register(parser)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    # The emulation answers SimulatePrincipalPolicy with AccessDenied, a code IAM's model lacks.
    config.addinivalue_line("filterwarnings",
                            r"ignore:Exception\(AccessDenied\) with code AccessDenied:UserWarning")
    # ... and what it does not emulate with NotEmulatedOffline, a code no AWS model has (it names the operation).
    config.addinivalue_line("filterwarnings",
                            r"ignore:Exception\(NotEmulated\) with code NotEmulatedOffline:UserWarning")
    settings = config.stash[SETTINGS_KEY] = options.resolve(config)
    everyone = submissions_for(settings["lab_submission"], settings["lab_verify_only"])
    config.stash[CLASS_KEY] = everyone
    config.stash[SUBMISSIONS_KEY] = everyone
    if settings["lab_shard"]:
        from .grading.shards import select

        config.stash[SUBMISSIONS_KEY] = select(everyone, settings["lab_shard"])
    _check_output_options(settings)
    config.stash[SANDBOX_KEY] = _isolation(settings)
    config.stash[KERNEL_KEY] = _kernel(settings)
    config.stash[STAGEBOOK_KEY] = StageBook()
    config.stash[GRADEBOOK_KEY] = Gradebook()
    config.pluginmanager.register(_ReportCollector(config), "sagemaker_lab_report")
    if not hasattr(config, "workerinput"):
        from .progress import wanted

        if wanted(config):
            from .progress import Progress

            config.pluginmanager.register(Progress(config), "sagemaker_lab_progress")
    _keep_labs_together_under_xdist(config)


def _check_output_options(settings: options.Settings) -> None:
    """Mistakes in the output options are usage errors now, not a lost gradebook at the end of a class."""
    from .outputs import parse_exports

    try:
        exports = parse_exports(settings["lab_export"])
    except ValueError as exc:
        raise options.OptionError(f"pytest-sagemaker-lab: --lab-export: {exc}") from None
    if exports and not settings["lab_report"]:
        raise options.OptionError("pytest-sagemaker-lab: --lab-export writes beside the report: give --lab-report "
                                  "PATH too")
    if {"canvas", "moodle"} & set(exports) and not settings["lab_roster"]:
        raise options.OptionError("pytest-sagemaker-lab: --lab-export canvas/moodle needs --lab-roster PATH: an LMS "
                                  "matches grades to its students by their ids, which only the roster knows")
    if settings["lab_roster"]:
        from .outputs.roster import Roster, RosterError

        try:  # a broken roster is found now, not after the whole class is graded
            Roster.load(Path(settings["lab_roster"]))
        except RosterError as exc:
            raise options.OptionError(f"pytest-sagemaker-lab: --lab-roster: {exc}") from None
    similarity = str(settings["lab_similarity"]).strip().lower()
    if similarity != "off":
        try:
            value = float(similarity)
        except ValueError:
            value = -1.0
        if not 0 <= value <= 1:
            raise options.OptionError(f"pytest-sagemaker-lab: --lab-similarity must be a fraction from 0 to 1 or "
                                      f"off, got {settings['lab_similarity']!r}")


def _isolation(settings: options.Settings) -> str:
    """How learners' submissions are isolated: "bwrap", or "none" when asked for; grading refuses to
    start when no sandbox can be made. The reference run is the course's own code and needs none."""
    if not settings["lab_submission"]:
        return "none"
    from .grading.sandbox import SandboxUnavailable, resolve_mode

    try:
        return resolve_mode(settings["lab_sandbox"], settings["lab_bwrap"])
    except SandboxUnavailable as exc:
        raise pytest.UsageError(str(exc)) from None


def _kernel(settings: options.Settings) -> Any:
    """The kernel submissions run in (--lab-kernel, else the grader's own), resolved at start: one that
    cannot run them is a usage error now, not a class of failed notebooks."""
    if not (settings["lab_kernel"] or settings["lab_submission"] or settings["lab_kernel_check"]):
        return None
    from .grading.kernelspecs import KernelError, resolve

    name, source = settings["lab_kernel"], settings.source("lab_kernel")
    where = {"command line": f"--lab-kernel {name}", "ini": f"ini key lab_kernel = {name}",
             "default": "the default kernel"}.get(source, f"{source.removeprefix('env ')}={name}")
    try:
        return resolve(name, where)
    except KernelError as exc:
        raise options.OptionError(f"pytest-sagemaker-lab: {exc}") from None


def _isolation_line(config: pytest.Config) -> str | None:
    settings = config.stash[SETTINGS_KEY]
    if not settings["lab_submission"]:
        return None
    if config.stash[SANDBOX_KEY] == "none":
        return ("sagemaker-lab: submissions are NOT isolated (--lab-sandbox none): a submission can read the "
                "grader's files and environment and change what it is graded on")
    return (f"sagemaker-lab: submissions isolated in a bubblewrap sandbox each (memory "
            f"{int(settings['lab_max_memory'])} MiB, {int(settings['lab_max_processes'])} processes, files "
            f"{int(settings['lab_max_file_size'])} MiB, output {int(settings['lab_max_output'])} KiB, "
            f"timeout {settings['lab_timeout']:g} s + {settings['lab_kill_grace']:g} s)")


def _keep_labs_together_under_xdist(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_XdistHooks(), "sagemaker_lab_xdist")


class _XdistHooks:
    @pytest.hookimpl(tryfirst=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if config.getvalue("dist") not in ("load", "worksteal", "loadgroup"):
            return None  # loadscope and loadfile already keep a lab's module together
        from .xdist_scheduling import make_scheduler

        names = [submission.name for submission in config.stash[SUBMISSIONS_KEY]]
        return make_scheduler(config, log, names)


def pytest_sessionstart(session: pytest.Session) -> None:
    """--lab-kernel-check: the check, and the run ends. --live: the preflight, before anything is created
    (and before the header shows whose account)."""
    config = session.config
    if config.stash[SETTINGS_KEY]["lab_kernel_check"] and not hasattr(config, "workerinput"):
        from .grading.kernel_check import stop_after_check

        stop_after_check(config, config.stash[KERNEL_KEY], _labs_in_args(config, Path(config.invocation_params.dir)))
    if not config.stash[SETTINGS_KEY].live or hasattr(config, "workerinput"):
        return
    if not _labs_in_args(config, Path(config.invocation_params.dir)):
        return
    from .live import checked_identity

    config.stash[IDENTITY_KEY] = checked_identity(config.stash[SETTINGS_KEY])


def pytest_report_header(config: pytest.Config, start_path: Path) -> list[str]:
    labs = _labs_in_args(config, start_path)
    if not labs:
        return []
    settings = config.stash[SETTINGS_KEY]
    lines = []
    identity = config.stash.get(IDENTITY_KEY, None)
    if identity is not None:
        lines.append(f"sagemaker-lab: live as {identity.arn} (account {identity.account}, region {identity.region})")
    isolation = _isolation_line(config)
    if isolation:
        lines.append(isolation)
    kernel = config.stash.get(KERNEL_KEY, None)
    if kernel is not None and settings["lab_submission"]:
        lines.append(f"sagemaker-lab: submissions run in {kernel.describe()}")
    if settings["lab_shard"]:
        from .grading.shards import header_line

        lines.append(header_line(settings["lab_shard"], config.stash[CLASS_KEY], config.stash[SUBMISSIONS_KEY]))
    for spec in labs:
        region = settings["lab_region"] or (identity.region if identity else spec.region)
        bucket = settings["lab_bucket"] or ("(required with --live)" if settings.live else "sagemaker-lab-data")
        prefix = settings["lab_prefix"] or spec.prefix
        lines.append(f"sagemaker-lab: {spec.id} | mode: {settings.mode} | region: {region} | "
                     f"bucket: {bucket} | prefix: {prefix}")
    return lines


def _labs_in_args(config: pytest.Config, start_path: Path) -> list[Any]:
    from .spec import SPEC_FILE, SpecError, find_spec_dir, load_spec

    found: dict[Path, Any] = {}
    for arg in config.args or [str(start_path)]:
        path = Path(arg.split("::")[0])
        path = path if path.is_absolute() else Path(config.invocation_params.dir) / path
        candidates = [find_spec_dir(path if path.is_dir() else path.parent)]
        if path.is_dir():
            candidates += [spec_file.parent for spec_file in sorted(path.glob(f"*/{SPEC_FILE}"))]
        for directory in filter(None, candidates):
            try:
                found.setdefault(directory.resolve(), load_spec(directory))
            except SpecError:
                continue
    return list(found.values())


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "lab_submission" in metafunc.fixturenames:
        submissions = metafunc.config.stash[SUBMISSIONS_KEY]
        metafunc.parametrize("lab_submission", submissions, ids=[s.name for s in submissions],
                             indirect=True, scope="module")
    if "lab_object" in metafunc.fixturenames:
        from .fixtures import _spec_for

        channels = _spec_for(metafunc.definition).channels
        metafunc.parametrize("lab_object", channels, ids=[channel.key for channel in channels])


def _submission_of(item: pytest.Item) -> Any:
    callspec = getattr(item, "callspec", None)
    value = callspec.params.get("lab_submission") if callspec is not None else None
    return value if isinstance(value, Submission) else None  # not pytest's NOTSET of an empty shard


def _in_empty_shard(item: pytest.Item) -> bool:
    """A stage of a --lab-shard part that holds no submission (more parts than learners): pytest skips
    it (an empty parameter set), and it is nobody's result."""
    callspec = getattr(item, "callspec", None)
    return callspec is not None and "lab_submission" in callspec.params and _submission_of(item) is None


def _lab_spec(item: pytest.Item) -> Any:
    """The spec of the lab ``item`` belongs to, or None (a stage outside any lab folder)."""
    from .spec import SpecError, find_spec_dir, load_spec

    directory = find_spec_dir(Path(item.path).parent)
    try:
        return load_spec(directory) if directory else None
    except SpecError:
        return None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Stages run in their lab's order, whatever reordered them (pytest-randomly, parametrization)."""
    live = config.stash[SETTINGS_KEY].live
    for item in items:
        if live and item.get_closest_marker("offline_only"):
            item.add_marker(pytest.mark.skip(reason="offline_only: not run with --live"))
        if not live and item.get_closest_marker("live_only"):
            item.add_marker(pytest.mark.skip(reason="live_only: runs only with --live"))
    slots = [index for index, item in enumerate(items) if stages.stage_of(item) is not None]
    if not slots:
        return
    lab_items = [items[index] for index in slots]
    ranks_by_module: dict[Path, dict[str, int]] = {}
    for item in lab_items:
        module = Path(item.path)
        if module not in ranks_by_module:
            definitions = [(other.location[1] or 0, stages.stage_of(other))
                           for other in lab_items if Path(other.path) == module]
            ranks_by_module[module] = stages.stage_ranks(definitions)
    original = {id(item): position for position, item in enumerate(lab_items)}

    def order(item: pytest.Item) -> tuple:
        submission = _submission_of(item)
        return (str(item.path.parent), submission.index if submission else 0,
                ranks_by_module[Path(item.path)][stages.stage_of(item).id], original[id(item)])

    ordered = sorted(lab_items, key=order)
    for index, item in zip(slots, ordered, strict=True):
        items[index] = item
    # The item that ends each submission's stages in a lab module: when its result reaches the
    # controller, that submission is graded and the gradebook is written again.
    from .report import LAST_ITEMS_KEY

    last: dict[tuple[Path, str], pytest.Item] = {}
    for item in ordered:
        submission = _submission_of(item)
        last[(Path(item.path), submission.name if submission else "")] = item
    config.stash[LAST_ITEMS_KEY] = {item.nodeid: name for (_, name), item in last.items()}


def _stage_key(item: pytest.Item, stage: stages.Stage) -> StageKey:
    submission = _submission_of(item)
    return StageKey(str(item.path.parent), submission.name if submission else "", stage.id)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    stage = stages.stage_of(item)
    if stage is None or not stage.requires:
        return
    blocking = item.config.stash[STAGEBOOK_KEY].blocking(_stage_key(item, stage), stage.requires)
    if blocking is not None:
        required, outcome = blocking
        pytest.skip(f"prerequisite {required} {outcome}: {stage.id} is not checked")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    stage = stages.stage_of(item)
    if stage is None or call.when == "teardown" or (call.when == "setup" and report.passed) or _in_empty_shard(item):
        return report
    outcome = stages.OUTCOME_FAILED if report.failed else (
        stages.OUTCOME_SKIPPED if report.skipped else stages.OUTCOME_PASSED)
    item.config.stash[STAGEBOOK_KEY].record(_stage_key(item, stage), outcome)
    report.user_properties.append((PROPERTY, _result_payload(item, stage, call, report, outcome)))
    if call.when == "setup" and report.failed and call.excinfo is not None:
        from .messages import StageFailure

        # A lab's fixture found what the stage judges missing (no transform job): the learner's work failed the
        # stage, which is no error of the lab's; said so in pytest's own words (travels to xdist's controller).
        report.lab_stage_verdict = isinstance(call.excinfo.value, StageFailure)
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> tuple[str, str, str] | None:
    if report.when == "setup" and report.failed and getattr(report, "lab_stage_verdict", False):
        return "failed", "F", "FAILED"
    return None


def _result_payload(item: pytest.Item, stage: stages.Stage, call: pytest.CallInfo[None],
                    report: pytest.TestReport, outcome: str) -> dict[str, Any]:
    from .messages import HINTS, StageFailure
    from .report import LAST_ITEMS_KEY, redactor

    submission = _submission_of(item)
    message, hint, detail = "", None, ""
    if outcome == stages.OUTCOME_PASSED:
        message = "; ".join(item.stash.get(EVIDENCE_KEY, []))
    elif outcome == stages.OUTCOME_SKIPPED:
        longrepr = report.longrepr
        message = longrepr[2].removeprefix("Skipped: ") if isinstance(longrepr, tuple) else str(longrepr)
    else:
        exc = call.excinfo.value if call.excinfo is not None else None
        detail = str(report.longrepr)
        if isinstance(exc, StageFailure):
            message, hint = exc.message, exc.hint
        elif isinstance(exc, AssertionError) and call.when == "call":
            # A plain assert in a lab's own stage: the learner's work did not meet it.
            message = str(exc).splitlines()[0] if str(exc) else "assertion failed"
            hint = HINTS["check_failed"].render(error=message)
        else:
            error = f"{type(exc).__name__}: {exc}" if exc is not None else "failed"
            message = error if call.when == "call" else f"could not set up the stage: {error}"
            hint = HINTS["unexpected"].render(error=error)
    run = item.funcargs.get("lab_run") if hasattr(item, "funcargs") else None
    # The runners redact a learner's output already; a check may still quote a secret it was given.
    redact = redactor(item.config)
    spec = _lab_spec(item)
    title = spec.titles.get(stage.id) if spec is not None else None
    cell = None
    if run is not None and getattr(run, "failed_cell", None) and run.error:
        cell = {"number": run.failed_cell, "source": getattr(run, "failed_source", ""), "error": run.error}
    return {
        "lab": spec.id if spec is not None else str(item.path.parent.name),
        "lab_title": {"en": spec.title, "zh-TW": spec.title_zh} if spec is not None else None,
        "title": title.render() if title is not None else None,
        "cell": redact(cell),
        "submission": submission.name if submission else "",
        "submission_index": submission.index if submission else 0,
        "stage": stage.id,
        "rank": item.location[1] or 0,  # stages are ranked by where they are defined
        "max_points": stage.points,
        "outcome": outcome,
        "message": redact(message),
        "hint": redact(hint),
        "detail": redact(detail),
        "run_error": redact(getattr(run, "error", None)),
        "completes_submission": item.nodeid in item.config.stash.get(LAST_ITEMS_KEY, {}),
    }


class _ReportCollector:
    """Gathers stage results on the controller (or the only process) and writes the report: again, as
    partial, each time a submission completes, and at the end of the run."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.stopped = False  # the run was interrupted, or stopped by -x / --maxfail

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        gradebook = self.config.stash[GRADEBOOK_KEY]
        completed = False
        for name, payload in report.user_properties:
            if name == PROPERTY:
                completed |= gradebook.add(StageResult.from_payload(payload))
        if completed:
            self.write(partial=True)

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int | pytest.ExitCode) -> None:
        self.stopped = exitstatus == pytest.ExitCode.INTERRUPTED or bool(session.shouldstop or session.shouldfail)
        self.write(partial=self.stopped)
        self.write_outputs()

    def write_outputs(self) -> None:
        """The class summary, the exports and the feedback pages: once, from the final gradebook."""
        gradebook = self.config.stash[GRADEBOOK_KEY]
        settings = self.config.stash[SETTINGS_KEY]
        if not gradebook.results or hasattr(self.config, "workerinput"):
            return
        if not (settings["lab_report"] or settings["lab_feedback"]):
            return
        from .outputs import write_outputs

        self.output_lines = write_outputs(gradebook.document(settings.mode, partial=self.stopped),
                                          self.output_plan())

    def output_plan(self) -> Any:
        from .outputs import OutputPlan, parse_exports

        settings = self.config.stash[SETTINGS_KEY]
        threshold = None if str(settings["lab_similarity"]).lower() == "off" else float(settings["lab_similarity"])
        lab_dirs = {spec.id: spec.directory
                    for spec in _labs_in_args(self.config, Path(self.config.invocation_params.dir))}
        return OutputPlan(
            report=self.report_path() if settings["lab_report"] else None,
            roster=self._path(settings["lab_roster"]),
            exports=parse_exports(settings["lab_export"]),
            assignment=settings["lab_assignment"],
            feedback=self._path(settings["lab_feedback"]),
            similarity=threshold if settings["lab_submission"] else None,
            submissions=tuple(s.path for s in self.config.stash[SUBMISSIONS_KEY] if s.path is not None),
            lab_dirs=lab_dirs,
        )

    def _path(self, value: str | None) -> Path | None:
        if not value:
            return None
        path = Path(value)
        return path if path.is_absolute() else Path(self.config.invocation_params.dir) / path

    def write(self, partial: bool) -> None:
        gradebook = self.config.stash[GRADEBOOK_KEY]
        gradebook.expected = self.expected()
        gradebook.isolation = self.config.stash[SANDBOX_KEY]
        settings = self.config.stash[SETTINGS_KEY]
        if settings["lab_shard"]:
            from .grading.shards import record

            gradebook.shard = record(settings["lab_shard"], self.config.stash[CLASS_KEY])
        # A shard with no submission (more parts than learners) still reports, so the merge finds every part.
        writes = settings["lab_report"] and (gradebook.results or gradebook.shard)
        if writes and not hasattr(self.config, "workerinput"):
            gradebook.write_json(self.report_path(), settings.mode, partial=partial)
            gradebook.write_csv(self.report_path().with_suffix(".csv"), settings.mode,
                                isolated_column=bool(settings["lab_submission"]))

    def expected(self) -> list[tuple[int, str]]:
        """What this run grades. A process that collected the items itself (no xdist) knows which
        submissions were selected: one deselected (-k) is not missing from the report."""
        from .report import LAST_ITEMS_KEY

        selected = self.config.stash.get(LAST_ITEMS_KEY, None)
        names = set(selected.values()) if selected is not None else None
        return [(submission.index, submission.name) for submission in self.config.stash[SUBMISSIONS_KEY]
                if names is None or submission.name in names]

    def report_path(self) -> Path:
        path = Path(self.config.stash[SETTINGS_KEY]["lab_report"])
        return path if path.is_absolute() else Path(self.config.invocation_params.dir) / path

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        gradebook = self.config.stash[GRADEBOOK_KEY]
        if not gradebook.results:
            return
        settings = self.config.stash[SETTINGS_KEY]
        terminalreporter.section("sagemaker-lab")
        compact = len(self.config.stash[SUBMISSIONS_KEY]) > 1 and self.config.get_verbosity() < 1
        for line in gradebook.terminal_lines(settings.mode, compact=compact):
            terminalreporter.write_line(line)
        if compact:
            terminalreporter.write_line("(each stage's message and hint: -v, the report, or --lab-feedback's pages)")
        summary = gradebook.class_summary()
        if summary:
            terminalreporter.section("sagemaker-lab class summary")
            for line in summary:
                terminalreporter.write_line(line)
        for notice in self.config.stash.get(NOTICES_KEY, []):
            terminalreporter.write_line(notice)
        if settings["lab_submission"] and self.config.stash[SANDBOX_KEY] == "none":
            terminalreporter.write_line("submissions were NOT isolated (--lab-sandbox none): a submission could "
                                        "read the grader's files and environment and change what it was graded on",
                                        yellow=True, bold=True)
        pending = list(dict.fromkeys(name for lab in gradebook.labs() for name in gradebook.pending(lab)))
        if pending:
            terminalreporter.write_line(f"the gradebook is partial: not graded to the end: {', '.join(pending)}",
                                        yellow=True)
        elif self.stopped:
            terminalreporter.write_line("the gradebook is partial: the run was stopped", yellow=True)
        if settings["lab_report"]:
            path = self.report_path()
            terminalreporter.write_line(f"grade report: {path} and {path.with_suffix('.csv')}")
        for line in getattr(self, "output_lines", []):
            terminalreporter.write_line(line)
