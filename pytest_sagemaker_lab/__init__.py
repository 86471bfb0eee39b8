"""pytest-sagemaker-lab: verify Amazon SageMaker course labs, offline or live.

Kept import-free on purpose: pytest loads the plugin in every run, used or not.
"""

__version__ = "0.1.0"
