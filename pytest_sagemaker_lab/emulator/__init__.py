"""Offline emulation of SageMaker training jobs: moto for the API, real XGBoost for the container."""
