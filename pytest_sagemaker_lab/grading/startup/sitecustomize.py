# Loaded first in every Python process a submission starts (PYTHONPATH points here): see grading.bootstrap.
# The plugin is loaded from the folder above this one, not looked up on sys.path: a course's kernel
# (--lab-kernel) is an interpreter that does not have it installed, and in a sandbox only the plugin's own
# folder is there. (grading/launch.py loads it the same way for the bridge and the evidence process.)
import importlib.util as _util
import os as _os
import sys as _sys

try:
    if "pytest_sagemaker_lab" not in _sys.modules:
        _folder = _os.path.dirname(_os.path.dirname(_os.path.dirname(_os.path.abspath(__file__))))
        _spec = _util.spec_from_file_location("pytest_sagemaker_lab", _os.path.join(_folder, "__init__.py"),
                                              submodule_search_locations=[_folder])
        _module = _util.module_from_spec(_spec)
        _sys.modules["pytest_sagemaker_lab"] = _module
        _spec.loader.exec_module(_module)
    import pytest_sagemaker_lab.grading.bootstrap  # noqa: F401
except BaseException as _error:
    # Python would print the error and go on without the guard and the patches: no learner code runs so.
    _sys.stderr.write(f"pytest-sagemaker-lab: the grader's bootstrap could not be loaded in {_sys.executable} "
                      f"({type(_error).__name__}: {_error}); the process ends\n")
    _sys.stderr.flush()
    _os._exit(70)
