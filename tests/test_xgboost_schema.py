"""The built-in XGBoost container's hyperparameter schema and channel rules, version by version.

Expected texts are the container's own (fact sheet section 3.2 and 4.1/4.2); the long lists are the
container's value lists in its declaration order, written out here independently of the module.
"""

from __future__ import annotations

import pytest

from pytest_sagemaker_lab.emulator import errors
from pytest_sagemaker_lab.emulator.xgboost_channels import (
    CONTENT_TYPES,
    MissingTrainChannel,
    data_content_type,
    validate_channels,
)
from pytest_sagemaker_lab.emulator.xgboost_hyperparameters import (
    VERSIONS,
    UncaughtKeyError,
    schema_names,
    validate_hyperparameters,
)

OLD = ("0.90-1", "0.90-2", "1.0-1")  # the versions that still take `silent` and refuse GPU
NEW = ("1.2-1", "1.2-2", "1.3-1", "1.5-1", "1.7-1", "3.0-5")

OBJECTIVES_0_90 = (
    "['binary:logistic', 'binary:logitraw', 'binary:hinge', 'count:poisson', 'multi:softmax', "
    "'multi:softprob', 'rank:pairwise', 'rank:ndcg', 'rank:map', 'reg:linear', 'reg:squarederror', "
    "'reg:logistic', 'reg:gamma', 'reg:tweedie', 'survival:cox']"
)
OBJECTIVES_1_0 = (
    "['binary:logistic', 'binary:logitraw', 'binary:hinge', 'count:poisson', 'multi:softmax', "
    "'multi:softprob', 'rank:pairwise', 'rank:ndcg', 'rank:map', 'reg:linear', 'reg:squarederror', "
    "'reg:logistic', 'reg:gamma', 'reg:squaredlogerror', 'reg:tweedie', 'survival:cox']"
)
OBJECTIVES_1_2 = (
    "['aft_loss_distribution', 'binary:logistic', 'binary:logitraw', 'binary:hinge', 'count:poisson', "
    "'multi:softmax', 'multi:softprob', 'rank:pairwise', 'rank:ndcg', 'rank:map', 'reg:linear', "
    "'reg:squarederror', 'reg:logistic', 'reg:gamma', 'reg:pseudohubererror', 'reg:squaredlogerror', "
    "'reg:tweedie', 'survival:aft', 'survival:cox']"
)
OBJECTIVES_1_7 = (
    "['aft_loss_distribution', 'binary:logistic', 'binary:logitraw', 'binary:hinge', 'count:poisson', "
    "'multi:softmax', 'multi:softprob', 'rank:pairwise', 'rank:ndcg', 'rank:map', 'reg:linear', "
    "'reg:squarederror', 'reg:logistic', 'reg:gamma', 'reg:pseudohubererror', 'reg:squaredlogerror', "
    "'reg:absoluteerror', 'reg:tweedie', 'survival:aft', 'survival:cox']"
)
METRICS_0_90 = (
    "['accuracy', 'auc', 'aucpr', 'cox-nloglik', 'f1', 'gamma-nloglik', 'map', 'ndcg', 'poisson-nloglik', "
    "'tweedie-nloglik', 'error', 'gamma-deviance', 'logloss', 'mae', 'merror', 'mlogloss', 'mse', 'rmse']"
)
METRICS_1_0 = (
    "['accuracy', 'auc', 'aucpr', 'f1', 'map', 'ndcg', 'cox-nloglik', 'error', 'gamma-deviance', "
    "'gamma-nloglik', 'logloss', 'mae', 'merror', 'mlogloss', 'mse', 'poisson-nloglik', 'rmse', 'rmsle', "
    "'tweedie-nloglik']"
)
METRICS_1_2_1 = (
    "['accuracy', 'auc', 'aucpr', 'f1', 'map', 'ndcg', 'r2', 'aft-nloglik', 'cox-nloglik', 'error', "
    "'gamma-deviance', 'gamma-nloglik', 'interval-regression-accuracy', 'logloss', 'mae', 'merror', "
    "'mlogloss', 'mphe', 'mse', 'poisson-nloglik', 'rmse', 'rmsle', 'tweedie-nloglik']"
)
METRICS_1_2_2 = (
    "['accuracy', 'auc', 'aucpr', 'f1', 'f1_binary', 'f1_macro', 'map', 'ndcg', 'r2', 'aft-nloglik', "
    "'cox-nloglik', 'error', 'gamma-deviance', 'gamma-nloglik', 'interval-regression-accuracy', 'logloss', "
    "'mae', 'merror', 'mlogloss', 'mphe', 'mse', 'poisson-nloglik', 'rmse', 'rmsle', 'tweedie-nloglik']"
)
METRICS_1_3 = (
    "['accuracy', 'auc', 'aucpr', 'balanced_accuracy', 'f1', 'f1_binary', 'f1_macro', 'map', 'ndcg', "
    "'precision', 'r2', 'recall', 'precision_macro', 'precision_micro', 'recall_macro', 'recall_micro', "
    "'aft-nloglik', 'cox-nloglik', 'error', 'gamma-deviance', 'gamma-nloglik', "
    "'interval-regression-accuracy', 'logloss', 'mae', 'mape', 'merror', 'mlogloss', 'mphe', 'mse', "
    "'poisson-nloglik', 'rmse', 'rmsle', 'tweedie-nloglik']"
)
UPDATERS_0_90 = (
    "['grow_colmaker', 'distcol', 'grow_histmaker', 'grow_local_histmaker', 'grow_skmaker', 'sync', "
    "'refresh', 'prune', 'grow_colmaker', 'distcol', 'grow_histmaker', 'grow_local_histmaker', "
    "'grow_colmaker', 'shotgun', 'coord_descent', 'refresh', 'prune']"
)
UPDATERS_1_7 = (
    "['grow_colmaker', 'distcol', 'grow_histmaker', 'grow_skmaker', 'sync', 'refresh', 'prune', "
    "'grow_colmaker', 'distcol', 'grow_histmaker', 'grow_colmaker', 'shotgun', 'coord_descent', "
    "'refresh', 'prune']"
)
TUNING_0_90 = (
    "['validation:accuracy', 'validation:auc', 'validation:aucpr', 'validation:cox-nloglik', "
    "'validation:f1', 'validation:gamma-nloglik', 'validation:map', 'validation:ndcg', "
    "'validation:poisson-nloglik', 'validation:tweedie-nloglik', 'validation:error', "
    "'validation:gamma-deviance', 'validation:logloss', 'validation:mae', 'validation:merror', "
    "'validation:mlogloss', 'validation:mse', 'validation:rmse']"
)

NOT_PARSED = "could not parse value (caused by ValueError)"
NEED_CLASSES = "Require input for parameter 'num_class' for multi-classification"
MONOTONE = ("monotone_constraints can be used only when the tree_method parameter is set to either 'exact' "
            "or 'hist'.")
BIN = {"objective": "binary:logistic"}
LAB_4_1 = {"num_round": "42", "eval_metric": "logloss", "objective": "binary:logistic", "verbosity": "1",
           "seed": "42"}


def _hp(**extra: str) -> dict[str, str]:
    return {"num_round": "10", **extra}


def _raised(version: str, raw: dict[str, str]) -> errors.ContainerError:
    with pytest.raises(errors.ContainerError) as info:
        validate_hyperparameters(version, raw)
    return info.value


# --- every message of the fact sheet's 3.2 table, and a few more the container has -----------------

USER_ERRORS = [
    ("1.2-2", {}, "Missing required hyperparameter: num_round"),
    ("0.90-1", {"eta": "0.1"}, "Missing required hyperparameter: num_round"),
    ("1.2-1", _hp(silent="0"), "Extraneous hyperparameter found: silent"),
    ("1.7-1", _hp(n_estimators="100"), "Extraneous hyperparameter found: n_estimators"),
    ("0.90-2", _hp(n_estimators="100"), "Extraneous hyperparameter found: n_estimators"),
    ("3.0-5", _hp(device="cuda"), "Extraneous hyperparameter found: device"),
    ("1.2-2", {"num_round": "10.0"}, f"Hyperparameter num_round: {NOT_PARSED}"),
    ("1.2-2", _hp(max_depth="5.0"), f"Hyperparameter max_depth: {NOT_PARSED}"),
    ("0.90-1", _hp(eta="high"), f"Hyperparameter eta: {NOT_PARSED}"),
    ("1.2-2", _hp(eta="1.5"), "Hyperparameter eta: 1.5 is not in [0, 1]"),
    ("1.2-2", {"num_round": "0"}, "Hyperparameter num_round: 0 is not in [1, +inf)"),
    ("1.2-2", _hp(subsample="0"), "Hyperparameter subsample: 0.0 is not in (0, 1]"),
    ("1.5-1", _hp(seed="2147483647"), "Hyperparameter seed: 2147483647 is not in (-2147483648, 2147483647)"),
    ("1.2-2", _hp(tweedie_variance_power="2"), "Hyperparameter tweedie_variance_power: 2.0 is not in (1, 2)"),
    ("1.3-1", _hp(prob_buffer_row="1"), "Hyperparameter prob_buffer_row: 1 is not in (1.0, +inf)"),
    ("1.2-2", _hp(objective="reg:linearr"),
     f"Hyperparameter objective: reg:linearr is not in {OBJECTIVES_1_2}"),
    ("1.7-1", _hp(objective="Binary:logistic"),
     f"Hyperparameter objective: Binary:logistic is not in {OBJECTIVES_1_7}"),
    ("1.2-2", _hp(save_model_on_termination="True"),
     "Hyperparameter save_model_on_termination: True is not in ['true', 'false']"),
    ("1.2-2", _hp(eval_metric="foo", **BIN),
     f"Hyperparameter eval_metric: value ['foo'] not in range {METRICS_1_2_2}"),
    ("0.90-1", _hp(eval_metric="auc, logloss", **BIN),
     f"Hyperparameter eval_metric: value ['auc', ' logloss'] not in range {METRICS_0_90}"),
    ("1.2-2", _hp(eval_metric="auc", objective="reg:squarederror"),
     "Metric 'auc' can only be applied for classification and ranking problems."),
    ("0.90-1", _hp(eval_metric="logloss,auc", objective="multi:softprob", num_class="3"),
     "Metric 'auc' can only be applied for classification and ranking problems."),
    ("1.2-1", _hp(eval_metric="aft-nloglik", **BIN),
     "Metric 'aft-nloglik' can only be applied for 'survival:aft' objective."),
    ("1.2-2", _hp(objective="multi:softmax"), NEED_CLASSES),
    ("0.90-1", _hp(objective="multi:softprob"), NEED_CLASSES),
    ("0.90-1", _hp(tree_method="gpu_hist"), "GPU training is not supported yet."),
    ("0.90-2", _hp(tree_method="gpu_hist"), "GPU training is not supported yet."),
    ("1.0-1", _hp(tree_method="gpu_exact"), "GPU training is not supported yet."),
    ("1.0-1", _hp(predictor="gpu_predictor"), "GPU training is not supported yet."),
    ("1.0-1", _hp(monotone_constraints="(1,-1)", tree_method="approx"), MONOTONE),
    ("1.7-1", _hp(monotone_constraints="(1,-1)"), MONOTONE),
    ("1.2-2", _hp(interaction_constraints="[[1, 2]]", tree_method="auto"),
     "interaction_constraints can be used only when the tree_method parameter is set to either 'exact', "
     "'hist' or 'approx'."),
    ("1.2-2", _hp(eval_metric="error@abc", **BIN), "Threshold value 't' in 'error@t' expects float input."),
    ("1.3-1", _hp(eval_metric="ndcg@", **BIN), "Threshold value 't' in 'ndcg@t' expects float input."),
    ("1.2-2", _hp(eval_metric="auc@0.5", **BIN),
     "Metric 'auc@0.5' is not supported. Parameter 'eval_metric' with customized threshold should be one of "
     "these options: 'error', 'ndcg', 'map'."),
    # every element is checked before the verdict, so the later '@' error wins over the unknown 'foo'
    ("1.2-2", _hp(eval_metric="foo,auc@1", **BIN),
     "Metric 'auc@1' is not supported. Parameter 'eval_metric' with customized threshold should be one of "
     "these options: 'error', 'ndcg', 'map'."),
    ("1.0-1", _hp(interaction_constraints="[[0, 1]]", tree_method="hist"),
     "Hyperparameter interaction_constraints: value [[0, 1]] not in range [1, +inf)"),
    ("1.0-1", _hp(monotone_constraints="(1, 2)", tree_method="hist"),
     "Hyperparameter monotone_constraints: value (1, 2) not in range [-1, 0, 1]"),
    ("0.90-1", _hp(_tuning_objective_metric="train:auc"),
     f"Hyperparameter _tuning_objective_metric: train:auc is not in {TUNING_0_90}"),
    ("1.7-1", _hp(use_dask_gpu_training="yes"),
     "Hyperparameter use_dask_gpu_training: yes is not in ['true', 'false']"),
]


@pytest.mark.parametrize(("version", "raw", "message"), USER_ERRORS)
def test_user_error_message(version: str, raw: dict[str, str], message: str) -> None:
    error = _raised(version, raw)
    assert type(error) is errors.UserError
    assert str(error) == message


# --- updater rules ------------------------------------------------------------------------------

_TREE = "Tree updater should be selected from these options: 'grow_colmaker', 'distcol', 'grow_histmaker', "
_TREE_0_90 = _TREE + ("'grow_local_histmaker', 'grow_skmaker', 'sync', 'refresh', 'prune', 'shortgun', "
                      "'coord_descent'.")
_TREE_1_0 = _TREE + ("'grow_local_histmaker', 'grow_skmaker', 'grow_quantile_histmaker', 'sync', 'refresh', "
                     "'prune', 'shortgun', 'coord_descent'.")
_TREE_1_7 = _TREE + ("'grow_skmaker', 'grow_quantile_histmaker', 'sync', 'refresh', 'prune', 'shortgun', "
                     "'coord_descent'.")
_ONE_GROW = "Only one tree grow plugin can be selected. Choose one from thefollowing: "


@pytest.mark.parametrize(("version", "raw", "message"), [
    ("0.90-1", _hp(updater="shotgun"), _TREE_0_90),
    ("1.0-1", _hp(updater="coord_descent", booster="dart"), _TREE_1_0),
    ("1.7-1", _hp(updater="shotgun"), _TREE_1_7),
    ("0.90-2", _hp(updater="grow_colmaker,distcol"),
     _ONE_GROW + "'grow_colmaker', 'distcol', 'grow_histmaker', 'grow_local_histmaker', 'grow_skmaker'"),
    ("3.0-5", _hp(updater="grow_histmaker,grow_colmaker"),
     _ONE_GROW + "'grow_colmaker', 'distcol', 'grow_histmaker', 'grow_skmaker'"),
    ("1.2-2", _hp(updater="grow_colmaker", process_type="update"),
     "process_type 'update' can only be used with updater 'refresh' and 'prune'"),
    ("1.0-1", _hp(updater="grow_quantile_histmaker"),
     f"Hyperparameter updater: value ['grow_quantile_histmaker'] not in range {UPDATERS_0_90}"),
    ("1.7-1", _hp(updater="grow_local_histmaker"),
     f"Hyperparameter updater: value ['grow_local_histmaker'] not in range {UPDATERS_1_7}"),
])  # fmt: skip
def test_updater_messages(version: str, raw: dict[str, str], message: str) -> None:
    assert str(_raised(version, raw)) == message


def test_linear_updater_message_is_the_containers_garbled_one() -> None:
    # The container formats a generator object into this message; the address is a fixed stand-in.
    garbled = ("'<generator object initialize.<locals>.updater_validator.<locals>.<genexpr> "
               "at 0x7f0000000000>'")
    expected = f"Linear updater should be one of these options: {', '.join(garbled)}."
    assert str(_raised("1.2-2", _hp(updater="grow_colmaker", booster="gblinear"))) == expected


@pytest.mark.parametrize(("version", "updater", "booster"), [
    ("0.90-1", "grow_colmaker,prune", "gbtree"), ("1.5-1", "grow_local_histmaker", "gbtree"),
    ("1.7-1", "coord_descent", "gblinear"), ("1.2-2", "refresh,prune", "gbtree"),
])  # fmt: skip
def test_updater_accepted(version: str, updater: str, booster: str) -> None:
    parsed = validate_hyperparameters(version, _hp(updater=updater, booster=booster))
    assert parsed["updater"] == updater.split(",")


# --- errors that are not UserErrors in the container either --------------------------------------


@pytest.mark.parametrize("version", NEW)
def test_eval_metric_without_objective_dies_with_keyerror_from_1_2_1(version: str) -> None:
    error = _raised(version, _hp(eval_metric="rmse"))
    assert isinstance(error, UncaughtKeyError)
    assert error.final_line() == "KeyError: 'objective'"


@pytest.mark.parametrize("version", OLD)
def test_eval_metric_without_objective_on_old_versions(version: str) -> None:
    parsed = validate_hyperparameters(version, _hp(eval_metric="rmse"))
    assert parsed == {"num_round": 10, "eval_metric": ["rmse"]}
    assert _raised(version, _hp(eval_metric="auc")).final_line() == "KeyError: 'objective'"


def test_non_nested_interaction_constraints_is_an_algorithm_error() -> None:
    error = _raised("1.2-2", _hp(interaction_constraints="[1, 2]", tree_method="hist"))
    assert type(error) is errors.AlgorithmError
    assert str(error) == (
        "Hyperparameter interaction_constraints: unexpected failure when validating [1, 2] "
        "(caused by TypeError)"
    )


# --- order of the checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(("version", "raw", "message"), [
    ("1.2-1", {"silent": "0"}, "Missing required hyperparameter: num_round"),
    ("0.90-1", {"n_estimators": "5", "eta": "9"}, "Missing required hyperparameter: num_round"),
    # unknown names and parse errors in the user's order, all before any range check
    ("1.2-2", {"num_round": "0", "eta": "x"}, f"Hyperparameter eta: {NOT_PARSED}"),
    ("1.2-2", {"num_round": "x", "silent": "0"}, f"Hyperparameter num_round: {NOT_PARSED}"),
    ("1.2-2", {"silent": "0", "num_round": "x"}, "Extraneous hyperparameter found: silent"),
    ("1.2-2", {"eta": "2", "num_round": "0"}, "Hyperparameter eta: 2.0 is not in [0, 1]"),
    # ranges before dependencies
    ("1.2-2", {"objective": "multi:softmax", "num_round": "10", "eta": "2"},
     "Hyperparameter eta: 2.0 is not in [0, 1]"),
    # a dependency is checked before what depends on it
    ("1.2-2", {"num_round": "10", "eval_metric": "auc", "objective": "multi:softmax"},
     "Require input for parameter 'num_class' for multi-classification"),
])  # fmt: skip
def test_first_problem_wins(version: str, raw: dict[str, str], message: str) -> None:
    assert str(_raised(version, raw)) == message


def test_extraneous_carries_the_keyerror_context() -> None:
    error = _raised("1.2-2", _hp(silent="0"))
    assert error.context == "KeyError: 'silent'"
    assert error.final_line() == (
        "sagemaker_algorithm_toolkit.exceptions.UserError: Extraneous hyperparameter found: silent"
    )


def test_parse_error_is_caused_by_valueerror() -> None:
    assert isinstance(_raised("1.2-2", {"num_round": "10.0"}).caused_by, ValueError)


# --- silent, aliases --------------------------------------------------------------------------------


@pytest.mark.parametrize("version", OLD)
def test_silent_accepted_up_to_1_0_1(version: str) -> None:
    assert validate_hyperparameters(version, _hp(silent="1")) == {"num_round": 10, "silent": 1}


@pytest.mark.parametrize("version", NEW)
def test_silent_rejected_from_1_2_1(version: str) -> None:
    error = _raised(version, _hp(silent="0"))
    assert str(error) == "Extraneous hyperparameter found: silent"


@pytest.mark.parametrize("alias", ["learning_rate", "min_split_loss", "reg_lambda", "reg_alpha"])
def test_aliases_rejected_on_0_90_1(alias: str) -> None:
    assert str(_raised("0.90-1", _hp(**{alias: "0.5"}))) == f"Extraneous hyperparameter found: {alias}"


@pytest.mark.parametrize("version", VERSIONS[1:])
def test_aliases_renamed_from_0_90_2(version: str) -> None:
    raw = _hp(learning_rate="0.1", min_split_loss="1", reg_lambda="2", reg_alpha="3")
    expected = {"num_round": 10, "eta": 0.1, "gamma": 1.0, "lambda": 2.0, "alpha": 3.0}
    assert validate_hyperparameters(version, raw) == expected


def test_alias_range_error_names_the_canonical_hyperparameter() -> None:
    assert str(_raised("1.2-2", _hp(learning_rate="2"))) == "Hyperparameter eta: 2.0 is not in [0, 1]"


# --- the "Version differences" table, one row at a time ---------------------------------------------

# (name, value, first version that accepts it, last version that accepts it, extra hyperparameters)
AVAILABILITY = [
    ("silent", "0", "0.90-1", "1.0-1", {}),
    ("num_parallel_tree", "2", "0.90-2", "3.0-5", {}),
    ("monotone_constraints", "(1,-1)", "1.0-1", "3.0-5", {"tree_method": "exact"}),
    ("interaction_constraints", "[[1, 2]]", "1.0-1", "3.0-5", {"tree_method": "approx"}),
    ("save_model_on_termination", "true", "1.0-1", "3.0-5", {}),
    ("aft_loss_distribution", "logistic", "1.2-1", "3.0-5", {}),
    ("aft_loss_distribution_scale", "1.2", "1.2-1", "3.0-5", {}),
    ("deterministic_histogram", "true", "1.2-1", "3.0-5", {}),
    ("single_precision_histogram", "true", "1.2-1", "1.5-1", {}),
    ("_nfold", "3", "1.2-1", "1.2-1", {}),
    ("_kfold", "5", "1.2-2", "3.0-5", {}),
    ("_num_cv_round", "2", "1.2-2", "3.0-5", {}),
    ("sampling_method", "gradient_based", "1.3-1", "3.0-5", {}),
    ("prob_buffer_row", "2", "1.3-1", "3.0-5", {}),
    ("use_dask_gpu_training", "false", "1.5-1", "3.0-5", {}),
]


def _availability_cases() -> list:
    cases = []
    for name, value, first, last, extra in AVAILABILITY:
        for version in VERSIONS:
            accepted = VERSIONS.index(first) <= VERSIONS.index(version) <= VERSIONS.index(last)
            cases.append(pytest.param(version, name, value, extra, accepted, id=f"{name}-{version}"))
    return cases


@pytest.mark.parametrize(("version", "name", "value", "extra", "accepted"), _availability_cases())
def test_version_availability(
    version: str, name: str, value: str, extra: dict[str, str], accepted: bool
) -> None:
    assert (name in schema_names(version)) is accepted
    raw = _hp(**{name: value, **extra})
    if accepted:
        assert name in validate_hyperparameters(version, raw)
    else:
        assert str(_raised(version, raw)) == f"Extraneous hyperparameter found: {name}"


@pytest.mark.parametrize(("version", "raw", "message"), [
    ("0.90-2", _hp(objective="reg:squaredlogerror"),
     f"Hyperparameter objective: reg:squaredlogerror is not in {OBJECTIVES_0_90}"),
    ("1.0-1", _hp(objective="survival:aft"),
     f"Hyperparameter objective: survival:aft is not in {OBJECTIVES_1_0}"),
    ("1.5-1", _hp(objective="reg:absoluteerror"),
     f"Hyperparameter objective: reg:absoluteerror is not in {OBJECTIVES_1_2}"),
    ("3.0-5", _hp(objective="reg:quantileerror"),
     f"Hyperparameter objective: reg:quantileerror is not in {OBJECTIVES_1_7}"),
    ("0.90-2", _hp(eval_metric="rmsle", **BIN),
     f"Hyperparameter eval_metric: value ['rmsle'] not in range {METRICS_0_90}"),
    ("1.0-1", _hp(eval_metric="r2", **BIN),
     f"Hyperparameter eval_metric: value ['r2'] not in range {METRICS_1_0}"),
    ("1.2-1", _hp(eval_metric="f1_binary", **BIN),
     f"Hyperparameter eval_metric: value ['f1_binary'] not in range {METRICS_1_2_1}"),
    ("1.2-2", _hp(eval_metric="mape", **BIN),
     f"Hyperparameter eval_metric: value ['mape'] not in range {METRICS_1_2_2}"),
    ("3.0-5", _hp(eval_metric="auc,foo", **BIN),
     f"Hyperparameter eval_metric: value ['auc', 'foo'] not in range {METRICS_1_3}"),
    ("1.0-1", _hp(tree_method="foo"),
     "Hyperparameter tree_method: foo is not in ['auto', 'exact', 'approx', 'hist']"),
    ("1.2-1", _hp(tree_method="gpu_exact"),
     "Hyperparameter tree_method: gpu_exact is not in ['auto', 'exact', 'approx', 'hist', 'gpu_hist']"),
    ("0.90-1", _hp(predictor="auto"), "Hyperparameter predictor: auto is not in ['cpu_predictor']"),
])  # fmt: skip
def test_version_specific_lists(version: str, raw: dict[str, str], message: str) -> None:
    assert str(_raised(version, raw)) == message


@pytest.mark.parametrize(("version", "raw"), [
    ("1.0-1", _hp(objective="reg:squaredlogerror")),
    ("1.2-1", _hp(objective="survival:aft", eval_metric="aft-nloglik")),
    ("1.2-1", _hp(objective="aft_loss_distribution")),  # the container's own list bug
    ("1.7-1", _hp(objective="reg:absoluteerror")),
    ("3.0-5", _hp(objective="reg:absoluteerror", eval_metric="mae")),
    ("1.0-1", _hp(eval_metric="rmsle", **BIN)),
    ("1.2-1", _hp(eval_metric="r2,mphe", **BIN)),
    ("1.2-2", _hp(eval_metric="f1_binary,f1_macro", **BIN)),
    ("1.3-1", _hp(eval_metric="balanced_accuracy,precision,recall_micro,mape", **BIN)),
    ("0.90-1", _hp(eval_metric="error@0.7,ndcg@3,map@2", objective="rank:pairwise")),
    ("1.2-1", _hp(tree_method="gpu_hist", predictor="gpu_predictor")),
    ("3.0-5", _hp(tree_method="gpu_hist", predictor="auto")),
    ("0.90-1", _hp(_tuning_objective_metric="validation:auc")),
    ("1.3-1", _hp(_tuning_objective_metric="validation:mape")),
    ("1.2-2", _hp(objective="multi:softprob", num_class="3", eval_metric="mlogloss,merror")),
])  # fmt: skip
def test_version_specific_values_accepted(version: str, raw: dict[str, str]) -> None:
    validate_hyperparameters(version, raw)


# --- parsing, schema, lab 4.1 -----------------------------------------------------------------------


def test_parsed_types() -> None:
    raw = _hp(eta="0.3", max_depth="5", booster="dart", eval_metric="auc,error@0.6",
              objective="binary:logistic", monotone_constraints="(1, 0, -1)", tree_method="hist",
              interaction_constraints="[[1, 2], [3]]")
    assert validate_hyperparameters("1.7-1", raw) == {
        "num_round": 10, "eta": 0.3, "max_depth": 5, "booster": "dart", "objective": "binary:logistic",
        "eval_metric": ["auc", "error@0.6"], "tree_method": "hist", "monotone_constraints": (1, 0, -1),
        "interaction_constraints": [[1, 2], [3]],
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_schema_names_includes_aliases_only_from_0_90_2(version: str) -> None:
    names = schema_names(version)
    assert {"num_round", "eta", "eval_metric", "objective", "seed"} <= names
    assert ("learning_rate" in names) is (version != "0.90-1")
    assert "n_estimators" not in names


def test_unknown_version_is_a_valueerror() -> None:
    with pytest.raises(ValueError):
        validate_hyperparameters("1.1-1", _hp())
    with pytest.raises(ValueError):
        schema_names("latest")


def test_lab_4_1_hyperparameters_pass_on_1_2_2() -> None:
    assert validate_hyperparameters("1.2-2", dict(LAB_4_1)) == {
        "num_round": 42, "objective": "binary:logistic", "eval_metric": ["logloss"], "verbosity": 1,
        "seed": 42,
    }


def test_lab_4_1_with_silent_fails_on_1_2_2() -> None:
    error = _raised("1.2-2", {**LAB_4_1, "silent": "0"})
    assert type(error) is errors.UserError
    assert str(error) == "Extraneous hyperparameter found: silent"


# --- channels ---------------------------------------------------------------------------------------


def _channel(name: str, content_type: str | None = "text/csv", mode: str | None = None,
             distribution: str | None = "FullyReplicated") -> dict:
    s3 = {"S3Uri": f"s3://bucket/prefix/{name}/", "S3DataType": "S3Prefix"}
    if distribution is not None:
        s3["S3DataDistributionType"] = distribution
    item: dict = {"ChannelName": name, "DataSource": {"S3DataSource": s3}}
    if content_type is not None:
        item["ContentType"] = content_type
    if mode is not None:
        item["InputMode"] = mode
    return item


def _container_shape(content_type: str, mode: str = "File", distribution: str = "FullyReplicated") -> dict:
    return {"ContentType": content_type, "TrainingInputMode": mode, "S3DistributionType": distribution,
            "RecordWrapperType": "None"}


def test_lab_4_1_channels() -> None:
    config = [_channel("train"), _channel("validation")]
    assert validate_channels("1.2-2", config) == {"train": _container_shape("text/csv"),
                                                  "validation": _container_shape("text/csv")}


def test_missing_content_type_defaults_to_libsvm() -> None:
    channels = validate_channels("1.7-1", [_channel("train", content_type=None)])
    assert channels["train"] == {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated",
                                 "RecordWrapperType": "None", "ContentType": "text/libsvm"}


@pytest.mark.parametrize(("config", "message"), [
    ([_channel("train"), _channel("test")], "Extraneous channel found: test"),
    ([_channel("train", "text/csv; label_size=1")],
     "Channel configuration for 'train' channel is not supported: {'ContentType': 'text/csv; label_size=1', "
     "'TrainingInputMode': 'File', 'S3DistributionType': 'FullyReplicated', 'RecordWrapperType': 'None'}"),
    ([_channel("train", "application/json")],
     "Channel configuration for 'train' channel is not supported: {'ContentType': 'application/json', "
     "'TrainingInputMode': 'File', 'S3DistributionType': 'FullyReplicated', 'RecordWrapperType': 'None'}"),
    ([_channel("train", "text/libsvm", mode="Pipe")],
     "Channel configuration for 'train' channel is not supported: {'ContentType': 'text/libsvm', "
     "'TrainingInputMode': 'Pipe', 'S3DistributionType': 'FullyReplicated', 'RecordWrapperType': 'None'}"),
    # the default content type is added last, so it prints last
    ([_channel("train"),
      _channel("validation", content_type=None, mode="Pipe", distribution="ShardedByS3Key")],
     "Channel configuration for 'validation' channel is not supported: {'TrainingInputMode': 'Pipe', "
     "'S3DistributionType': 'ShardedByS3Key', 'RecordWrapperType': 'None', 'ContentType': 'text/libsvm'}"),
    ([_channel("train"), _channel("code", "text/python", distribution="ShardedByS3Key")],
     "Channel configuration for 'code' channel is not supported: {'ContentType': 'text/python', "
     "'TrainingInputMode': 'File', 'S3DistributionType': 'ShardedByS3Key', 'RecordWrapperType': 'None'}"),
    ([_channel("train", "Text/CSV")],
     "Channel configuration for 'train' channel is not supported: {'ContentType': 'Text/CSV', "
     "'TrainingInputMode': 'File', 'S3DistributionType': 'FullyReplicated', 'RecordWrapperType': 'None'}"),
])  # fmt: skip
def test_channel_errors(config: list[dict], message: str) -> None:
    with pytest.raises(errors.UserError) as info:
        validate_channels("1.2-2", config)
    assert str(info.value) == message


@pytest.mark.parametrize(("content_type", "mode", "distribution"), [
    *((ct, "File", "FullyReplicated") for ct in CONTENT_TYPES),
    ("text/csv", "Pipe", "ShardedByS3Key"),
    ("application/x-recordio-protobuf", "Pipe", "FullyReplicated"),
    ("parquet", "File", "ShardedByS3Key"),
])  # fmt: skip
def test_channel_combinations_accepted(content_type: str, mode: str, distribution: str) -> None:
    config = [_channel("train", content_type, mode, distribution)]
    assert validate_channels("1.5-1", config)["train"] == _container_shape(content_type, mode, distribution)


def test_code_channel_accepted() -> None:
    channels = validate_channels("1.2-2", [_channel("train"), _channel("code", "text/python")])
    assert channels["code"] == _container_shape("text/python")


@pytest.mark.parametrize("config", [[], [_channel("validation")], [_channel("test"), _channel("validation")]])
def test_missing_train_channel_is_a_bare_keyerror(config: list[dict]) -> None:
    with pytest.raises(MissingTrainChannel) as info:
        validate_channels("1.2-2", config)
    assert info.value.kind == "KeyError"
    assert info.value.message == "'SM_CHANNEL_TRAIN'"
    assert info.value.final_line() == "KeyError: 'SM_CHANNEL_TRAIN'"


def test_channels_unknown_version_is_a_valueerror() -> None:
    with pytest.raises(ValueError):
        validate_channels("2.0-1", [_channel("train")])


_ACCEPTED = ("csv, libsvm, parquet, recordio-protobuf, text/csv, text/libsvm, text/x-libsvm, "
             "application/x-parquet, application/x-recordio-protobuf.")


@pytest.mark.parametrize(("content_type", "expected"), [
    (None, "libsvm"), ("text/csv", "csv"), ("csv", "csv"), ("text/csv; label_size=1", "csv"),
    ("Text/CSV", "csv"), ("text/libsvm", "libsvm"), ("text/x-libsvm", "libsvm"),
    ("application/x-parquet", "parquet"), ("parquet", "parquet"),
    ("application/x-recordio-protobuf", "recordio-protobuf"),
])  # fmt: skip
def test_data_content_type(content_type: str | None, expected: str) -> None:
    assert data_content_type(content_type) == expected


@pytest.mark.parametrize(("content_type", "message"), [
    ("text/csv;label_size=2",
     "text/csv;label_size=2 is not an accepted csv ContentType. "
     "Optional parameter label_size must be equal to 1"),
    ("application/json", f"application/json is not an accepted ContentType: {_ACCEPTED}"),
    ("text/plain; charset=utf-8", f"text/plain; charset=utf-8 is not an accepted ContentType: {_ACCEPTED}"),
])  # fmt: skip
def test_data_content_type_errors(content_type: str, message: str) -> None:
    with pytest.raises(errors.UserError) as info:
        data_content_type(content_type)
    assert str(info.value) == message
