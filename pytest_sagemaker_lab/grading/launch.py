"""Runs one of the plugin's modules in an interpreter that need not have the plugin installed.

``python -I .../pytest_sagemaker_lab/grading/launch.py MODULE [ARG...]`` runs MODULE (the sandbox's
``bridge``, the ``evidence`` process) as ``__main__``, the plugin loaded from the folder this file is
in. A course's kernel (``--lab-kernel``) is a Python environment of the course's own: the plugin is not
installed there, and in a sandbox only the plugin's own folder is bound in, not the folder above it
(an editable install's checkout, the labs' reference solutions in it). Isolated (``-I``), the folder of
this script is not on ``sys.path`` either: nothing beside it can be imported by accident.

``startup/sitecustomize.py`` loads the plugin the same way in every process of a submission.
"""

from __future__ import annotations

import importlib.util
import os
import runpy
import sys

PACKAGE = "pytest_sagemaker_lab"


def load_plugin() -> None:
    """The plugin's package, from this file's folder, as ``pytest_sagemaker_lab`` (once)."""
    if PACKAGE in sys.modules:
        return
    folder = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    spec = importlib.util.spec_from_file_location(PACKAGE, os.path.join(folder, "__init__.py"),
                                                  submodule_search_locations=[folder])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = module
    spec.loader.exec_module(module)


def main() -> None:
    if len(sys.argv) < 2 or not sys.argv[1].startswith(PACKAGE + "."):
        sys.exit(f"usage: python -I {__file__} {PACKAGE}.MODULE [ARG...]")
    load_plugin()
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
