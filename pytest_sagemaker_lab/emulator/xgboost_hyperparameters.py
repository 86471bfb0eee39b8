"""Hyperparameter schema and validation of the built-in XGBoost container (algorithm mode), per version.

Facts: ``reference/xgboost_container_facts.md`` sections 3.1-3.3. The messages are the container's,
character for character. The container validates in this order and stops at the first problem:
(0) alias rename [0.90-2+], (1) required check, (2) unknown-name check + parse, (3) range check,
(4) dependency checks. No defaults are filled in.

Where the fact sheet is silent (list orders, ranges of internal names, error paths it does not show),
the behaviour was settled by reading and running the container's own validation code for every
branch in its source map; those places say ``# inferred`` (not on the fact sheet).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

from . import errors

VERSIONS: tuple[str, ...] = (
    "0.90-1", "0.90-2", "1.0-1", "1.2-1", "1.2-2", "1.3-1", "1.5-1", "1.7-1", "3.0-5",
)  # fmt: skip


class UncaughtError(errors.ContainerError):
    """A plain Python exception that escapes the container's validation without a toolkit wrapper.

    The container's traceback then ends in ``<kind>: <message>`` (``KeyError: 'objective'``), not in a
    ``sagemaker_algorithm_toolkit.exceptions`` line; ``kind`` is the builtin class name.
    """

    kind = "Exception"

    @property
    def qualified_name(self) -> str:
        return self.kind


class UncaughtKeyError(UncaughtError):
    kind = "KeyError"


class UncaughtSyntaxError(UncaughtError):
    kind = "SyntaxError"


def _at_least(version: str, first: str) -> bool:
    return VERSIONS.index(version) >= VERSIONS.index(first)


def _pick(table: Iterable[tuple[str, Any]], version: str) -> Any:
    """The entry of a (first version, value) table, oldest first, that applies to `version`."""
    chosen = None
    for first, value in table:
        if _at_least(version, first):
            chosen = value
    return chosen


# --- ranges -------------------------------------------------------------------------------------

_INTERVAL = re.compile(r"^([\[(])(\S+), (\S+)([\])])$")


def _number(text: str) -> int | float | None:
    if text in ("-inf", "+inf"):
        return None
    return float(text) if "." in text else int(text)


@cache
def _bounds(text: str) -> tuple[int | float | None, bool, int | float | None, bool]:
    match = _INTERVAL.match(text)
    if match is None:
        raise ValueError(f"not an interval: {text!r}")
    low_bracket, low, high, high_bracket = match.groups()
    return _number(low), low_bracket == "(", _number(high), high_bracket == ")"


@dataclass(frozen=True)
class Interval:
    """A numeric range, written and printed as the container prints it: ``[0, 1]``, ``(0, +inf)``."""

    text: str

    def __post_init__(self) -> None:
        _bounds(self.text)  # fail at import on a typo in the tables

    def __str__(self) -> str:
        return self.text

    def __contains__(self, value: Any) -> bool:
        # Plain comparisons on purpose: a non-number raises TypeError, as in the container (which then
        # reports an AlgorithmError "unexpected failure"); NaN compares False and so passes.
        low, low_open, high, high_open = _bounds(self.text)
        return not (
            (low is not None and (value <= low if low_open else value < low))
            or (high is not None and (value >= high if high_open else value > high))
        )


class Kind(Enum):
    INTEGER = "Integer"  # int(value)
    CONTINUOUS = "Continuous"  # float(value)
    CATEGORICAL = "Categorical"  # the raw string, case-sensitive
    COMMA_LIST = "CommaSeparatedList"  # value.split(",")
    TUPLE = "Tuple"  # monotone_constraints: the container eval()s the string
    NESTED_LIST = "NestedList"  # interaction_constraints: ast.literal_eval


@dataclass(frozen=True)
class Versioned:
    """A range that changes with the version: a (first version, allowed values) table, oldest first."""

    table: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Spec:
    name: str
    kind: Kind
    range: Interval | tuple[Any, ...] | Versioned
    since: str = VERSIONS[0]
    until: str = VERSIONS[-1]

    def printed_range(self) -> str:
        # Categorical and list ranges are Python lists in the container, so they print as one.
        return str(self.range) if isinstance(self.range, Interval) else str(list(self.range))


# --- version-dependent value lists ---------------------------------------------------------------
# Range errors print these lists as Python lists in the container's declaration order, not sorted:
# the fact sheet's own examples start "['aft_loss_distribution', 'binary:logistic', ..." (sorted order
# would put 'binary:hinge' second) and end "... not in ['true', 'false']".

_TRUE_FALSE = ("true", "false")

_OBJECTIVES_0_90 = (
    "binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson", "multi:softmax",
    "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map", "reg:linear", "reg:squarederror",
    "reg:logistic", "reg:gamma", "reg:tweedie", "survival:cox",
)  # fmt: skip
_OBJECTIVES_1_0 = (
    "binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson", "multi:softmax",
    "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map", "reg:linear", "reg:squarederror",
    "reg:logistic", "reg:gamma", "reg:squaredlogerror", "reg:tweedie", "survival:cox",
)  # fmt: skip
# 'aft_loss_distribution' is a bug in the container's list (it is a hyperparameter, not an objective).
_OBJECTIVES_1_2 = (
    "aft_loss_distribution", "binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson",
    "multi:softmax", "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map", "reg:linear",
    "reg:squarederror", "reg:logistic", "reg:gamma", "reg:pseudohubererror", "reg:squaredlogerror",
    "reg:tweedie", "survival:aft", "survival:cox",
)  # fmt: skip
_OBJECTIVES_1_7 = (
    "aft_loss_distribution", "binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson",
    "multi:softmax", "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map", "reg:linear",
    "reg:squarederror", "reg:logistic", "reg:gamma", "reg:pseudohubererror", "reg:squaredlogerror",
    "reg:absoluteerror", "reg:tweedie", "survival:aft", "survival:cox",
)  # fmt: skip
OBJECTIVES = (("0.90-1", _OBJECTIVES_0_90), ("1.0-1", _OBJECTIVES_1_0), ("1.2-1", _OBJECTIVES_1_2),
              ("1.7-1", _OBJECTIVES_1_7))

# (maximize, minimize) metric lists, XGB_MAXIMIZE_METRICS / XGB_MINIMIZE_METRICS of each version.
# accuracy, f1*, precision*, recall*, balanced_accuracy, r2, mae, mse, rmse are the container's own
# ("custom") metrics; the rest go to xgboost. inferred: the order within each list. The fact sheet
# writes the eval_metric error as "... not in range [<metric list>]"; the container prints maximize +
# minimize as one Python list there, e.g. "not in range ['accuracy', 'auc', ...]".
_MIN_1_2 = (
    "aft-nloglik", "cox-nloglik", "error", "gamma-deviance", "gamma-nloglik",
    "interval-regression-accuracy", "logloss", "mae", "merror", "mlogloss", "mphe", "mse",
    "poisson-nloglik", "rmse", "rmsle", "tweedie-nloglik",
)  # fmt: skip
METRICS: tuple[tuple[str, tuple[tuple[str, ...], tuple[str, ...]]], ...] = (
    ("0.90-1", (
        ("accuracy", "auc", "aucpr", "cox-nloglik", "f1", "gamma-nloglik", "map", "ndcg",
         "poisson-nloglik", "tweedie-nloglik"),
        ("error", "gamma-deviance", "logloss", "mae", "merror", "mlogloss", "mse", "rmse"),
    )),
    # 1.0-1 moves the *-nloglik metrics to the minimize list and adds rmsle.
    ("1.0-1", (
        ("accuracy", "auc", "aucpr", "f1", "map", "ndcg"),
        ("cox-nloglik", "error", "gamma-deviance", "gamma-nloglik", "logloss", "mae", "merror",
         "mlogloss", "mse", "poisson-nloglik", "rmse", "rmsle", "tweedie-nloglik"),
    )),
    ("1.2-1", (("accuracy", "auc", "aucpr", "f1", "map", "ndcg", "r2"), _MIN_1_2)),
    ("1.2-2", (("accuracy", "auc", "aucpr", "f1", "f1_binary", "f1_macro", "map", "ndcg", "r2"), _MIN_1_2)),
    ("1.3-1", (
        ("accuracy", "auc", "aucpr", "balanced_accuracy", "f1", "f1_binary", "f1_macro", "map", "ndcg",
         "precision", "r2", "recall", "precision_macro", "precision_micro", "recall_macro", "recall_micro"),
        (*_MIN_1_2[:8], "mape", *_MIN_1_2[8:]),
    )),
)  # fmt: skip

# `updater` range: the container's list, duplicates included (it prints it in range errors).
# grow_quantile_histmaker is accepted by the dependency check (1.0-1+) but is not in this range,
# so it is always rejected here first. inferred: the list itself.
_UPDATER_RANGE_0_90 = (
    "grow_colmaker", "distcol", "grow_histmaker", "grow_local_histmaker", "grow_skmaker", "sync",
    "refresh", "prune", "grow_colmaker", "distcol", "grow_histmaker", "grow_local_histmaker",
    "grow_colmaker", "shotgun", "coord_descent", "refresh", "prune",
)  # fmt: skip
UPDATER_RANGES = (("0.90-1", _UPDATER_RANGE_0_90),
                  ("1.7-1", tuple(u for u in _UPDATER_RANGE_0_90 if u != "grow_local_histmaker")))

TREE_METHODS = (("0.90-1", ("auto", "exact", "approx", "hist")),
                ("1.2-1", ("auto", "exact", "approx", "hist", "gpu_hist")))
PREDICTORS = (("0.90-1", ("cpu_predictor",)), ("1.2-1", ("auto", "cpu_predictor", "gpu_predictor")))
_GPU_FROM = "1.2-1"  # before it, any tree_method/predictor containing "gpu" is refused outright

# --- the schema -----------------------------------------------------------------------------------

EVAL_METRICS = tuple((first, (*maximize, *minimize)) for first, (maximize, minimize) in METRICS)
# Set by HPO; the allowed names are the container's metric definitions, validation:<metric>.
TUNING_METRICS = tuple((first, tuple(f"validation:{m}" for m in names)) for first, names in EVAL_METRICS)

_I, _C, _CAT = Kind.INTEGER, Kind.CONTINUOUS, Kind.CATEGORICAL

_SPECS: tuple[Spec, ...] = (
    Spec("num_round", _I, Interval("[1, +inf)")),
    Spec("csv_weights", _I, Interval("[0, 1]")),
    Spec("early_stopping_rounds", _I, Interval("[1, +inf)")),
    Spec("booster", _CAT, ("gbtree", "gblinear", "dart")),
    Spec("silent", _I, Interval("[0, 1]"), until="1.0-1"),
    Spec("verbosity", _I, Interval("[0, 3]")),
    Spec("nthread", _I, Interval("[1, +inf)")),
    Spec("eta", _C, Interval("[0, 1]")),
    Spec("gamma", _C, Interval("[0, +inf)")),
    Spec("max_depth", _I, Interval("[0, +inf)")),
    Spec("min_child_weight", _C, Interval("[0, +inf)")),
    Spec("max_delta_step", _C, Interval("[0, +inf)")),
    Spec("subsample", _C, Interval("(0, 1]")),
    Spec("colsample_bytree", _C, Interval("(0, 1]")),
    Spec("colsample_bylevel", _C, Interval("(0, 1]")),
    Spec("colsample_bynode", _C, Interval("(0, 1]")),
    Spec("lambda", _C, Interval("[0, +inf)")),
    Spec("alpha", _C, Interval("[0, +inf)")),
    Spec("tree_method", _CAT, Versioned(TREE_METHODS)),
    Spec("sketch_eps", _C, Interval("(0, 1)")),
    Spec("scale_pos_weight", _C, Interval("(0, +inf)")),
    Spec("updater", Kind.COMMA_LIST, Versioned(UPDATER_RANGES)),
    Spec("dsplit", _CAT, ("row", "col")),
    Spec("refresh_leaf", _I, Interval("[0, 1]")),
    Spec("process_type", _CAT, ("default", "update")),
    Spec("grow_policy", _CAT, ("depthwise", "lossguide")),
    Spec("max_leaves", _I, Interval("[0, +inf)")),
    Spec("max_bin", _I, Interval("[0, +inf)")),
    Spec("predictor", _CAT, Versioned(PREDICTORS)),
    Spec("monotone_constraints", Kind.TUPLE, (-1, 0, 1), since="1.0-1"),
    # inferred: the container checks every index against [1, +inf), so feature 0 is refused.
    Spec("interaction_constraints", Kind.NESTED_LIST, Interval("[1, +inf)"), since="1.0-1"),
    Spec("sample_type", _CAT, ("uniform", "weighted")),
    Spec("normalize_type", _CAT, ("tree", "forest")),
    Spec("rate_drop", _C, Interval("[0, 1]")),
    Spec("one_drop", _I, Interval("[0, 1]")),
    Spec("skip_drop", _C, Interval("[0, 1]")),
    Spec("lambda_bias", _C, Interval("[0, 1]")),
    Spec("tweedie_variance_power", _C, Interval("(1, 2)")),
    Spec("objective", _CAT, Versioned(OBJECTIVES)),
    Spec("num_class", _I, Interval("[2, +inf)")),
    Spec("base_score", _C, Interval("[0, +inf)")),
    # inferred: the ranges of the three internal cross-validation names.
    Spec("_nfold", _I, Interval("[2, +inf)"), since="1.2-1", until="1.2-1"),
    Spec("_kfold", _I, Interval("[2, +inf)"), since="1.2-2"),
    Spec("_num_cv_round", _I, Interval("[1, +inf)"), since="1.2-2"),
    Spec("_tuning_objective_metric", _CAT, Versioned(TUNING_METRICS)),
    Spec("eval_metric", Kind.COMMA_LIST, Versioned(EVAL_METRICS)),
    Spec("seed", _I, Interval("(-2147483648, 2147483647)")),
    Spec("num_parallel_tree", _I, Interval("[1, +inf)"), since="0.90-2"),
    Spec("save_model_on_termination", _CAT, _TRUE_FALSE, since="1.0-1"),
    Spec("aft_loss_distribution", _CAT, ("normal", "logistic", "extreme"), since="1.2-1"),
    Spec("aft_loss_distribution_scale", _C, Interval("[0, +inf)"), since="1.2-1"),
    Spec("single_precision_histogram", _CAT, _TRUE_FALSE, since="1.2-1", until="1.5-1"),
    Spec("deterministic_histogram", _CAT, _TRUE_FALSE, since="1.2-1"),
    Spec("sampling_method", _CAT, ("uniform", "gradient_based"), since="1.3-1"),
    # inferred: an Integer whose bound is the float 1.0, hence "(1.0, +inf)" in its message.
    Spec("prob_buffer_row", _I, Interval("(1.0, +inf)"), since="1.3-1"),
    Spec("use_dask_gpu_training", _CAT, _TRUE_FALSE, since="1.5-1"),
)

ALIASES: dict[str, str] = {"learning_rate": "eta", "min_split_loss": "gamma", "reg_lambda": "lambda",
                           "reg_alpha": "alpha"}
_ALIASES_FROM = "0.90-2"
_REQUIRED = ("num_round",)


def _checked(version: str) -> str:
    if version not in VERSIONS:
        raise ValueError(f"unknown XGBoost container version {version!r}; expected one of {VERSIONS}")
    return version


@cache
def _schema(version: str) -> dict[str, Spec]:
    schema = {}
    for spec in _SPECS:
        if _at_least(version, spec.since) and _at_least(spec.until, version):
            if isinstance(spec.range, Versioned):
                spec = Spec(spec.name, spec.kind, _pick(spec.range.table, version))
            schema[spec.name] = spec
    return schema


def eval_metrics(version: str) -> tuple[str, ...]:
    """The eval_metric names `version` accepts (besides error@t, ndcg@t, map@t), in its own order."""
    return _pick(EVAL_METRICS, _checked(version))


def schema_names(version: str) -> frozenset[str]:
    """Every hyperparameter name the version accepts (aliases included)."""
    names = set(_schema(_checked(version)))
    if _at_least(version, _ALIASES_FROM):
        names.update(ALIASES)
    return frozenset(names)


# --- step 2: parse --------------------------------------------------------------------------------


def _literal(spec: Spec, raw: str) -> Any:
    try:
        return ast.literal_eval(raw)
    except SyntaxError as e:
        # Not a ValueError, so the container does not wrap it. inferred: its text depends on the
        # container's Python version.
        raise UncaughtSyntaxError(str(e)) from None
    except ValueError as e:
        # inferred: for monotone_constraints the container eval()s the string, so a non-literal would
        # die with a NameError or the like; the emulator evaluates no user string and reports this.
        raise errors.UserError(f"Hyperparameter {spec.name}: could not parse value", caused_by=e,
                               context=f"ValueError: {e}") from None


_PARSERS: dict[Kind, Callable[[str], Any]] = {
    Kind.INTEGER: int,  # so "10.0" is refused
    Kind.CONTINUOUS: float,
    Kind.CATEGORICAL: lambda raw: raw,
    Kind.COMMA_LIST: lambda raw: raw.split(","),  # no strip: "auc, logloss" gives " logloss"
}


def _parse(spec: Spec, raw: str) -> Any:
    if spec.kind in (Kind.TUPLE, Kind.NESTED_LIST):
        return _literal(spec, raw)
    try:
        return _PARSERS[spec.kind](raw)
    except ValueError as e:
        raise errors.UserError(f"Hyperparameter {spec.name}: could not parse value", caused_by=e,
                               context=f"ValueError: {e}") from None


# --- step 3: range --------------------------------------------------------------------------------

_THRESHOLD_METRICS = ("error", "ndcg", "map")


def _metric_in_range(metric: str, allowed: tuple[str, ...]) -> bool:
    if "<function" in metric:
        raise errors.UserError(f"User defined evaluation metric {metric} is not supported yet.")
    if "@" not in metric:
        return metric in allowed
    name, threshold = (part.strip() for part in metric.split("@")[:2])
    if name not in _THRESHOLD_METRICS:
        raise errors.UserError(
            f"Metric '{metric}' is not supported. Parameter 'eval_metric' with customized threshold "
            "should be one of these options: 'error', 'ndcg', 'map'."
        )
    try:
        float(threshold)
    except ValueError as e:
        raise errors.UserError(f"Threshold value 't' in '{name}@t' expects float input.",
                               context=f"ValueError: {e}") from None
    return True


def _element_in_range(spec: Spec, element: Any, version: str) -> bool:
    if spec.name in ("tree_method", "predictor") and not _at_least(version, _GPU_FROM) and "gpu" in element:
        raise errors.UserError("GPU training is not supported yet.")
    if spec.name == "eval_metric":
        return _metric_in_range(element, spec.range)
    return element in spec.range


def _check_range(spec: Spec, value: Any, version: str) -> None:
    if spec.kind in (Kind.INTEGER, Kind.CONTINUOUS, Kind.CATEGORICAL):
        if not _element_in_range(spec, value, version):
            raise errors.UserError(f"Hyperparameter {spec.name}: {value} is not in {spec.printed_range()}")
        return
    elements = [e for outer in value for e in outer] if spec.kind is Kind.NESTED_LIST else value
    # Every element is checked before the verdict (the container builds the whole list first), so an
    # eval_metric error raised by a later element wins over an earlier element that is merely unknown.
    verdicts = [_element_in_range(spec, e, version) for e in elements]
    if not all(verdicts):
        raise errors.UserError(
            f"Hyperparameter {spec.name}: value {value} not in range {spec.printed_range()}"
        )


def _check_range_wrapped(spec: Spec, value: Any, version: str) -> None:
    try:
        _check_range(spec, value, version)
    except errors.UserError:
        raise
    except Exception as e:  # the container turns anything else into an AlgorithmError
        raise errors.AlgorithmError(f"Hyperparameter {spec.name}: unexpected failure when validating {value}",
                                    caused_by=e, context=f"{type(e).__name__}: {e}") from None


# --- step 4: dependencies -------------------------------------------------------------------------

DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "updater": ("booster", "process_type"),
    "objective": ("num_class",),
    "eval_metric": ("objective",),
    "monotone_constraints": ("tree_method",),
    "interaction_constraints": ("tree_method",),
}


def _dependency_order(names: Iterable[str]) -> list[str]:
    """The container's order: depth-first in the user's order, each name after what it depends on."""
    names = list(names)
    present, seen, order = set(names), set(), []

    def visit(name: str) -> None:
        seen.add(name)
        for dep in DEPENDENCIES.get(name, ()):
            if dep in present and dep not in seen:
                visit(dep)
        order.append(name)

    for name in names:
        if name not in seen:
            visit(name)
    return order


def _check_objective(value: str, deps: Mapping[str, Any], version: str) -> None:
    if value in ("multi:softmax", "multi:softprob") and deps.get("num_class") is None:
        raise errors.UserError("Require input for parameter 'num_class' for multi-classification")


def _objective_of(deps: Mapping[str, Any]) -> str:
    # The container indexes dependencies["objective"]: without an objective it dies with a bare KeyError.
    if "objective" not in deps:
        raise UncaughtKeyError("'objective'")
    return deps["objective"]


def _check_eval_metric(value: list[str], deps: Mapping[str, Any], version: str) -> None:
    # 0.90-x/1.0-1 look the objective up only for auc; 1.2-1+ always do (so any eval_metric needs one).
    objective = _objective_of(deps) if _at_least(version, "1.2-1") or "auc" in value else ""
    if "auc" in value and not objective.startswith(("binary:", "rank:")):
        raise errors.UserError("Metric 'auc' can only be applied for classification and ranking problems.")
    if _at_least(version, "1.2-1") and "aft-nloglik" in value and objective != "survival:aft":
        raise errors.UserError("Metric 'aft-nloglik' can only be applied for 'survival:aft' objective.")


def _check_tree_method_for(name: str, allowed: tuple[str, ...], wording: str) -> Callable[..., None]:
    def check(value: Any, deps: Mapping[str, Any], version: str) -> None:
        if deps.get("tree_method") not in allowed:
            raise errors.UserError(
                f"{name} can be used only when the tree_method parameter is set to {wording}."
            )

    return check


@dataclass(frozen=True)
class _UpdaterRules:
    tree_plugins: frozenset[str]
    grow_plugins: frozenset[str]
    tree_message: str
    one_grow_message: str


_TREE_MSG = (
    "Tree updater should be selected from these options: {}, 'sync', 'refresh', 'prune', 'shortgun', "
    "'coord_descent'."
)
# The missing space in "thefollowing" is the container's.
_ONE_GROW_MSG = "Only one tree grow plugin can be selected. Choose one from thefollowing: {}"
_GROW_0_90 = ("grow_colmaker", "distcol", "grow_histmaker", "grow_local_histmaker", "grow_skmaker")
_GROW_1_7 = ("grow_colmaker", "distcol", "grow_histmaker", "grow_skmaker")


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _updater_rules(grow: tuple[str, ...], quantile: bool) -> _UpdaterRules:
    tree_listed = (*grow, "grow_quantile_histmaker") if quantile else grow
    # grow_skmaker is listed as a grow plugin in the message but not counted as one.
    counted = {*grow, "grow_quantile_histmaker"} if quantile else set(grow)
    return _UpdaterRules(
        tree_plugins=frozenset({*tree_listed, "sync", "refresh", "prune"}),
        grow_plugins=frozenset(counted - {"grow_skmaker"}),
        tree_message=_TREE_MSG.format(_quoted(tree_listed)),
        one_grow_message=_ONE_GROW_MSG.format(_quoted(grow)),
    )


UPDATER_RULES = (("0.90-1", _updater_rules(_GROW_0_90, quantile=False)),
                 ("1.0-1", _updater_rules(_GROW_0_90, quantile=True)),
                 ("1.7-1", _updater_rules(_GROW_1_7, quantile=True)))

# The container formats a generator object into this message, so it is garbled and carries a memory
# address. inferred: the address differs in every real run; a fixed one stands in for it.
_GENERATOR_REPR = (
    "<generator object initialize.<locals>.updater_validator.<locals>.<genexpr> at 0x7f0000000000>"
)
_LINEAR_UPDATER_MESSAGE = "Linear updater should be one of these options: {}.".format(
    ", ".join(f"'{_GENERATOR_REPR}'")
)


def _check_updater(value: list[str], deps: Mapping[str, Any], version: str) -> None:
    rules: _UpdaterRules = _pick(UPDATER_RULES, version)
    if deps.get("booster") == "gblinear":
        if not (len(value) == 1 and value[0] in ("shotgun", "coord_descent")):
            raise errors.UserError(_LINEAR_UPDATER_MESSAGE)
    elif deps.get("process_type") == "update":
        if not all(u in ("refresh", "prune") for u in value):
            raise errors.UserError(
                "process_type 'update' can only be used with updater 'refresh' and 'prune'"
            )
    else:
        if not all(u in rules.tree_plugins for u in value):
            raise errors.UserError(rules.tree_message)
        if sum(u in rules.grow_plugins for u in value) > 1:
            raise errors.UserError(rules.one_grow_message)


_DEPENDENCY_CHECKS: dict[str, Callable[[Any, Mapping[str, Any], str], None]] = {
    "updater": _check_updater,
    "objective": _check_objective,
    "eval_metric": _check_eval_metric,
    "monotone_constraints": _check_tree_method_for(
        "monotone_constraints", ("exact", "hist"), "either 'exact' or 'hist'"),
    "interaction_constraints": _check_tree_method_for(
        "interaction_constraints", ("exact", "hist", "approx"), "either 'exact', 'hist' or 'approx'"),
}


# --- the whole validation -------------------------------------------------------------------------


def _rename_aliases(raw: Mapping[str, str], version: str) -> dict[str, str]:
    if not _at_least(version, _ALIASES_FROM):
        return dict(raw)
    renamed: dict[str, str] = {}
    for name, value in raw.items():
        renamed[ALIASES.get(name, name)] = value  # an alias after its canonical name overrides it
    return renamed


def validate_hyperparameters(version: str, raw: dict[str, str]) -> dict[str, object]:
    """Validate as the container of `version` does; return the parsed values.

    Alias names come back under their canonical names; ints as int, floats as float, categoricals as
    str, comma lists (updater, eval_metric) as list[str], monotone_constraints as a tuple,
    interaction_constraints as nested lists. The dict is in the container's (dependency) order.
    Raises errors.UserError with the container's exact message on the first problem; a few container
    paths raise errors.AlgorithmError or an UncaughtError instead, as the container does.
    Raises ValueError for a version not in VERSIONS.
    """
    schema = _schema(_checked(version))
    given = _rename_aliases(raw, version)

    for name in _REQUIRED:
        if name not in given:
            raise errors.UserError(f"Missing required hyperparameter: {name}")

    parsed: dict[str, Any] = {}
    for name, value in given.items():
        if name not in schema:
            raise errors.UserError(f"Extraneous hyperparameter found: {name}", context=f"KeyError: {name!r}")
        parsed[name] = _parse(schema[name], value)

    for name, value in parsed.items():
        _check_range_wrapped(schema[name], value, version)

    validated: dict[str, object] = {}
    for name in _dependency_order(parsed):
        check = _DEPENDENCY_CHECKS.get(name)
        if check is not None:
            deps = {d: validated[d] for d in DEPENDENCIES[name] if d in validated}
            check(parsed[name], deps, version)
        validated[name] = parsed[name]
    return validated
