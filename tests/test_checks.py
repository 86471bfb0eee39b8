"""The checks' verdicts on evidence made up to show each failure: OpenMP, xgboost, artifacts."""

from __future__ import annotations

import sys

import pytest

from pytest_sagemaker_lab import checks, probes
from pytest_sagemaker_lab.messages import StageFailure

GOOD = {"python": sys.executable, "xgboost": "3.2.0", "trees": 8, "train_seconds": 0.1, "threads_at_work": 3,
        "openmp": [{"library": "libgomp", "path": "/x/libgomp.so.1", "num_threads": 2}]}


def test_openmp_passes_with_threads_at_work():
    assert checks.check_openmp(GOOD) == "libgomp at /x/libgomp.so.1: 3 threads at work"


def test_openmp_missing_names_the_fix_for_the_platform(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    with pytest.raises(StageFailure) as raised:
        checks.check_openmp({**GOOD, "openmp": []})
    assert "brew install libomp" in raised.value.hint["en"]
    assert "brew install libomp" in raised.value.hint["zh-TW"]
    monkeypatch.setattr(sys, "platform", "linux")
    assert "apt-get install libgomp1" in probes.openmp_fix()


def test_openmp_with_one_busy_thread_fails():
    with pytest.raises(StageFailure, match="kept only 1 thread busy") as raised:
        checks.check_openmp({**GOOD, "threads_at_work": 1})
    assert "OMP_NUM_THREADS" in raised.value.hint["en"]


def test_xgboost_import_error_is_told_with_the_interpreter():
    with pytest.raises(StageFailure) as raised:
        checks.check_xgboost({"python": "/usr/bin/python3",
                              "import_error": "ModuleNotFoundError: No module named 'xgboost'"})
    assert raised.value.message == ("import xgboost failed in /usr/bin/python3: ModuleNotFoundError: "
                                    "No module named 'xgboost'")
    assert "/usr/bin/python3 -m pip install xgboost" in raised.value.hint["en"]


def test_probe_of_this_interpreter_shows_openmp_at_work():
    found = probes.probe()
    assert found["trees"] == 8
    assert found["openmp"], "xgboost trained without an OpenMP runtime loaded"
    assert checks.check_openmp(found).startswith(found["openmp"][0]["library"])


def test_stage_failure_survives_pickling():
    import pickle

    failure = checks.fail("s3_object_missing", "s3://b/k: 404 Not Found", bucket="b", key="k", name="k", prefix="p")
    copy = pickle.loads(pickle.dumps(failure))
    assert (copy.message, copy.hint) == (failure.message, failure.hint)
    assert str(copy) == str(failure)
