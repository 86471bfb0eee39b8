#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image (Ubuntu 22.04 by default).
# The autograder zip holds, at its root: setup.sh, run_autograder, and course/ (a copy of the course's
# repository: pyproject.toml, pytest_sagemaker_lab/, lab_steps/). Gradescope unpacks it in /autograder/source.
# See README.md, "Rosters, LMS gradebooks and autograders", and docs/facts/grading-formats.md.
set -euo pipefail

apt-get install -y python3 python3-venv python3-pip
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --upgrade pip
# The plugin, its labs and what they need (xgboost, moto, the SageMaker SDK, a Jupyter kernel, bubblewrap).
/autograder/venv/bin/pip install /autograder/source/course
