"""The class summary's similarity flags (issue 13, item 6): a renamed copy is flagged with the cells that
match, independent solutions written into the same starter are not, and the summary file (the flags are
for the instructor, in that file only) is exactly what the class of three in tests/data/class3 expects."""

from __future__ import annotations

import copy
import itertools
import json
import re
import shutil
from pathlib import Path

import pytest

from pytest_sagemaker_lab.outputs import OutputPlan
from pytest_sagemaker_lab.outputs import similarity as sim
from pytest_sagemaker_lab.outputs.summary import summary_path, terminal_lines, write_summary

from .conftest import LAB41, needs_sdk2

CLASS3 = Path(__file__).resolve().parent / "data" / "class3"
ALICE = CLASS3 / "submissions" / "alice.ipynb"  # the reference solution as a learner's notebook

# Two learners who each filled in Lab 4.1's starter on their own (both get 7/7 from the grader): ana
# much as the reference does, ben his own way. Keys are the starter's code cells, as learners count them.
ANA = {
    2: "import xgboost as xgb\nprint(xgb.__version__)\n",
    3: """from datetime import datetime

import boto3
from sagemaker import Session
from sagemaker.estimator import Estimator
from sagemaker.image_uris import retrieve
from sagemaker.inputs import TrainingInput

session = Session(boto_session=boto3.Session(region_name=region))
container = retrieve('xgboost', region, '1.2-2')
hyperparams = {'num_round': '42', 'eval_metric': 'logloss', 'objective': 'binary:logistic',
               'verbosity': '1', 'seed': '42'}
xgb_model = Estimator(container, role=role_arn, instance_count=1, instance_type='ml.m5.2xlarge',
                      output_path=f's3://{bucket_name}/{prefix}/output/', hyperparameters=hyperparams,
                      sagemaker_session=session)
""",
    4: """s3_client = boto3.client("s3", region_name=region)
prefix = "lab41_local"
train_file = "train-pass1.csv"
validate_file = "validate-pass1.csv"
listing = s3_client.list_objects_v2(Bucket=bucket_name, Prefix=prefix)
print([item["Key"] for item in listing.get("Contents", [])])
train_input = TrainingInput(s3_data=f"s3://{bucket_name}/{prefix}/{train_file}", content_type="text/csv")
validation_input = TrainingInput(s3_data=f"s3://{bucket_name}/{prefix}/{validate_file}", content_type="text/csv")
data_channels = {"train": train_input, "validation": validation_input}
""",
    5: """training_job_name = 'xgb-pass1-' + datetime.now().strftime('%m-%d-%Y-%H-%M-%S')
xgb_model.fit(inputs=data_channels, logs=False, job_name=training_job_name)
""",
}
BEN = {
    2: 'import xgboost\nprint("xgboost version:", xgboost.__version__)\n',
    3: """from datetime import datetime

import boto3
import sagemaker
from sagemaker.estimator import Estimator
from sagemaker.inputs import TrainingInput

sess = sagemaker.Session(boto3.Session(region_name=region))
container = sagemaker.image_uris.retrieve(framework="xgboost", region=region, version="1.2-2")
hyperparams = dict(num_round="42", eval_metric="error", objective="binary:logistic", verbosity="1", seed="42")
output_location = "s3://" + bucket_name + "/" + prefix + "/output/"
xgb_model = Estimator(
    image_uri=container,
    role=role_arn,
    instance_count=1,
    instance_type="ml.m5.2xlarge",
    output_path=output_location,
    sagemaker_session=sess,
)
xgb_model.set_hyperparameters(**hyperparams)
""",
    4: """s3_client = boto3.client("s3", region_name=region)
prefix = "lab41_local"
train_file = "train-pass1.csv"
validate_file = "validate-pass1.csv"
for file_name in (train_file, validate_file):
    head = s3_client.head_object(Bucket=bucket_name, Key=prefix + "/" + file_name)
    print(file_name, head["ContentLength"], "bytes")
data_channels = {}
for channel, file_name in [("train", train_file), ("validation", validate_file)]:
    data_channels[channel] = TrainingInput("s3://%s/%s/%s" % (bucket_name, prefix, file_name), content_type="text/csv")
""",
    5: """training_job_name = "xgb-pass1-" + datetime.now().strftime("%m-%d-%Y-%H-%M-%S")
print("starting", training_job_name)
xgb_model.fit(inputs=data_channels, logs=False, job_name=training_job_name)
""",
}
# The copier's renames (not the SDK's keyword names, nor the names the grader injects).
RENAMES = {"hyperparams": "params", "xgb_model": "estimator", "data_channels": "inputs", "s3_client": "s3",
           "check_s3_file_exists": "object_exists", "train_key": "train_path", "validate_key": "validation_path",
           "training_job_name": "job_name", "container": "image", "s3_output_location": "output_uri",
           "listing": "objects", "entry": "obj", "bucket": "bkt", "key": "k"}


def from_starter(cells: dict[int, str]) -> dict:
    """Lab 4.1's starter notebook with these code cells filled in."""
    notebook = json.loads((LAB41 / "starter.ipynb").read_text(encoding="utf-8"))
    code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    for number, source in cells.items():
        code[number - 1]["source"] = source.splitlines(keepends=True)
    return notebook


def renamed(notebook: dict) -> dict:
    copied = copy.deepcopy(notebook)
    for cell in copied["cells"]:
        source = "".join(cell["source"])
        for old, new in RENAMES.items():
            source = re.sub(rf"\b{old}\b", new, source)
        cell["source"] = source.splitlines(keepends=True)
    return copied


def code_cell(source: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": source.splitlines(keepends=True)}


def write(folder: Path, name: str, notebook: dict) -> Path:
    path = folder / f"{name}.ipynb"
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def alice() -> dict:
    return json.loads(ALICE.read_text(encoding="utf-8"))


def class_of(folder: Path, **notebooks: dict) -> dict[str, Path]:
    folder.mkdir(exist_ok=True)
    return {name: write(folder, name, notebook) for name, notebook in notebooks.items()}


def test_a_renamed_copy_is_flagged_with_the_cells_that_match(tmp_path):
    files = class_of(tmp_path, alice=alice(), dave=renamed(alice()))
    result = sim.find_similar(files, LAB41, 0.8)
    assert result.compared == 2 and result.notes == []
    [flag] = result.flags
    assert (flag.first, flag.second) == ("alice", "dave")
    assert flag.first_share == flag.second_share == 1.0  # names do not count: copydetect filters them out
    # Every code cell but the parameters cell (cell 1), which is left out.
    assert flag.first_cells == flag.second_cells == (2, 3, 4, 5, 6, 7)


def test_the_cells_are_numbered_as_the_learner_counts_code_cells(tmp_path):
    """eve copied alice's cells 3-6 (renamed), wrote her own cell 2 and last cell, and added a code cell
    and a markdown cell of her own: the matching cells are alice's 3-6 and eve's 4-7."""
    eve = renamed(alice())
    code = [cell for cell in eve["cells"] if cell["cell_type"] == "code"]
    code[1]["source"] = ["import xgboost\n", "print('xgboost', xgboost.__version__, 'ok')\n"]
    code[6]["source"] = ["found = s3.list_objects_v2(Bucket=bucket_name, Prefix=prefix + '/output')\n",
                         "print(found['KeyCount'], 'objects under', prefix)\n"]
    position = eve["cells"].index(code[1]) + 1
    eve["cells"][position:position] = [
        {"cell_type": "markdown", "metadata": {}, "source": ["My notes: the session comes next."]},
        code_cell("regions = [region for _ in range(3)]\nprint(len(regions), regions[0].upper())\n"),
    ]
    result = sim.find_similar(class_of(tmp_path, alice=alice(), eve=eve), LAB41, 0.8)
    [flag] = result.flags
    assert flag.score >= 0.8
    assert flag.first_cells == (3, 4, 5, 6)
    assert flag.second_cells == (4, 5, 6, 7)


def test_independent_solutions_that_share_the_starter_are_not_flagged(tmp_path):
    files = class_of(tmp_path, ana=from_starter(ANA), ben=from_starter(BEN), alice=alice())
    result = sim.find_similar(files, LAB41, 0.8)
    assert result.compared == 3 and result.flags == []
    # Not for want of sensitivity: at a lower threshold, ana (who writes much as the reference does) and
    # alice (the reference) do show up, and ben, who writes his own way, does not.
    low = sim.find_similar(files, LAB41, 0.5)
    assert [(flag.first, flag.second) for flag in low.flags] == [("alice", "ana")]


# A lab whose starter gives the learners a good deal of code: two helpers, and one TODO.
STARTER = """# %% tags=["parameters"]
bucket_name = "sagemaker-lab-data"
region = "us-east-1"

# %%
import boto3

sagemaker_client = boto3.client("sagemaker", region_name=region)


def describe_job(name):
    \"\"\"Prints a training job's status and final metrics; returns them.\"\"\"
    job = sagemaker_client.describe_training_job(TrainingJobName=name)
    status = job["TrainingJobStatus"]
    metrics = {metric["MetricName"]: metric["Value"] for metric in job.get("FinalMetricDataList", [])}
    print(f"{name}: {status}")
    for metric, value in sorted(metrics.items()):
        print(f"  {metric} = {value:.4f}")
    return status, metrics


def newest_job(prefix):
    jobs = sagemaker_client.list_training_jobs(NameContains=prefix, SortBy="CreationTime", SortOrder="Descending")
    summaries = jobs["TrainingJobSummaries"]
    return summaries[0]["TrainingJobName"] if summaries else None

# %%
best = ...  # TODO: the name of the newest job whose metrics are the best
"""


def test_the_starters_code_is_left_out(tmp_path):
    """Two learners who kept the starter's helpers and each wrote their own answer: as whole notebooks
    they are mostly alike (the helpers); as their own code, the starter's left out, they are not."""
    lab = tmp_path / "labz"
    lab.mkdir()
    (lab / "starter.py").write_text(STARTER, encoding="utf-8")
    carl = STARTER.replace("best = ...  # TODO: the name of the newest job whose metrics are the best\n",
                           "name = newest_job('xgb-pass1-')\nstatus, metrics = describe_job(name)\nbest = name\n")
    dora = STARTER.replace("best = ...  # TODO: the name of the newest job whose metrics are the best\n",
                           "candidates = [newest_job(p) for p in ('xgb-pass1-', 'xgb-pass2-')]\n"
                           "scores = {c: describe_job(c)[1].get('validation:logloss', 1e9) for c in candidates if c}\n"
                           "best = min(scores, key=scores.get)\n")
    (tmp_path / "carl.py").write_text(carl, encoding="utf-8")
    (tmp_path / "dora.py").write_text(dora, encoding="utf-8")
    files = {"carl": tmp_path / "carl.py", "dora": tmp_path / "dora.py"}
    assert sim.find_similar(files, lab, 0.8).flags == []
    [flag] = sim.find_similar(files, None, 0.8).flags  # nothing left out: the helpers make them alike
    assert flag.score >= 0.8 and flag.first_cells == flag.second_cells == (2,)


def test_the_screen_gives_copydetects_numbers_for_every_pair(tmp_path):
    from copydetect import compare_files

    files = class_of(tmp_path, alice=alice(), dave=renamed(alice()), ana=from_starter(ANA), ben=from_starter(BEN))
    files["bob"] = CLASS3 / "submissions" / "bob.ipynb"
    starter = sim.starter_fingerprints(LAB41)
    prints = [sim.fingerprint(sim.own_code(name, path), starter) for name, path in sorted(files.items())]
    shares = sim.share_matrix(prints)
    for first, second in itertools.combinations(range(len(prints)), 2):
        _, (first_share, second_share), _ = compare_files(prints[first], prints[second])
        assert (shares[first, second], shares[second, first]) == pytest.approx((first_share, second_share), abs=1e-12)


def test_a_py_submission_is_read_by_its_cells(tmp_path):
    """A .py file in the percent format (as the grader runs it) against the same code in a notebook."""
    shutil.copy(LAB41 / "solution_sdk2.py", tmp_path / "frank.py")
    files = {"frank": tmp_path / "frank.py", **class_of(tmp_path / "nb", alice=alice())}
    [flag] = sim.find_similar(files, LAB41, 0.8).flags
    assert (flag.first, flag.second) == ("alice", "frank")
    assert flag.first_cells == flag.second_cells == (2, 3, 4, 5, 6, 7)


def test_a_notebook_that_cannot_be_read_is_skipped_with_a_note(tmp_path):
    files = class_of(tmp_path, alice=alice(), dave=renamed(alice()))
    (tmp_path / "gil.ipynb").write_text("{ not json", encoding="utf-8")
    files["gil"] = tmp_path / "gil.ipynb"
    result = sim.find_similar(files, LAB41, 0.8)
    assert result.compared == 2 and len(result.flags) == 1
    assert result.notes == ["gil (gil.ipynb) was skipped: not a readable notebook (JSONDecodeError: Expecting "
                            "property name enclosed in double quotes: line 1 column 3 (char 2))"]


def test_names_follow_the_graders(tmp_path):
    paths = [tmp_path / "a.ipynb", tmp_path / "a.py", tmp_path / "b.ipynb"]
    assert sim.submission_names(paths) == {"a.ipynb": paths[0], "a.py": paths[1], "b": paths[2]}


def class3_plan(tmp_path: Path, threshold: float | None) -> OutputPlan:
    return OutputPlan(report=tmp_path / "report.json", similarity=threshold,
                      submissions=tuple(sorted((CLASS3 / "submissions").glob("*.ipynb"))),
                      lab_dirs={"lab4.1": LAB41})


def test_the_class_summary_file_of_class3(tmp_path):
    """alice, bob and carol all handed in the reference with one change each: every pair is flagged."""
    document = json.loads((CLASS3 / "report.json").read_text(encoding="utf-8"))
    before = copy.deepcopy(document)
    lines = write_summary(document, class3_plan(tmp_path, 0.8))
    written = summary_path(tmp_path / "report.json")
    assert written == tmp_path / "report.summary.md"
    assert written.read_text(encoding="utf-8") == (CLASS3 / "report.summary.md").read_text(encoding="utf-8")
    assert lines == [f"class summary: {written}",
                     "similar submissions: 3 pairs flagged at 0.8 or more (listed in the class summary, for the "
                     "instructor)"]
    assert document == before  # nothing of the flags goes into the report document


def test_off_writes_no_flags(tmp_path):
    document = json.loads((CLASS3 / "report.json").read_text(encoding="utf-8"))
    lines = write_summary(document, class3_plan(tmp_path, None))
    text = (tmp_path / "report.summary.md").read_text(encoding="utf-8")
    expected = (CLASS3 / "report.summary.md").read_text(encoding="utf-8")
    assert text == expected[: expected.index("### Similar submissions")].rstrip("\n") + "\n"
    assert lines == [f"class summary: {tmp_path / 'report.summary.md'}"]


def test_the_terminal_shows_the_files_statistics():
    document = json.loads((CLASS3 / "report.json").read_text(encoding="utf-8"))
    assert terminal_lines(document) == [
        "lab4.1: 3 submissions, mean score 5.00/7",
        "  libomp_present               3/3 passed (100%)",
        "  xgboost_importable           3/3 passed (100%)",
        "  sagemaker_sdk_compatible     3/3 passed (100%)",
        "  s3_objects_reachable         3/3 passed (100%)",
        "  estimator_config_valid       1/3 passed (33%)",
        "  fit_completes                1/3 passed (33%)",
        "  model_artifact_present       1/3 passed (33%)",
        "  did not run to the end: bob, carol",
    ]
    one = {**document, "submissions": document["submissions"][:1]}
    assert terminal_lines(one) == []  # one submission: no class to sum up in the terminal


@needs_sdk2
def test_a_graded_class_gets_a_summary_file_with_its_flagged_pair(pytester):
    folder = pytester.mkdir("class")
    class_of(folder, alice=alice(), dave=renamed(alice()), ana=from_starter(ANA))
    report = pytester.path / "out" / "report.json"
    result = pytester.runpytest_subprocess(str(LAB41), "-p", "no:randomly", "-p", "no:cacheprovider",
                                           f"--lab-submission={folder}", f"--lab-report={report}", timeout=600)
    assert result.ret == 0, result.stdout.str()[-3000:]
    graded = json.loads(report.read_text(encoding="utf-8"))
    assert {submission["name"]: submission["score"] for submission in graded["submissions"]} == {
        "alice": 7, "ana": 7, "dave": 7}
    result.stdout.fnmatch_lines([f"class summary: {report.with_name('report.summary.md')}",
                                 "similar submissions: 1 pair flagged at 0.8 or more (*)"])
    assert "dave" not in result.stdout.str().split("class summary:")[1]  # the terminal gives no names
    summary = report.with_name("report.summary.md").read_text(encoding="utf-8")
    assert "3 submissions compared, 1 pair flagged." in summary
    assert "| alice | dave | 1.00 | 1.00 | 1.00 | 2, 3, 4, 5, 6, 7 | 2, 3, 4, 5, 6, 7 |" in summary
    # The flags are in the summary file only.
    for path in report.parent.rglob("*"):
        if path.is_file() and path.name != "report.summary.md":
            assert "Similar submissions" not in path.read_text(encoding="utf-8", errors="replace"), path
