"""The plugin's mechanics, on small synthetic labs that need no AWS: options, markers, header, stage
order, prerequisite skips and the report."""

from __future__ import annotations

import json

import pytest

from .conftest import synthetic_lab_toml

LAB_TOML = synthetic_lab_toml("labx")

STAGES = """
import os
import pytest

stage = pytest.mark.lab_stage


@stage("first")
def test_first(lab_submission, lab_evidence):
    assert not os.environ.get("BREAK_FIRST"), "first is broken"
    lab_evidence.append("first ok")


@stage("second", requires=("first",))
def test_second(lab_submission):
    pass


@stage("third", requires=("second",), points=2)
def test_third(lab_submission):
    pass


@stage("standalone")
def test_standalone(lab_submission):
    pass
"""


@pytest.fixture
def synthetic_lab(pytester: pytest.Pytester):
    lab = pytester.mkdir("labx")
    (lab / "lab.toml").write_text(LAB_TOML)
    (lab / "data.py").write_text("def generate():\n    return {'train.csv': b'1,2\\n'}\n")
    (lab / "test_labx.py").write_text(STAGES)
    return lab


def _settings_probe(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_probe="""
        from pytest_sagemaker_lab.state import SETTINGS_KEY

        def test_show(request):
            settings = request.config.stash[SETTINGS_KEY]
            for name in ("lab_region", "lab_bucket", "live", "lab_timeout"):
                print(f"SETTING {name}={settings[name]!r} from {settings.source(name)}")
    """)


def _settings(result: pytest.RunResult) -> dict[str, str]:
    found = {}
    for line in result.outlines:
        if "SETTING " in line:
            name, _, rest = line.partition("SETTING ")[2].partition("=")
            found[name] = rest
    return found


def test_options_precedence_cli_over_env_over_ini_over_default(pytester, monkeypatch):
    _settings_probe(pytester)
    result = pytester.runpytest("-s", "-p", "no:randomly")
    assert _settings(result) == {"lab_region": "None from default", "lab_bucket": "None from default",
                                 "live": "False from default", "lab_timeout": "600.0 from default"}
    pytester.makeini("[pytest]\nlab_region = ap-east-1\nlab_bucket = ini-bucket\nlive = false\nlab_timeout = 30\n")
    assert _settings(pytester.runpytest("-s", "-p", "no:randomly")) == {
        "lab_region": "'ap-east-1' from ini", "lab_bucket": "'ini-bucket' from ini",
        "live": "False from ini", "lab_timeout": "30.0 from ini"}
    monkeypatch.setenv("SAGEMAKER_LAB_REGION", "eu-central-1")
    monkeypatch.setenv("SAGEMAKER_LAB_TIMEOUT", "45")
    assert _settings(pytester.runpytest("-s", "-p", "no:randomly")) == {
        "lab_region": "'eu-central-1' from env SAGEMAKER_LAB_REGION", "lab_bucket": "'ini-bucket' from ini",
        "live": "False from ini", "lab_timeout": "45.0 from env SAGEMAKER_LAB_TIMEOUT"}
    result = pytester.runpytest("-s", "-p", "no:randomly", "--lab-region=sa-east-1", "--lab-timeout=5")
    assert _settings(result)["lab_region"] == "'sa-east-1' from command line"
    assert _settings(result)["lab_timeout"] == "5.0 from command line"


def test_bad_environment_value_names_the_variable(pytester, monkeypatch):
    _settings_probe(pytester)
    monkeypatch.setenv("SAGEMAKER_LAB_LIVE", "perhaps")
    result = pytester.runpytest("-p", "no:randomly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*environment variable SAGEMAKER_LAB_LIVE (--live) is not valid*perhaps*"])


def test_options_are_in_a_named_group_with_ini_and_env(pytester):
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines([
        "SageMaker lab verification (pytest-sagemaker-lab):",
        "*--live*",
        "*--lab-region=REGION*",
        "*ini: lab_region, env: SAGEMAKER_LAB_REGION*",
    ])
    for flag in ("--lab-bucket", "--lab-prefix", "--lab-role", "--lab-submission", "--lab-verify-only",
                 "--lab-report", "--lab-timeout"):
        assert flag in result.stdout.str()
    for ini in ("live ", "lab_region", "lab_verify_only", "lab_report", "lab_timeout"):
        assert ini in result.stdout.str()


def test_markers_are_registered(pytester):
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines([
        "@pytest.mark.lab_stage(id, *, requires=(), points=1):*",
        "@pytest.mark.live_only:*",
        "@pytest.mark.offline_only:*",
    ])


def test_header_shows_lab_mode_region_and_bucket(pytester, synthetic_lab):
    result = pytester.runpytest("-p", "no:randomly", "--lab-bucket=my-bucket", str(synthetic_lab))
    result.stdout.fnmatch_lines([
        "sagemaker-lab: labx | mode: offline | region: eu-west-1 | bucket: my-bucket | prefix: labx_prefix"])


def test_no_header_when_no_lab_is_collected(pytester):
    pytester.makepyfile("def test_plain(): pass")
    result = pytester.runpytest()
    assert "sagemaker-lab: " not in result.stdout.str()
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("plugins", [("-p", "no:randomly"), ("-p", "randomly", "--randomly-seed=3"),
                                     ("-p", "randomly", "--randomly-seed=11")])
def test_stages_run_in_definition_order(pytester, synthetic_lab, plugins):
    result = pytester.runpytest("-v", *plugins, str(synthetic_lab))
    ran = [line.split("::")[1].split("[")[0] for line in result.outlines if "PASSED" in line]
    assert ran == ["test_first", "test_second", "test_third", "test_standalone"]


def test_failed_prerequisite_skips_dependents_and_names_it(pytester, synthetic_lab, monkeypatch):
    monkeypatch.setenv("BREAK_FIRST", "1")
    report = pytester.path / "grades.json"
    result = pytester.runpytest("-p", "no:randomly", "-rs", f"--lab-report={report}", str(synthetic_lab))
    result.assert_outcomes(passed=1, failed=1, skipped=2)
    result.stdout.fnmatch_lines([
        "*prerequisite first failed: second is not checked*",
        "*prerequisite second skipped: third is not checked*",
    ])
    document = json.loads(report.read_text())
    assert document["lab"] == "labx" and document["mode"] == "offline"
    (submission,) = document["submissions"]
    assert submission["name"] == "reference"
    assert (submission["score"], submission["max_score"]) == (1, 5)
    stages = {stage["id"]: stage for stage in submission["stages"]}
    assert [stage["id"] for stage in submission["stages"]] == ["first", "second", "third", "standalone"]
    assert stages["first"]["outcome"] == "failed"
    assert stages["first"]["message"] == "first is broken"
    assert set(stages["first"]["hint"]) == {"en", "zh-TW"}
    assert stages["first"]["hint"]["en"].startswith("first is broken. ")
    assert "assert not os.environ.get" in stages["first"]["detail"]
    assert stages["third"] == {"id": "third", "title": None, "outcome": "skipped", "points": 0, "max_points": 2,
                               "message": "prerequisite second skipped: third is not checked", "hint": None,
                               "detail": ""}
    assert stages["standalone"]["outcome"] == "passed" and stages["standalone"]["points"] == 1


def test_report_for_a_passing_lab_and_terminal_summary(pytester, synthetic_lab):
    report = pytester.path / "out" / "grades.json"
    result = pytester.runpytest("-p", "no:randomly", f"--lab-report={report}", str(synthetic_lab))
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([
        "*= sagemaker-lab =*",
        "labx (offline) reference: 5/5",
        "  passed   first       first ok",
        f"grade report: {report} and {report.with_suffix('.csv')}",
    ])
    document = json.loads(report.read_text())
    assert document["submissions"][0]["stages"][0] == {
        "id": "first", "title": None, "outcome": "passed", "points": 1, "max_points": 1, "message": "first ok",
        "hint": None, "detail": ""}


def test_requires_must_name_an_earlier_stage(pytester):
    lab = pytester.mkdir("laby")
    (lab / "lab.toml").write_text(LAB_TOML)
    (lab / "test_laby.py").write_text(
        "import pytest\n\n@pytest.mark.lab_stage('a', requires=('b',))\ndef test_a(lab_submission): pass\n")
    result = pytester.runpytest(str(lab))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "lab_stage('a') requires ['b'], which must be stages defined before it" in result.stderr.str()


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_a_verdict_raised_by_a_labs_fixture_is_a_failed_stage_not_an_error(pytester, workers):
    """A lab's fixture finds what the stage judges missing (no transform job): the learner's work failed the
    stage. pytest shows it as FAILED, as the report does; any other error in a fixture stays an ERROR."""
    lab = pytester.mkdir("labz")
    (lab / "lab.toml").write_text(LAB_TOML)
    (lab / "test_labz.py").write_text(
        "import pytest\nfrom pytest_sagemaker_lab.messages import fail\n\n"
        "@pytest.fixture\ndef job():\n    raise fail('unexpected', 'no job was made', error='no job')\n\n"
        "@pytest.fixture\ndef broken():\n    raise RuntimeError('the lab itself is broken')\n\n"
        "@pytest.mark.lab_stage('a')\ndef test_a(lab_submission, job): pass\n\n"
        "@pytest.mark.lab_stage('b')\ndef test_b(lab_submission, broken): pass\n")
    result = pytester.runpytest_subprocess(str(lab), "-p", "no:randomly", *workers)
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(["FAILED *test_labz.py::test_a*", "ERROR *test_labz.py::test_b*"])


def test_live_only_and_offline_only(pytester):
    pytester.makepyfile("""
        import pytest

        @pytest.mark.live_only
        def test_live(): pass

        @pytest.mark.offline_only
        def test_offline(): pass
    """)
    offline = pytester.runpytest("-rs", "--strict-markers")
    offline.assert_outcomes(passed=1, skipped=1)
    offline.stdout.fnmatch_lines(["*live_only: runs only with --live*"])
    live = pytester.runpytest("-rs", "--live", "--strict-markers")
    live.assert_outcomes(passed=1, skipped=1)
    live.stdout.fnmatch_lines(["*offline_only: not run with --live*"])


def test_a_missing_submission_path_is_a_usage_error_naming_it(pytester, synthetic_lab):
    result = pytester.runpytest(str(synthetic_lab), "--lab-submission=alice.ipynb")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--lab-submission: alice.ipynb does not exist; give a notebook, a .py file*"])
    (pytester.path / "empty").mkdir()
    result = pytester.runpytest(str(synthetic_lab), "--lab-submission=empty")
    result.stderr.fnmatch_lines(["*--lab-submission: empty holds no .ipynb or .py file*"])
