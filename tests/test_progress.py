"""--lab-progress (issue 13, item 7): a long class run says how many submissions are graded out of
how many and about how long is left, on a line of its own at most every 10 s and at the end; -q
keeps it quiet. The runs here use a clock that reads 4 s per submission graded, so the lines are
the same on any machine and no test sleeps."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_sagemaker_lab.progress import Progress, count_groups, duration

from .conftest import synthetic_lab_toml
from .test_gradebook import STAGES

CLASS = ("ann", "ben", "cid", "dee", "eve", "fay", "gus", "hal")  # 8 submissions, 3 stages each

FAKE_CLOCK = """
def pytest_configure(config):
    progress = config.pluginmanager.get_plugin("sagemaker_lab_progress")
    if progress is not None:
        progress.clock = lambda: 4.0 * progress.done  # every submission takes 4 s, in any order
"""


@pytest.mark.parametrize(("seconds", "said"), [
    (0.2, "1 s"), (12.4, "12 s"), (59.4, "59 s"), (60, "1 min"), (14 * 60 + 20, "14 min"), (3900, "1 h 05 min"),
])
def test_durations_read_as_estimates(seconds, said):
    assert duration(seconds) == said


@pytest.mark.parametrize(("workers", "done", "elapsed", "said"), [
    (1, 12, 36, "12/300 submissions graded (about 3 s each), about 14 min left"),  # 288 x 3 s
    (2, 12, 72, "12/300 submissions graded (about 12 s each on 2 workers), about 29 min left"),  # 144 turns x 12 s
    (2, 299, 100, "299/300 submissions graded (about 1 s each on 2 workers), about 1 s left"),
    (4, 2, 10, "2/5 submissions graded (about 20 s each on 4 workers), about 20 s left"),  # 3 left: one turn
])
def test_the_estimate_is_the_mean_so_far_times_the_turns_the_workers_have_left(workers, done, elapsed, said):
    progress = Progress(object(), clock=lambda: 0.0)  # type: ignore[arg-type]  # line() needs no config
    progress.total = 5 if done == 2 else 300
    progress.workers, progress.done, progress.started = workers, done, 1000.0
    assert progress.line(1000.0 + elapsed) == f"sagemaker-lab: {said}"


def test_an_xdist_controller_counts_the_submissions_of_each_lab_in_the_collected_ids(tmp_path):
    for lab in ("laba", "labb"):
        (tmp_path / lab).mkdir()
        (tmp_path / lab / "lab.toml").write_text("")
    ids = [f"{lab}/test_{lab}.py::test_{stage}[{name}]" for lab in ("laba", "labb") for name in ("ann", "anna")
           for stage in ("first", "second")]
    ids += ["laba/test_laba.py::test_objects[ann-train.csv]", "other/test_other.py::test_x[ann]", "laba/test_y.py::z"]
    assert count_groups(ids, ["ann", "anna"], tmp_path) == 4  # (laba, ann), (laba, anna), (labb, ann), (labb, anna)


@pytest.fixture
def graded_class(pytester: pytest.Pytester) -> tuple[str, ...]:
    lab = pytester.mkdir("labg")
    (lab / "lab.toml").write_text(synthetic_lab_toml("labg"))
    (lab / "data.py").write_text("def generate():\n    return {'train.csv': b'1,2\\n'}\n")
    (lab / "test_labg.py").write_text(STAGES)
    folder = pytester.mkdir("class")
    for name in CLASS:
        (folder / f"{name}.py").write_text("print('hello')\n")
    return (str(lab), "-p", "no:randomly", "-p", "no:cacheprovider", "--lab-sandbox=none",
            f"--lab-submission={folder}")


def _progress_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if re.match(r"sagemaker-lab: \d+/\d+ submissions graded", line)]


def test_a_class_run_says_how_far_it_is_on_lines_of_its_own_at_most_every_10_s(pytester, graded_class):
    pytester.makeconftest(FAKE_CLOCK)
    result = pytester.runpytest_subprocess(*graded_class)
    result.assert_outcomes(passed=24)
    # 3 done at 12 s, 6 at 24 s: 1, 2, 4, 5 and 7 came less than 10 s after the line before; 8 is the end.
    result.stdout.fnmatch_lines([
        "labg/test_labg.py .........",
        "sagemaker-lab: 3/8 submissions graded (about 4 s each), about 20 s left",
        ".........",
        "sagemaker-lab: 6/8 submissions graded (about 4 s each), about 8 s left",
        "......* [[]100%[]]",
        "sagemaker-lab: 8/8 submissions graded in 32 s",
    ], consecutive=True)
    assert len(_progress_lines(result)) == 3


def test_with_v_the_line_sits_between_pytests_lines(pytester, graded_class):
    pytester.makeconftest(FAKE_CLOCK)
    result = pytester.runpytest_subprocess(*graded_class, "-v")
    result.stdout.fnmatch_lines([
        "labg/test_labg.py::test_third[[]cid[]] PASSED * [[] 37%[]]",
        "sagemaker-lab: 3/8 submissions graded (about 4 s each), about 20 s left",
        "labg/test_labg.py::test_first[[]dee[]] PASSED * [[] 41%[]]",
    ], consecutive=True)


def test_under_xdist_the_estimate_counts_the_workers(pytester, graded_class):
    pytester.makeconftest(FAKE_CLOCK)
    result = pytester.runpytest_subprocess(*graded_class, "-n", "2")
    result.assert_outcomes(passed=24)
    # Two workers: a submission took 12 s x 2 / 3 = 8 s of one; 5 left are 3 turns of 8 s.
    assert _progress_lines(result) == [
        "sagemaker-lab: 3/8 submissions graded (about 8 s each on 2 workers), about 24 s left",
        "sagemaker-lab: 6/8 submissions graded (about 8 s each on 2 workers), about 8 s left",
        "sagemaker-lab: 8/8 submissions graded in 32 s",
    ]
    for line in _progress_lines(result):  # whole lines: neither dots before nor after them
        assert line in result.stdout.lines


def test_q_keeps_it_quiet_unless_asked_and_off_is_off(pytester, graded_class):
    pytester.makeconftest(FAKE_CLOCK)
    assert _progress_lines(pytester.runpytest_subprocess(*graded_class, "-q")) == []
    assert _progress_lines(pytester.runpytest_subprocess(*graded_class, "--lab-progress=off")) == []
    asked = _progress_lines(pytester.runpytest_subprocess(*graded_class, "-q", "--lab-progress=on"))
    assert asked[-1] == "sagemaker-lab: 8/8 submissions graded in 32 s" and len(asked) == 3


def test_one_submission_or_a_short_class_on_the_real_clock_shows_no_more_than_the_end(pytester, graded_class):
    one = [*graded_class[:-1], f"--lab-submission={Path(graded_class[-1].split('=', 1)[1]) / 'ann.py'}"]
    assert _progress_lines(pytester.runpytest_subprocess(*one)) == []
    # The real clock: the class takes well under 10 s, so the line at the end is the only one.
    lines = _progress_lines(pytester.runpytest_subprocess(*graded_class))
    assert len(lines) == 1 and lines[0].startswith("sagemaker-lab: 8/8 submissions graded in ")
