"""A lab's specification, read from the ``lab.toml`` beside its stage module.

The spec is data: what the learner must build (image, hyperparameters, channels, job name) and what
the lab starts from (the bucket's data objects). The checks compare the account against it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .messages import Hint, StageFailure

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SPEC_FILE = "lab.toml"
FREE_PARTS = ("image", "instance", "output", "channels")


class SpecError(Exception):
    """The lab.toml is missing a field or has a wrong one; the message names the file and the fix."""


@dataclass(frozen=True)
class ChannelSpec:
    name: str
    key: str  # the object's key under the lab's prefix
    content_type: str


@dataclass(frozen=True)
class LabSpec:
    id: str
    title: str
    title_zh: str
    directory: Path
    region: str
    prefix: str
    framework: str
    version: str
    instance_type: str
    instance_count: int
    output_path: str  # a template with {bucket} and {prefix}
    job_name_prefix: str
    job_name_pattern: re.Pattern[str] | None
    hyperparameters: dict[str, str]
    channels: tuple[ChannelSpec, ...]
    data_generator: str  # "file.py:function", relative to the lab's directory
    solutions: dict[str, str] = field(default_factory=dict)  # SDK major -> file
    # A lab that goes on from another one ([world] after): that lab's spec, whose data and completed
    # training job are in the world before this lab's code runs.
    after: LabSpec | None = None
    # Lab-specific tables the lab's own stages read ([transform], [tuning], ...), as written.
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    hints: dict[str, Hint] = field(default_factory=dict)  # [hints.<id>]: this lab's own hint texts
    titles: dict[str, Hint] = field(default_factory=dict)  # [titles.<stage id>]: what each stage checks, in words
    # [grading] free: the parts of the training job whose difference the config stage reports without
    # taking its point ("image", "instance", "output", "channels", "hyperparameter:<name>").
    free_differences: frozenset[str] = frozenset()
    # A hyperparameter the lab lets the learner choose among (`eval_metric = ["logloss", "error"]`): every
    # value it accepts; ``hyperparameters`` holds the first, the reference's.
    accepted: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # [kernel] requires: what the kernel submissions run in must have installed, as pip requirement strings
    # (--lab-kernel-check reports what a kernel lacks).
    kernel_requires: tuple[str, ...] = ()

    def accepted_values(self, name: str) -> tuple[str, ...]:
        return self.accepted.get(name) or (self.hyperparameters[name],)

    @property
    def trains(self) -> bool:
        """Whether the learner's code makes a training job of its own ([training] is in lab.toml)."""
        return self.job_name_pattern is not None

    def table(self, name: str) -> dict[str, Any]:
        try:
            return self.tables[name]
        except KeyError:
            raise SpecError(f"{self.directory / SPEC_FILE}: missing table [{name}], which this lab's stages "
                            "read") from None

    def fail(self, hint_id: str, message: str, /, **fields: Any) -> StageFailure:
        """A stage's failure with this lab's hint text for ``hint_id`` (else the generic one)."""
        return StageFailure(hint_id, message, hints=self.hints, **fields)

    def object_key(self, channel: ChannelSpec, prefix: str | None = None) -> str:
        return f"{prefix if prefix is not None else self.prefix}/{channel.key}"

    def output_uri(self, bucket: str, prefix: str | None = None) -> str:
        return self.output_path.format(bucket=bucket, prefix=prefix if prefix is not None else self.prefix)

    def solution_path(self, sdk: str = "2") -> Path:
        try:
            return self.directory / self.solutions[sdk]
        except KeyError:
            raise SpecError(f"{self.directory / SPEC_FILE}: no solution for SDK {sdk} "
                            f"(add it under [solutions])") from None

    def generate_data(self) -> dict[str, bytes]:
        """The lab's starting data: object key (relative to the prefix) -> content."""
        return _load_callable(self.directory, self.data_generator)()


def _require(table: dict, name: str, path: Path, kind: type = str):
    if name not in table:
        raise SpecError(f"{path}: missing key {name!r}; add it (see lab_steps/lab4_1/lab.toml)")
    value = table[name]
    if not isinstance(value, kind):
        raise SpecError(f"{path}: {name!r} must be a {kind.__name__}, got {value!r}")
    return value


@functools.cache
def load_spec(directory: Path) -> LabSpec:
    path = Path(directory) / SPEC_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"{path}: no lab spec; a lab directory needs a {SPEC_FILE}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from None
    lab = _require(raw, "lab", path, dict)
    training = raw.get("training")
    after = None
    if "world" in raw and "after" in raw["world"]:
        after = load_spec((Path(directory) / _require(raw["world"], "after", path)).resolve())
        if not after.trains:
            raise SpecError(f"{path}: [world] after names {after.directory}, which makes no training job")
    hints = {}
    for hint_id, texts in raw.get("hints", {}).items():
        if not isinstance(texts, dict):
            raise SpecError(f"{path}: [hints.{hint_id}] must be a table with en and zh_tw")
        hints[hint_id] = Hint(_require(texts, "en", path), _require(texts, "zh_tw", path))
    titles = {}
    for stage_id, texts in raw.get("titles", {}).items():
        if not isinstance(texts, dict):
            raise SpecError(f"{path}: [titles.{stage_id}] must be a table with en and zh_tw")
        titles[stage_id] = Hint(_require(texts, "en", path), _require(texts, "zh_tw", path))
    free = raw.get("grading", {}).get("free", [])
    for part in free:
        if part not in FREE_PARTS and not (isinstance(part, str) and part.startswith("hyperparameter:")):
            raise SpecError(f"{path}: [grading] free lists {part!r}; name a part of the training job: "
                            f"{', '.join(FREE_PARTS)} or hyperparameter:<name>")
    known = {"lab", "training", "hyperparameters", "channels", "solutions", "world", "hints", "titles", "kernel",
             "grading"}
    common = dict(
        id=_require(lab, "id", path),
        title=_require(lab, "title", path),
        title_zh=lab.get("title_zh", ""),
        directory=Path(directory).resolve(),
        region=_require(lab, "region", path),
        prefix=_require(lab, "prefix", path),
        data_generator=_require(_require(raw, "data", path, dict), "generator", path),
        solutions={str(k): v for k, v in raw.get("solutions", {}).items()},
        after=after,
        tables={name: table for name, table in raw.items() if name not in known and isinstance(table, dict)},
        hints=hints,
        titles=titles,
        free_differences=frozenset(free),
        kernel_requires=_kernel_requires(raw.get("kernel", {}), path),
    )
    if training is None:  # a lab that is not a training job of its own (it evaluates, transforms, tunes)
        return LabSpec(framework="", version="", instance_type="", instance_count=0, output_path="",
                       job_name_prefix="", job_name_pattern=None, hyperparameters={}, channels=(), **common)
    if not isinstance(training, dict):
        raise SpecError(f"{path}: [training] must be a table")
    channels = tuple(
        ChannelSpec(_require(c, "name", path), _require(c, "key", path), c.get("content_type", "text/csv"))
        for c in _require(raw, "channels", path, list)
    )
    hyperparameters = _require(raw, "hyperparameters", path, dict)
    for name, value in hyperparameters.items():
        if isinstance(value, list) and not value:
            raise SpecError(f"{path}: hyperparameter {name!r} lists no accepted value")
    pattern = _require(training, "job_name_pattern", path)
    try:
        job_name_pattern = re.compile(pattern)
    except re.error as exc:
        raise SpecError(f"{path}: job_name_pattern is not a regular expression: {exc}") from None
    return LabSpec(
        framework=_require(training, "framework", path),
        version=_require(training, "version", path),
        instance_type=_require(training, "instance_type", path),
        instance_count=_require(training, "instance_count", path, int),
        output_path=_require(training, "output_path", path),
        job_name_prefix=_require(training, "job_name_prefix", path),
        job_name_pattern=job_name_pattern,
        hyperparameters={k: str(v[0] if isinstance(v, list) else v) for k, v in hyperparameters.items()},
        accepted={k: tuple(str(item) for item in v) for k, v in hyperparameters.items() if isinstance(v, list)},
        channels=channels,
        **common,
    )


def _kernel_requires(table: Any, path: Path) -> tuple[str, ...]:
    """[kernel] requires, each a pip requirement string (``"xgboost>=1.2"``)."""
    from packaging.requirements import InvalidRequirement, Requirement

    requires = table.get("requires", []) if isinstance(table, dict) else None
    if not isinstance(requires, list) or not all(isinstance(item, str) for item in requires):
        raise SpecError(f"{path}: [kernel] requires must be a list of pip requirement strings, such as "
                        "requires = [\"sagemaker>=2.200,<3\", \"xgboost>=1.2\"]")
    for item in requires:
        try:
            Requirement(item)
        except InvalidRequirement as exc:
            why = str(exc).splitlines()[0]
            raise SpecError(f"{path}: [kernel] requires: {item!r} is not a pip requirement ({why}); write it as "
                            "pip does, such as \"xgboost>=1.2\"") from None
    return tuple(requires)


def find_spec_dir(path: Path) -> Path | None:
    """The nearest directory at or above ``path`` that holds a lab.toml."""
    for candidate in (path, *path.parents):
        if (candidate / SPEC_FILE).is_file():
            return candidate
    return None


def _load_callable(directory: Path, reference: str) -> Callable[[], dict[str, bytes]]:
    filename, _, function = reference.partition(":")
    path = directory / filename
    # Named after the full path: two copies of a lab (a course's variants, tests) never share a module.
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"_sagemaker_lab_{path.stem}_{digest}"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise SpecError(f"{directory / SPEC_FILE}: data generator {reference!r} is not a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    try:
        return getattr(module, function)
    except AttributeError:
        raise SpecError(f"{path}: has no function {function!r} (named by data.generator)") from None
