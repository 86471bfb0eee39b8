"""Whole course notebooks graded offline, in the real grader (a sandboxed Jupyter kernel): the course's
Lab 4.1 from the first pass to a tuned model, AWS's customer-churn example (train, deploy, predict,
delete), and the AWS CLI in a notebook (`!aws s3 ls`, `!aws s3 cp`). Each runs to its end with the
outputs AWS would give, and gets its stages' verdicts."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest

from lab_steps.lab4_1_evaluate import data as evaluate_data
from pytest_sagemaker_lab.drivers import percent_to_notebook

from .conftest import LAB41, needs_sdk2

pytestmark = needs_sdk2  # the notebooks are written for SDK 2
EVALUATE = LAB41.parent / "lab4_1_evaluate"
COURSE = Path(__file__).resolve().parent / "data" / "course"
HEX8 = r"[0-9a-f]{8}"


def _grade(pytester: pytest.Pytester, lab: Path, submission: Path) -> tuple[dict, dict[str, dict], str]:
    """Grade one submission; its report entry, its stages by id, and its executed notebook's output."""
    report = pytester.path / "out" / "grades.json"
    result = pytester.runpytest_subprocess(str(lab), "-p", "no:randomly", "-p", "no:cacheprovider",
                                           f"--lab-submission={submission}", f"--lab-report={report}",
                                           timeout=300)
    assert report.exists(), result.stdout.str()[-3000:] + result.stderr.str()[-3000:]
    (graded,) = json.loads(report.read_text(encoding="utf-8"))["submissions"]
    name = submission.name if submission.suffix == ".ipynb" else f"{submission.name}.ipynb"
    executed = nbformat.read(pytester.path / "out" / "executed" / name, as_version=4)
    printed = "".join(output.get("text", "") + "".join(output.get("traceback", []))
                      for cell in executed.cells if cell.cell_type == "code" for output in cell.get("outputs", []))
    # `!` commands print through a terminal: their lines end with \r\n.
    return graded, {stage["id"]: stage for stage in graded["stages"]}, printed.replace("\r\n", "\n")


def _matrix(printed: str, title: str) -> tuple[list[list[int]], float]:
    """A confusion matrix printed by pandas (``predicted 0 1`` / ``actual`` / one row per label) and the
    accuracy line under it."""
    found = re.search(rf"{title}\npredicted\s+0\s+1\nactual\s*\n0\s+(\d+)\s+(\d+)\n1\s+(\d+)\s+(\d+)\n"
                      r"accuracy (\d\.\d{3})\n", printed)
    assert found, printed[-4000:]
    cells = [int(value) for value in found.groups()[:4]]
    return [cells[:2], cells[2:]], float(found.group(5))


def test_the_whole_lab_4_1_runs_to_its_end_train_metrics_transform_second_pass_tune(pytester):
    graded, stages, printed = _grade(pytester, EVALUATE, COURSE / "lab41_whole_course.py")
    assert graded["error"] is None, graded["error"]

    # First pass, as Lab 4.1 names it, and its training metrics (one CloudWatch point per metric).
    first = re.search(r"first pass: (xgb-pass1-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}-\d{2})\n", printed).group(1)
    assert f"lab41_local/output/{first}/output/model.tar.gz\n" in printed
    assert int(re.search(r"metric rows: (\d+)\n", printed).group(1)) >= 2
    assert re.search(r"\ntrain:logloss\s+\d+\s+0\.\d+", printed)
    assert re.search(r"\nvalidation:logloss\s+\d+\s+0\.\d+", printed)

    # The batch transform of the test file, read back into a confusion matrix against its labels.
    assert "200 predictions\n" in printed
    counts = Counter(evaluate_data.test_labels())
    matrix, accuracy = _matrix(printed, "confusion matrix, first pass")
    assert [sum(row) for row in matrix] == [counts[0], counts[1]]
    assert accuracy == 0.845 == (matrix[0][0] + matrix[1][1]) / 200  # the first-pass model's, as the lab states

    # The second pass, with the error rate as its metric.
    assert re.search(r"second pass: xgb-pass2-[\d-]+ Completed\n  train:error = 0\.\d{5}\n"
                     r"  validation:error = 0\.\d{5}\n", printed)

    # Tuning: three children named <tuning job>-00N-<8 hex>, the best one the lowest validation:error.
    tuning = re.search(r"tuning job: (xgb-tune-\d{4}-\d{6})\n", printed).group(1)
    best = re.search(r"best training job: (\S+)\n", printed).group(1)
    assert re.fullmatch(rf"{tuning}-00[123]-{HEX8}", best)
    rows = re.findall(rf"({tuning}-00(\d)-{HEX8})\s+(\w+)\s+(\d\.\d+)\s+(\d\.\d+)\s+(\d\.0)\n", printed)
    assert [row[1] for row in rows] == ["1", "2", "3"] and {row[2] for row in rows} == {"Completed"}
    objective = {row[0]: float(row[3]) for row in rows}
    assert objective[best] == min(objective.values())
    assert all(0.1 <= float(row[4]) <= 0.5 and 2 <= float(row[5]) <= 6 for row in rows)

    # The best model transforms the test file too.
    tuned, tuned_accuracy = _matrix(printed, "confusion matrix, best tuned model")
    assert [sum(row) for row in tuned] == [counts[0], counts[1]] and tuned_accuracy > 0.7
    assert printed.endswith("done\n")

    # The verdicts. The first pass this notebook trained is Lab 4.1's job (the newest xgb-pass1-*), and
    # batch-out holds its predictions.
    assert stages["transform_completes"]["outcome"] == "passed"
    assert stages["predictions_present"]["message"] == (
        "s3://sagemaker-lab-data/lab41_local/batch-out/batch-in.csv.out: 200 predictions")
    assert stages["predictions_match_model"]["message"].startswith(
        "200 probabilities equal to the model's own; accuracy 0.845")
    # The stage judges the newest transform that writes to the lab's output (batch-out): the first pass's,
    # not the tuned model's later one into batch-out-tuned.
    judged = stages["transform_config_valid"]
    assert judged["outcome"] == "passed" and f"the model of {first} " in judged["message"]
    assert graded["score"] == 4


def test_the_churn_example_trains_deploys_predicts_and_deletes_its_endpoint(pytester):
    """AWS's xgboost_customer_churn pattern on the 1.2-1 image: a real-time answer is one comma-joined line,
    so the example's ``np.fromstring(predictions[1:], sep=",")`` reads every prediction."""
    graded, stages, printed = _grade(pytester, LAB41, COURSE / "xgboost_customer_churn.py")
    assert graded["error"] is None, graded["error"]
    assert "bucket: sagemaker-us-east-1-123456789012\n" in printed  # default_bucket(), as on a notebook instance
    assert "role: arn:aws:iam::123456789012:role/SageMakerLabRole\n" in printed
    assert "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-1\n" in printed
    assert "Completed - Training job completed" in printed
    assert re.search(r"\[99\]#011train-logloss:0\.\d{5}#011validation-logloss:0\.\d{5}\n", printed)
    raw = re.search(r"raw answer: '([^']*)'\n", printed).group(1)
    assert "\\n" not in raw and len(raw.split(",")) == 3 and all(0 < float(v) < 1 for v in raw.split(","))
    assert "60 predictions for 60 test rows\n" in printed
    found = re.search(r"predictions\s+0\.0\s+1\.0\nactual\s*\n0\s+(\d+)\s+(\d+)\n1\s+(\d+)\s+(\d+)\n"
                      r"accuracy (\d\.\d{3})\n", printed)
    assert found and sum(int(v) for v in found.groups()[:4]) == 60 and float(found.group(5)) >= 0.8
    assert "same as the model's own: True\n" in printed
    assert "endpoints left: []\n" in printed
    # Lab 4.1's stages: the notebook's own prefix holds none of the lab's data, so what needs it is not checked.
    assert {stage: verdict["outcome"] for stage, verdict in stages.items()} == {
        "libomp_present": "passed", "xgboost_importable": "passed", "sagemaker_sdk_compatible": "passed",
        "s3_objects_reachable": "failed", "estimator_config_valid": "skipped", "fit_completes": "skipped",
        "model_artifact_present": "skipped"}
    assert stages["s3_objects_reachable"]["message"] == (
        "s3://sagemaker-lab-data/sagemaker/DEMO-xgboost-churn/train-pass1.csv: 404 Not Found; "
        "s3://sagemaker-lab-data/sagemaker/DEMO-xgboost-churn/validate-pass1.csv: 404 Not Found")


def test_the_aws_cli_in_a_notebook_lists_and_copies_from_the_same_world(pytester):
    """`!aws s3 ...` in a graded notebook: the CLI installed beside the kernel's Python is on its PATH and
    reaches the submission's world (AWS_ENDPOINT_URL), as the course's `!aws s3 cp --recursive
    $xgb_transformer.output_path $data_dir` needs."""
    nb = percent_to_notebook(EVALUATE / "solution_sdk2.py")
    nb.cells += [nbformat.v4.new_code_cell(source) for source in (
        "!aws s3 ls s3://{bucket_name}/{prefix}/\n!aws s3 ls s3://{bucket_name}/{prefix}/batch-out/",
        "!aws s3 cp s3://{bucket_name}/{prefix}/batch-out/batch-in.csv.out .\n"
        "copied = pd.read_csv('batch-in.csv.out', header=None)[0].to_numpy()\n"
        "print('copied rows:', len(copied), 'same as get_object:', bool(np.array_equal(copied, predictions)))",
        "data_dir = 'data'\n!mkdir -p $data_dir\n!aws s3 cp --recursive $xgb_transformer.output_path $data_dir\n"
        "import os\nprint('data_dir:', sorted(os.listdir(data_dir)))",
        "!aws s3 cp batch-in.csv.out s3://{bucket_name}/{prefix}/uploaded/batch-in.csv.out\n"
        "head = boto_session.client('s3').head_object(Bucket=bucket_name, Key=f'{prefix}/uploaded/batch-in.csv.out')\n"
        "print('uploaded bytes:', head['ContentLength'])")]
    submission = pytester.path / "cli.ipynb"
    nbformat.write(nb, submission)
    graded, stages, printed = _grade(pytester, EVALUATE, submission)
    assert graded["error"] is None, graded["error"]
    assert re.search(r"PRE batch-in/\n\s+PRE batch-out/\n", printed)
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+\d+ train-pass1\.csv\n", printed)
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+\d+ batch-in\.csv\.out", printed)
    assert ("download: s3://sagemaker-lab-data/lab41_local/batch-out/batch-in.csv.out to ./batch-in.csv.out"
            in printed)
    assert "copied rows: 200 same as get_object: True\n" in printed
    assert "download: s3://sagemaker-lab-data/lab41_local/batch-out/batch-in.csv.out to data/batch-in.csv.out" \
        in printed
    assert "data_dir: ['batch-in.csv.out']\n" in printed
    assert "upload: ./batch-in.csv.out to s3://sagemaker-lab-data/lab41_local/uploaded/batch-in.csv.out" in printed
    size = int(re.search(r"uploaded bytes: (\d+)\n", printed).group(1))
    assert size > 200 * 2
    assert {stage: verdict["outcome"] for stage, verdict in stages.items()} == dict.fromkeys(
        ("transform_config_valid", "transform_completes", "predictions_present", "predictions_match_model"), "passed")
