"""Endpoints offline: their states, InvokeEndpoint answering with the endpoint's own model in each image
version's real-time format, the runtime's errors, and SDK 2's deploy/predict/delete_endpoint."""

from __future__ import annotations

import json
import time

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError

from .conftest import needs_sdk2
from .jobs import IMAGE, ROLE, create, wait

ROWS = b"1.5,3.25\n2.5,6.25\n0.5,0.25"


def _endpoint(sagemaker, name: str, version: str = "1.2-2", model_data: str | None = None) -> dict:
    if model_data is None:
        create(sagemaker, name, version=version)
        model_data = wait(sagemaker, name)["ModelArtifacts"]["S3ModelArtifacts"]
    sagemaker.create_model(ModelName=name, ExecutionRoleArn=ROLE,
                           PrimaryContainer={"Image": IMAGE.format(version), "ModelDataUrl": model_data})
    sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.xlarge", "InitialVariantWeight": 1}])
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)
    assert sagemaker.describe_endpoint(EndpointName=name)["EndpointStatus"] in ("Creating", "InService")
    return _settled(sagemaker, name)


def _settled(sagemaker, name: str) -> dict:
    while True:
        endpoint = sagemaker.describe_endpoint(EndpointName=name)
        if endpoint["EndpointStatus"] not in ("Creating", "Updating"):
            return endpoint
        time.sleep(0.01)


def _runtime():
    return boto3.client("sagemaker-runtime", region_name="us-east-1")


@pytest.mark.parametrize(("version", "expected_lines"), [("1.2-1", 1), ("1.2-2", 3), ("1.7-1", 3)])
def test_an_endpoint_answers_with_its_models_predictions_in_the_images_format(aws, version, expected_lines):
    sagemaker, _, _ = aws
    endpoint = _endpoint(sagemaker, f"ep-{version.replace('.', '')}", version)
    assert endpoint["EndpointStatus"] == "InService"
    answer = _runtime().invoke_endpoint(EndpointName=endpoint["EndpointName"], ContentType="text/csv", Body=ROWS)
    text = answer["Body"].read().decode()
    assert answer["ContentType"] == "text/csv" and answer["InvokedProductionVariant"] == "AllTraffic"
    assert len(text.strip().split("\n")) == expected_lines  # one comma-joined line up to 1.2-1
    values = [float(v) for v in text.replace("\n", ",").strip(",").split(",")]
    assert len(values) == 3 and all(0 < v < 1 for v in values)


def test_json_accept_from_1_2_2_is_the_images_predictions_document(aws):
    sagemaker, _, _ = aws
    _endpoint(sagemaker, "ep-json")
    answer = _runtime().invoke_endpoint(EndpointName="ep-json", ContentType="text/csv", Accept="application/json",
                                        Body=ROWS)
    document = json.loads(answer["Body"].read())
    assert answer["ContentType"] == "application/json"
    assert [set(item) for item in document["predictions"]] == [{"score"}] * 3
    with pytest.raises(ClientError) as raised:
        _runtime().invoke_endpoint(EndpointName="ep-json", ContentType="text/csv", Accept="image/png", Body=ROWS)
    error = raised.value.response
    assert error["Error"]["Code"] == "ModelError" and error["OriginalStatusCode"] == 406
    assert error["OriginalMessage"].startswith("Accept type image/png is not supported.")


def test_a_bad_request_is_a_model_error_with_the_containers_status_and_words(aws):
    sagemaker, _, _ = aws
    _endpoint(sagemaker, "ep-bad")
    with pytest.raises(ClientError) as raised:
        _runtime().invoke_endpoint(EndpointName="ep-bad", ContentType="text/csv", Body=b"1,2,3,4\n5,6,7,8")
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert response["Error"]["Code"] == "ModelError" and response["OriginalStatusCode"] == 400
    assert response["Error"]["Message"].startswith(
        'Received client error (400) from primary with message "Unable to evaluate payload provided: Feature size '
        'of csv inference data 4 is not consistent with feature size of trained model 2."')
    assert "group=/aws/sagemaker/Endpoints/ep-bad in account 123456789012" in response["Error"]["Message"]


def test_an_endpoint_that_was_never_made_is_not_found(aws):
    with pytest.raises(ClientError) as raised:
        _runtime().invoke_endpoint(EndpointName="never-made", ContentType="text/csv", Body=ROWS)
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    assert raised.value.response["Error"]["Message"] == "Endpoint never-made of account 123456789012 not found."


def test_a_model_that_does_not_load_fails_the_endpoint_and_an_update_rolls_back(aws):
    sagemaker, s3, _ = aws
    s3.put_object(Bucket="lab", Key="junk/model.tar.gz", Body=b"not an archive")
    failed = _endpoint(sagemaker, "ep-junk", model_data="s3://lab/junk/model.tar.gz")
    assert failed["EndpointStatus"] == "Failed"
    assert failed["FailureReason"] == ("The primary container for production variant AllTraffic did not pass the "
                                       "ping health check. Please check CloudWatch logs for this endpoint.")
    good = _endpoint(sagemaker, "ep-good")
    sagemaker.update_endpoint(EndpointName="ep-good", EndpointConfigName="ep-junk")
    assert sagemaker.describe_endpoint(EndpointName="ep-good")["EndpointStatus"] == "Updating"
    after = _settled(sagemaker, "ep-good")
    assert after["EndpointStatus"] == "InService" and after["EndpointConfigName"] == good["EndpointConfigName"]
    assert "ping health check" in after["FailureReason"]
    sagemaker.delete_endpoint(EndpointName="ep-good")
    with pytest.raises(ClientError, match="Endpoint ep-good of account 123456789012 not found"):
        _runtime().invoke_endpoint(EndpointName="ep-good", ContentType="text/csv", Body=ROWS)


@needs_sdk2
def test_sdk2_deploy_predict_delete_as_the_churn_example_does(aws):
    import sagemaker as sdk
    from sagemaker.estimator import Estimator
    from sagemaker.serializers import CSVSerializer

    from pytest_sagemaker_lab import sdk_patches

    clock = sdk_patches.install()
    try:
        session = sdk.Session(default_bucket="lab")
        estimator = Estimator(image_uri=IMAGE.format("1.7-1"), role=ROLE, instance_count=1,
                              instance_type="ml.m5.xlarge", output_path="s3://lab/output", sagemaker_session=session,
                              hyperparameters={"num_round": 5, "objective": "binary:logistic"})
        estimator.fit({"train": sdk.inputs.TrainingInput("s3://lab/data/train.csv", content_type="text/csv")},
                      logs=False)
        predictor = estimator.deploy(initial_instance_count=1, instance_type="ml.m5.xlarge",
                                     serializer=CSVSerializer())
        rows = np.array([[1.5, 3.25], [2.5, 6.25]])
        answer = predictor.predict(rows).decode("utf-8")
        assert len(answer.splitlines()) == 2 and all(0 < float(v) < 1 for v in answer.splitlines())
        predictor.delete_endpoint()
        with pytest.raises(ClientError, match="not found"):
            predictor.predict(rows)
        assert clock.slept < 5  # the SDK's 30 s sleep before its first DescribeEndpoint was not waited out
    finally:
        sdk_patches.uninstall()
