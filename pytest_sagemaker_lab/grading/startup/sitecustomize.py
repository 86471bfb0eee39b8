# Loaded first in every Python process a submission starts (PYTHONPATH points here): see grading.bootstrap.
import pytest_sagemaker_lab.grading.bootstrap  # noqa: F401
