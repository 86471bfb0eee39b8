"""Which SageMaker Python SDK is installed, which one a lab's code is written for, and whether it runs.

SDK 3 removed ``sagemaker.estimator``, ``sagemaker.inputs``, ``sagemaker.image_uris`` and
``sagemaker.session`` (and with them ``Estimator`` and ``TrainingInput``), so a lab written for SDK 2
stops at its first import on a machine where ``pip install sagemaker`` brought SDK 3. The code is read,
not run: its imports and ``sagemaker.x.y`` attribute paths are checked against the installed SDK.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import warnings
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

# Modules that only one major has (from the SDK facts); anything else under `sagemaker` is looked up.
SDK2_MODULES = ("sagemaker.estimator", "sagemaker.inputs", "sagemaker.image_uris", "sagemaker.session",
                "sagemaker.predictor", "sagemaker.model", "sagemaker.xgboost", "sagemaker.debugger")
SDK3_MODULES = ("sagemaker.core", "sagemaker.train", "sagemaker.serve", "sagemaker.mlops")
# Names SDK 2 exports from the top-level package, gone with SDK 3's namespace package.
SDK2_TOP_LEVEL = frozenset({"Session", "get_execution_role", "image_uris", "estimator", "inputs", "session",
                            "TrainingInput", "Estimator", "Model", "Predictor", "s3", "LocalSession"})


@dataclass
class SdkUse:
    """What a piece of code uses from the SDK: dotted names with the line they are on."""

    names: dict[str, int] = field(default_factory=dict)

    @property
    def written_for(self) -> int | None:
        return major_of(self.names)


def major_of(names) -> int | None:
    """The SDK major that has ``names``, judged by the modules only one major has."""
    if any(name.startswith(SDK3_MODULES) for name in names):
        return 3
    if any(name.startswith(SDK2_MODULES) or name.removeprefix("sagemaker.") in SDK2_TOP_LEVEL for name in names):
        return 2
    return None


def installed() -> str | None:
    try:
        return version("sagemaker")
    except PackageNotFoundError:
        return None


def major(version_text: str | None) -> int | None:
    return int(version_text.split(".")[0]) if version_text else None


def uses(source: str) -> SdkUse:
    """The SDK names ``source`` imports, or reaches through attributes of an imported SDK module."""
    found = SdkUse()
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return found
    aliases: dict[str, str] = {}  # a local name bound by `import sagemaker...` -> the module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sagemaker":
                    found.names.setdefault(alias.name, node.lineno)
                    local = alias.asname or alias.name.split(".")[0]
                    aliases[local] = alias.name if alias.asname else "sagemaker"
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sagemaker":
            for alias in node.names:
                found.names.setdefault(f"{node.module}.{alias.name}", node.lineno)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "client" \
                and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == "sagemaker":
            found.names.setdefault("boto3:sagemaker-client", node.lineno)  # the API without the SDK
        if isinstance(node, ast.Attribute):
            dotted = _dotted(node)
            root, _, rest = (dotted or "").partition(".")
            if root in aliases and rest:
                found.names.setdefault(f"{aliases[root]}.{rest}", node.lineno)
    return found


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def resolves(name: str) -> bool:
    """Whether ``name`` (a module, or a module's attribute) exists in the installed SDK."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                spec = importlib.util.find_spec(module_name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            continue
        if cut == len(parts):
            return True
        # An attribute of a module that exists: ask the module (this imports it). SDK 3 keeps shims of
        # the removed modules that warn and fail; the warning is this check's answer, not the user's.
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = importlib.import_module(module_name)
        except Exception:
            return False
        target = module
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def sdk_names(found: SdkUse) -> list[tuple[str, int]]:
    """The SageMaker SDK names of ``found`` (not boto3's client), in line order."""
    return sorted(((name, line) for name, line in found.names.items() if not name.startswith("boto3:")),
                  key=lambda item: item[1])


def missing(found: SdkUse) -> list[tuple[str, int]]:
    """The SDK names the code uses that the installed SDK does not have, with their lines."""
    return [(name, line) for name, line in sdk_names(found) if not resolves(name)]


def probe(source: str) -> dict:
    """The evidence the ``sagemaker_sdk_compatible`` stage judges, from the interpreter that runs it."""
    import sys

    found = uses(source)
    installed_version = installed()
    absent = missing(found) if installed_version else sdk_names(found)
    return {
        "python": sys.executable,
        "installed": installed_version,
        "major": major(installed_version),
        # What the failing part of the code is written for, else what the code as a whole is.
        "written_for": major_of([name for name, _ in absent]) or found.written_for,
        "uses": sorted(found.names),
        "missing": absent,
    }


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    json.dump(probe(Path(sys.argv[1]).read_text(encoding="utf-8")), sys.stdout)
