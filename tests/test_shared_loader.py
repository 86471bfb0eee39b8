"""Offline, every botocore session shares one data loader: the service models are parsed once."""

from __future__ import annotations

import boto3
import botocore.session

from pytest_sagemaker_lab import shared_loader

from .conftest import LAB41


def _loader(session: boto3.Session):
    return session._session.get_component("data_loader")


def test_sessions_share_one_loader_while_installed_and_not_after():
    shared_loader.install()
    try:
        first, second = boto3.Session(region_name="us-east-1"), boto3.Session(region_name="eu-west-1")
        assert _loader(first) is _loader(second)
        assert botocore.session.Session().get_component("data_loader") is _loader(first)
        # boto3 adds its resource models to its session's loader: once, however many sessions share it.
        paths = _loader(first).search_paths
        assert len(paths) == len(set(paths))
        assert any(path.endswith("boto3/data") for path in paths)
        # What one session loaded, another gets without parsing it again, and it is a working model.
        model = _loader(first).load_service_model("sagemaker", "service-2")
        assert _loader(second).load_service_model("sagemaker", "service-2") is model
        assert second.client("sagemaker").meta.service_model.operation_model("CreateTrainingJob")
    finally:
        shared_loader.uninstall()
    assert _loader(boto3.Session()) is not _loader(boto3.Session())


def test_the_offline_world_shares_it_and_gives_it_back():
    from pytest_sagemaker_lab.backends import offline_world
    from pytest_sagemaker_lab.spec import load_spec

    with offline_world(load_spec(LAB41), seed=False):
        assert _loader(boto3.Session()) is _loader(boto3.Session())
    assert _loader(boto3.Session()) is not _loader(boto3.Session())


def test_a_world_inside_a_served_one_leaves_the_server_its_shared_loader():
    from pytest_sagemaker_lab.backends import offline_world
    from pytest_sagemaker_lab.emulator.server import local_server
    from pytest_sagemaker_lab.spec import load_spec

    with local_server():
        with offline_world(load_spec(LAB41), seed=False):
            pass
        # The server's sessions (each request's) still share the loader after the inner world ended.
        assert _loader(boto3.Session()) is _loader(boto3.Session())
    assert _loader(boto3.Session()) is not _loader(boto3.Session())
