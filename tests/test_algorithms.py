"""The built-in algorithms behind one interface: which image names which algorithm and version, and
what the XGBoost image tells the emulation (its metrics, its tuning objectives)."""

from __future__ import annotations

import re

from pytest_sagemaker_lab import algorithms
from pytest_sagemaker_lab.algorithms.xgboost import XGBoost

from .jobs import IMAGE


def test_an_image_names_its_algorithm_and_version():
    resolved = algorithms.for_image(IMAGE.format("1.2-2"))
    assert isinstance(resolved.algorithm, XGBoost) and resolved.version == "1.2-2"
    assert algorithms.for_image(IMAGE.format("0.90-1-cpu-py3")).version == "0.90-1"
    assert algorithms.emulated(IMAGE.format("3.0-5")).version == "3.0-5"


def test_images_no_algorithm_here_runs_are_not_emulated():
    assert algorithms.for_image("683313688378.dkr.ecr.us-east-1.amazonaws.com/xgboost:1") is None  # legacy 0.72
    assert algorithms.for_image("123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1") is None
    assert algorithms.for_image("not an image") is None
    assert algorithms.for_image(IMAGE.format("9.9-9")) is not None
    assert algorithms.emulated(IMAGE.format("9.9-9")) is None
    assert "not emulated offline" in XGBoost().refusal(IMAGE.format("9.9-9"), "9.9-9")


def test_xgboosts_metrics_and_tuning_objectives():
    xgboost = algorithms.ALGORITHMS["sagemaker-xgboost"]
    objectives = xgboost.objective_metrics("1.2-2")
    assert {"validation:error", "validation:auc", "train:logloss", "validation:accuracy"} <= objectives
    assert "validation:loss" not in objectives
    (train, validation) = xgboost.metric_definitions({"eval_metric": "error"})
    assert (train["Name"], validation["Name"]) == ("train:error", "validation:error")
    line = "[3]#011train-error:0.12000#011validation-error:0.15000"
    assert re.match(train["Regex"], line).group(1) == "0.12000"
    assert re.match(validation["Regex"], line).group(1) == "0.15000"
