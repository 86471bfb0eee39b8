"""Target: the class summary's similarity flags for 200 notebooks take at most 2.5x reading and tokenising them.

Measured: ``outputs.similarity.find_similar`` over a synthetic class of Lab 4.1 notebooks (``--notebooks``,
default 200): read every notebook, filter its own cells as copydetect does, fingerprint them with the starter
left out, screen all 19,900 pairs, and compare the pairs the screen keeps with copydetect's ``compare_files``.
Baseline: reading and tokenising the same notebooks (``outputs.similarity.own_code`` for each: the JSON, then
copydetect's ``filter_code`` on each code cell), the work no comparison can skip.

The pairs grow with the square of the class and the baseline with the class, so the ratio grows with
``--notebooks``; an extra line gives the time per pair and the time a class of 500 would take at that rate.

The class: each notebook is Lab 4.1's ``starter.ipynb`` with its four TODO cells filled from a few ways of
writing each (as learners who read the same documentation write alike) plus a few statements of its own
(random names and numbers), and one notebook in twenty is a classmate's copy with every name changed.
Checked in every run (untimed): every planted copy is flagged and no other pair is; a wrong answer fails the
benchmark with no measurement (exit 2).

    python bench/similarity.py [--repeat 5] [--notebooks 200] [--check]
"""

from __future__ import annotations

import copy
import itertools
import json
import random
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from _common import REPO_ROOT, Sample, alternate, cpu_line, finish, parser, time_call, verdict

TARGET = 2.5
THRESHOLD = 0.8
LAB = REPO_ROOT / "lab_steps" / "lab4_1"
COPY_EVERY = 20

# Ways of writing each of the starter's code cells 2-5 (the cell tagged parameters is cell 1).
VARIANTS: dict[int, list[str]] = {
    2: ["import xgboost as xgb\nprint(xgb.__version__)\n",
        "import xgboost\nprint('xgboost version:', xgboost.__version__)\n"],
    3: ["from datetime import datetime\n\nimport boto3\nfrom sagemaker import Session\n"
        "from sagemaker.estimator import Estimator\nfrom sagemaker.image_uris import retrieve\n"
        "from sagemaker.inputs import TrainingInput\n\n"
        "session = Session(boto_session=boto3.Session(region_name=region))\n"
        "container = retrieve('xgboost', region, '1.2-2')\n"
        "hyperparams = {'num_round': '42', 'eval_metric': 'logloss', 'objective': 'binary:logistic',\n"
        "               'verbosity': '1', 'seed': '42'}\n"
        "xgb_model = Estimator(container, role=role_arn, instance_count=1, instance_type='ml.m5.2xlarge',\n"
        "                      output_path=f's3://{bucket_name}/{prefix}/output/', hyperparameters=hyperparams,\n"
        "                      sagemaker_session=session)\n",
        "from datetime import datetime\n\nimport boto3\nimport sagemaker\n"
        "from sagemaker.estimator import Estimator\nfrom sagemaker.inputs import TrainingInput\n\n"
        "sess = sagemaker.Session(boto3.Session(region_name=region))\n"
        "container = sagemaker.image_uris.retrieve(framework='xgboost', region=region, version='1.2-2')\n"
        "hyperparams = dict(num_round='42', eval_metric='error', objective='binary:logistic', verbosity='1',\n"
        "                   seed='42')\n"
        "output_location = 's3://' + bucket_name + '/' + prefix + '/output/'\n"
        "xgb_model = Estimator(image_uri=container, role=role_arn, instance_count=1,\n"
        "                      instance_type='ml.m5.2xlarge', output_path=output_location, sagemaker_session=sess)\n"
        "xgb_model.set_hyperparameters(**hyperparams)\n"],
    4: ["s3_client = boto3.client('s3', region_name=region)\nprefix = 'lab41_local'\n"
        "train_file = 'train-pass1.csv'\nvalidate_file = 'validate-pass1.csv'\n"
        "train_input = TrainingInput(s3_data=f's3://{bucket_name}/{prefix}/{train_file}', content_type='text/csv')\n"
        "validation_input = TrainingInput(s3_data=f's3://{bucket_name}/{prefix}/{validate_file}',\n"
        "                                 content_type='text/csv')\n"
        "data_channels = {'train': train_input, 'validation': validation_input}\n",
        "s3_client = boto3.client('s3', region_name=region)\nprefix = 'lab41_local'\n"
        "train_file = 'train-pass1.csv'\nvalidate_file = 'validate-pass1.csv'\n"
        "data_channels = {}\n"
        "for channel, file_name in [('train', train_file), ('validation', validate_file)]:\n"
        "    data_channels[channel] = TrainingInput('s3://%s/%s/%s' % (bucket_name, prefix, file_name),\n"
        "                                           content_type='text/csv')\n"],
    5: ["training_job_name = 'xgb-pass1-' + datetime.now().strftime('%m-%d-%Y-%H-%M-%S')\n"
        "xgb_model.fit(inputs=data_channels, logs=False, job_name=training_job_name)\n"],
}
WORDS = ("rows", "total", "scores", "names", "result", "value", "counts", "limit", "items", "check")


def own_statements(rng: random.Random) -> str:
    """A few statements only this learner wrote: random names, numbers and shapes."""
    lines = []
    for _ in range(rng.randint(2, 5)):
        name, other = rng.sample(WORDS, 2)
        name, other = f"{name}_{rng.randint(1, 99)}", f"{other}_{rng.randint(1, 99)}"
        numbers = [rng.randint(0, 9999) for _ in range(3)]
        lines.append(rng.choice([
            f"{name} = [{numbers[0]}, {numbers[1]}, {numbers[2]}]\nprint(len({name}), {numbers[0]})\n",
            f"for {other} in range({numbers[0]}):\n    if {other} % {numbers[1] or 1} == {numbers[2]}:\n"
            f"        print({other})\n",
            f"def {name}({other}):\n    return {other} * {numbers[0]} - {numbers[1]}\n",
            f"{name} = {{'{other}': {numbers[0]}, 'n': {numbers[1]}}}\nprint({name}['{other}'] + {numbers[2]})\n",
        ]))
    return "".join(lines)


def renamed(source: str, rng: random.Random) -> str:
    """The copier's touch: every name the learner chose, changed."""
    names = set(re.findall(r"\b([a-z_][a-z0-9_]*)\s*=[^=]", source)) - {"region", "role_arn", "bucket_name"}
    for name in sorted(names):
        source = re.sub(rf"\b{name}\b", f"my_{name}_{rng.randint(0, 9)}", source)
    return source


def make_class(folder: Path, count: int, seed: int = 13) -> list[tuple[str, str]]:
    """``count`` notebooks in ``folder``; returns the planted copies as (original, copy) names (a copy
    may be of a copy)."""
    rng = random.Random(seed)
    starter = json.loads((LAB / "starter.ipynb").read_text(encoding="utf-8"))
    sources: dict[str, dict[int, str]] = {}
    copies = []
    for index in range(count):
        name = f"learner{index:03d}"
        if index % COPY_EVERY == COPY_EVERY - 1:
            original = f"learner{rng.randrange(index):03d}"
            sources[name] = {number: renamed(text, rng) for number, text in sources[original].items()}
            copies.append((original, name))
        else:
            sources[name] = {number: rng.choice(variants) + own_statements(rng)
                             for number, variants in VARIANTS.items()}
        notebook = copy.deepcopy(starter)
        code_cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
        for number, text in sources[name].items():
            code_cells[number - 1]["source"] = text.splitlines(keepends=True)
        (folder / f"{name}.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return copies


def copied_pairs(planted: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every two notebooks of one family (an original, its copies, their copies), sorted."""
    family: dict[str, str] = {}
    for original, copied in planted:
        family[copied] = family.setdefault(original, original)
    members: dict[str, list[str]] = {}
    for name, root in family.items():
        members.setdefault(root, []).append(name)
    return sorted((first, second) for group in members.values() for first, second in itertools.combinations(
        sorted(group), 2))


def fingerprints(files: dict[str, Path]) -> list[Any]:
    from pytest_sagemaker_lab.outputs import similarity

    starter = similarity.starter_fingerprints(LAB)
    return [similarity.fingerprint(similarity.own_code(name, path), starter) for name, path in files.items()]


def every_pair_with_copydetect(prints: list[Any]) -> Sample:
    """The comparisons alone, one pair at a time with copydetect's ``compare_files``, as the screen avoids."""
    from copydetect import compare_files

    return time_call(lambda: [compare_files(first, second) for first, second in itertools.combinations(prints, 2)])


def highest_other_share(names: list[str], prints: list[Any], copied: list[tuple[str, str]]) -> float:
    """The highest score (the larger share) of two notebooks that are not copies of each other: the margin
    below the threshold."""
    from pytest_sagemaker_lab.outputs import similarity

    shares = similarity.share_matrix(prints)
    pairs = set(copied)
    return max(max(shares[a, b], shares[b, a]) for a, b in itertools.combinations(range(len(names)), 2)
               if (names[a], names[b]) not in pairs)


def main(argv: list[str] | None = None) -> int:
    cli = parser(__doc__.splitlines()[0], repeat=5)
    cli.add_argument("--notebooks", type=int, default=200, help="notebooks in the synthetic class (default 200)")
    args = cli.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    from pytest_sagemaker_lab.outputs import similarity

    with tempfile.TemporaryDirectory(prefix="bench-similarity-") as temporary:
        folder = Path(temporary)
        planted = make_class(folder, args.notebooks)
        files = {path.stem: path for path in sorted(folder.glob("*.ipynb"))}
        result = similarity.find_similar(files, LAB, THRESHOLD)
        found = sorted(tuple(sorted((flag.first, flag.second))) for flag in result.flags)
        expected = copied_pairs(planted)
        if found != expected or result.notes:
            print(f"similarity: FAILED, wrong answer, no measurement: flagged {found}, planted {expected}, "
                  f"notes {result.notes}")
            return 2

        def baseline() -> Sample:
            return time_call(lambda: [similarity.own_code(name, path) for name, path in files.items()])

        def measured() -> Sample:
            return time_call(lambda: similarity.find_similar(files, LAB, THRESHOLD))

        paired = alternate(baseline, measured, args.repeat, args.warmup, None if args.quiet else "similarity")
        prints = fingerprints(files)
        naive = every_pair_with_copydetect(prints)
        margin = highest_other_share(list(files), prints, expected)
    label = f"similarity flags ({args.notebooks} notebooks, threshold {THRESHOLD})"
    base_label = "reading and tokenising them"
    line, ok = verdict(label, base_label, paired, TARGET)
    print(line)
    print(cpu_line(label, base_label, paired))
    pairs = args.notebooks * (args.notebooks - 1) // 2
    per_pair = (paired.median("measured") - paired.median("baseline")) / pairs
    print(f"similarity flags: the {len(expected)} pairs of planted copies flagged, no other pair (the highest "
          f"score of two that are not copies: {margin:.2f}); "
          f"{per_pair * 1e6:.1f} us a pair beyond reading and tokenising ({pairs} pairs); a class of 500 at that "
          f"rate: {paired.median('baseline') * 500 / args.notebooks + per_pair * 500 * 499 / 2:.1f} s")
    print(f"similarity flags (informational, timed once): copydetect's compare_files on every pair, without the "
          f"screen, would add {naive.wall:.3f} s ({naive.wall / pairs * 1e6:.1f} us a pair)")
    return finish(ok, args.check)


if __name__ == "__main__":
    sys.exit(main())
