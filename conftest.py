"""Root conftest: lets `pytest` run from a source checkout whose package is not installed.

When the distribution is installed, pytest loads the plugin through its `pytest11` entry point and
this file does nothing; registering it twice would be an error.
"""

from importlib.metadata import PackageNotFoundError, distribution

try:
    distribution("pytest-sagemaker-lab")
except PackageNotFoundError:
    pytest_plugins = ["pytest_sagemaker_lab.plugin"]
