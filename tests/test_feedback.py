"""Each learner's feedback page (``--lab-feedback DIR``): the three learners of tests/data/class3 get the
pages in tests/data/class3/feedback exactly; a page holds the learner's own record and nothing else (no
author's detail, no other learner, no secret, no path of the grader's); hostile code stays text; a class
graded for real gets one page per learner; several labs make one page with a section each.

The expected pages are the spec: after a change to the pages (or to tests/data/class3/report.json),
write them again and read the diff before committing it:

    REGENERATE_FEEDBACK_PAGES=1 .venv/bin/pytest tests/test_feedback.py -k expected -p no:randomly
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import types
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pytest_sagemaker_lab.outputs import feedback
from pytest_sagemaker_lab.outputs.page_text import md_fence, md_inline, without_paths
from pytest_sagemaker_lab.report import NOT_GRADED_SUBMISSION

from .conftest import LAB41, needs_sdk2

CLASS3 = Path(__file__).resolve().parent / "data" / "class3"
EXPECTED = CLASS3 / "feedback"
LEARNERS = ("alice", "bob", "carol")
REGENERATE = os.environ.get("REGENERATE_FEEDBACK_PAGES") == "1"


def _document() -> dict:
    return json.loads((CLASS3 / "report.json").read_text(encoding="utf-8"))


def _roster(path: Path = CLASS3 / "roster.csv"):
    from pytest_sagemaker_lab.outputs.roster import Roster

    return Roster.load(path)


def _pages(document: dict, tmp_path: Path, roster=None, **options) -> dict[str, str]:
    """Every file written, by name."""
    feedback.write_pages(document, tmp_path / "feedback", roster, **options)
    return {path.name: path.read_text(encoding="utf-8") for path in sorted((tmp_path / "feedback").iterdir())}


@pytest.mark.parametrize("suffix", ["html", "md"])
@pytest.mark.parametrize("learner", LEARNERS)
def test_the_three_learners_pages_are_the_expected_files(tmp_path, learner, suffix):
    lines = feedback.write_pages(_document(), tmp_path / "feedback", _roster(), secrets=())
    assert lines == [f"feedback pages: 3 learners in {tmp_path / 'feedback'}/ (HTML and Markdown)"]
    # Written atomically: nothing else is left in the folder.
    assert sorted(path.name for path in (tmp_path / "feedback").iterdir()) == [
        f"{name}.{kind}" for name in LEARNERS for kind in ("html", "md")]
    written = (tmp_path / "feedback" / f"{learner}.{suffix}").read_bytes()
    expected = EXPECTED / f"{learner}.{suffix}"
    if REGENERATE:
        expected.parent.mkdir(exist_ok=True)
        expected.write_bytes(written)
    assert written == expected.read_bytes()


def test_the_pages_say_what_each_learner_needs(tmp_path):
    pages = _pages(_document(), tmp_path, _roster(), secrets=())
    alice, bob, carol = pages["alice.md"], pages["bob.md"], pages["carol.md"]
    assert "# Feedback · 回饋：Chen, Alice\n\n- Student ID · 學號：1001\n" in alice
    assert "**Score · 分數：7/7**" in alice and "Every stage passed: well done!" in alice
    assert "所有檢查都通過了" in alice and "stopped your notebook" not in alice
    # Bob: the first failed stage's hint comes first, then the cell that raised.
    next_steps = bob.split("### What to do next · 下一步\n\n")[1].split("\n### ")[0]
    assert next_steps.startswith("**1.** The XGBoost 1.2-2 container rejects the hyperparameters")
    assert "**2.** Cell 6 stopped your notebook" in next_steps and "第 6 個儲存格讓筆記本停止" in next_steps
    assert "**Score · 分數：4/7**" in bob
    # Carol: her first failed stage's hint names cell 4 already; the cell and its error are shown.
    assert "Fix cell 4 first" in carol and "**2.**" not in carol
    assert '```python\ncontainer = retrieve("xgboost", region, "1.2-2") / 2\n' in carol
    assert "```text\ncell 4 raised TypeError: unsupported operand type(s) for /: 'str' and 'int'\n```" in carol
    # The skipped stage's hint names the stage it waits for, in both languages.
    assert "This stage is checked once “The training job completes” passes" in carol
    assert "此項目要等「訓練工作順利完成」通過後才會檢查" in carol
    # Every stage, in order, with both titles.
    for number, stage in enumerate(_document()["submissions"][2]["stages"], 1):
        assert f"#### {number}. {stage['title']['en']} · {stage['title']['zh-TW']}\n" in carol


def test_without_a_roster_a_page_names_the_submission(tmp_path):
    pages = _pages(_document(), tmp_path, None, secrets=())
    assert pages["bob.md"].startswith("# Feedback · 回饋：bob\n\n- Submission · 繳交檔案：bob\n")
    assert "Student ID" not in pages["bob.md"] and "學號" not in pages["bob.html"]


def test_a_page_holds_nothing_but_the_learners_own_record(tmp_path, monkeypatch):
    document = _document()
    alice, bob, carol = document["submissions"]
    for submission in document["submissions"]:
        for stage in submission["stages"]:
            stage["detail"] += "\nAUTHOR-ONLY-DETAIL-3f9a"
    bob["stages"][4]["message"] += " BOB-PRIVATE-51c2"
    bob["cell"]["source"] += "\n# BOB-CODE-7d0e"
    carol["stages"][0]["message"] += " CAROL-PRIVATE-92ab"
    monkeypatch.setenv("COURSE_API_TOKEN", "sk-fake-0123456789abcdef")
    alice["stages"][1]["message"] += " token sk-fake-0123456789abcdef in the output"

    pages = _pages(document, tmp_path, _roster())  # the environment's secrets, as a real run has them

    people = {"alice": ("Chen, Alice", "1001"), "bob": ("Lin, Bob", "1002"), "carol": ("Wang, Carol", "1003")}
    private = {"alice": (), "bob": ("BOB-PRIVATE-51c2", "BOB-CODE-7d0e"), "carol": ("CAROL-PRIVATE-92ab",)}
    for learner in LEARNERS:
        for suffix in ("html", "md"):
            page = pages[f"{learner}.{suffix}"]
            assert people[learner][0] in page and all(text in page for text in private[learner])
            for other in set(LEARNERS) - {learner}:
                assert people[other][0] not in page and people[other][1] not in page
                assert f"{other}.ipynb" not in page and not any(text in page for text in private[other])
            assert "AUTHOR-ONLY-DETAIL-3f9a" not in page and "LabRun(" not in page
            assert "sk-fake-0123456789abcdef" not in page
            # No path of the machine that graded (the report's messages hold /course/.venv/...).
            assert "/course/" not in page and "/tmp/" not in page and "/work/" not in page
    assert "token [redacted] in the output" in pages["alice.html"]
    assert "token \\[redacted\\] in the output" in pages["alice.md"]
    assert "libgomp at libgomp-e985bcbb.so.1.0.0: 2 threads at work" in pages["alice.md"]


HOSTILE_CODE = "x = 1 </pre><script>alert('code')</script>\n```\n````\nprint('<!-- -->')"
HOSTILE_ERROR = "cell 2 raised NameError: <img src=x onerror=alert('error')> [click](javascript:alert(1))"


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}


def _hostile_document() -> dict:
    document = _document()
    carol = document["submissions"][2]
    carol["cell"] = {"number": 2, "source": HOSTILE_CODE, "error": HOSTILE_ERROR}
    carol["error"] = HOSTILE_ERROR
    carol["stages"][4]["message"] = "<script>alert('message')</script> *bold* # heading"
    carol["stages"][4]["hint"] = {"en": "1. `</code><script>x</script>` and **this**\n- [a](javascript:b)",
                                  "zh-TW": "<b>粗體</b> & &amp;"}
    return document


def test_hostile_code_and_messages_stay_text_in_html(tmp_path):
    roster = types.SimpleNamespace(get=lambda name: types.SimpleNamespace(name="<i>Eve</i>", student_id="<b>"))
    page = _pages(_hostile_document(), tmp_path, roster, secrets=())["carol.html"]
    parser = _Tags()
    parser.feed(page)
    assert parser.tags == {"html", "head", "meta", "title", "style", "body", "main", "h1", "span", "div", "p",
                           "section", "h2", "strong", "h3", "ol", "li", "pre", "code", "h4", "br"}
    assert parser.attributes == {"lang", "charset", "name", "content", "class"}  # no href, src, on...
    assert ("<pre class=\"code\"><code>x = 1 &lt;/pre&gt;&lt;script&gt;alert(&#39;code&#39;)&lt;/script&gt;\n"
            "```\n````\nprint(&#39;&lt;!-- --&gt;&#39;)</code></pre>") in page
    assert "&lt;i&gt;Eve&lt;/i&gt;" in page and "<code>&lt;/code&gt;&lt;script&gt;x&lt;/script&gt;</code>" in page


def test_hostile_code_and_messages_stay_text_in_markdown(tmp_path):
    markdown_it = pytest.importorskip("markdown_it")
    page = _pages(_hostile_document(), tmp_path, None, secrets=())["carol.md"]
    # The cell's fence is longer than its longest run of backticks (4), so the code stays one block.
    assert f"`````python\n{HOSTILE_CODE}\n`````" in page
    tokens = markdown_it.MarkdownIt("commonmark").parse(page)
    fences = [token.content for token in tokens if token.type == "fence"]
    assert fences[0] == HOSTILE_CODE + "\n" and fences[1] == HOSTILE_ERROR + "\n"
    html = markdown_it.MarkdownIt("commonmark").render(page)  # raw HTML allowed: none must get through
    parser = _Tags()
    parser.feed(html)
    assert parser.tags <= {"h1", "h2", "h3", "h4", "ul", "li", "p", "strong", "code", "pre", "br"}
    assert not parser.attributes - {"class"}
    assert "&lt;script&gt;alert('message')&lt;/script&gt; *bold* # heading" in html
    assert "<code>&lt;/code&gt;&lt;script&gt;x&lt;/script&gt;</code>" in html


def test_a_submission_that_could_not_run_says_so(tmp_path):
    document = _document()
    alice, bob, _ = document["submissions"]
    alice.update(error=NOT_GRADED_SUBMISSION, cell=None)
    bob.update(error="timed out after 600 s; stopped xgb-pass1-1", cell=None)
    pages = _pages(document, tmp_path, None, secrets=())
    for learner in ("alice", "bob"):
        assert "### Your notebook could not be graded · 你的筆記本無法完成評分" in pages[f"{learner}.md"]
        assert "stopped your notebook" not in pages[f"{learner}.md"]
    assert "Ask the course staff to grade your submission again." in pages["alice.md"]
    assert "請課程人員重新為你的作業評分" in pages["alice.md"]
    assert "Your notebook ran longer than the grader allows (timed out after 600 s; stopped xgb-pass1-1)" \
        in pages["bob.md"]
    assert "```text\ntimed out after 600 s; stopped xgb-pass1-1\n```" in pages["bob.md"]


def test_several_labs_make_one_page_with_a_section_each(tmp_path):
    first = _document()
    second = copy.deepcopy(first)
    second.update(lab="lab4.1-evaluate", title={"en": "Evaluate the model", "zh-TW": "評估模型"})
    second["submissions"] = [second["submissions"][1]]  # bob only
    document = {"mode": "offline", "isolation": "bwrap", "partial": False, "pending": [],
                "reports": [first, second]}
    lines = feedback.write_pages(document, tmp_path / "feedback", None, secrets=())
    assert lines == [f"feedback pages: 3 learners in {tmp_path / 'feedback'}/ (HTML and Markdown)"]
    bob = (tmp_path / "feedback" / "bob.md").read_text(encoding="utf-8")
    carol = (tmp_path / "feedback" / "carol.md").read_text(encoding="utf-8")
    sections = [line for line in bob.splitlines() if line.startswith("## ")]
    assert sections == ["## lab4.1: Build the model and start training · 建立模型並開始訓練",
                        "## lab4.1-evaluate: Evaluate the model · 評估模型"]
    assert bob.count("**Score · 分數：4/7**") == 2
    assert [line for line in carol.splitlines() if line.startswith("## ")] == sections[:1]


@pytest.mark.parametrize(("text", "shown"), [
    ("libgomp at /work/main/.venv/lib/python3.11/site-packages/xgboost.libs/libgomp.so.1: 2 threads",
     "libgomp at libgomp.so.1: 2 threads"),
    ("SDK 2.257.7 in /course/.venv/bin/python; ok", "SDK 2.257.7 in python; ok"),
    ('File "/home/grader/x.py", line 3', 'File "x.py", line 3'),
    ("see ~/secrets/key.pem, file:///root/a.txt and C:\\Users\\grader\\b.py", "see key.pem, a.txt and b.py"),
    ("executed=PosixPath('/tmp/class3/executed/bob.ipynb')", "executed=PosixPath('bob.ipynb')"),
    # Not paths of the grader: S3 keys, URLs, ARNs, division, the container's own folders.
    ("s3://bucket/lab41_local/train.csv and http://127.0.0.1:5000/x", None),
    ("arn:aws:iam::123456789012:role/SageMakerLabRole", None),
    ("unsupported operand type(s) for /: 'str' and 'int'; 1/2; a/b; x[1]/y/z; f(a)/b/c; </b></i>; 6 MB /s", None),
    ("no file in /opt/ml/input/data/train", None),
])
def test_a_path_of_the_grader_is_shown_as_its_last_part(text, shown):
    assert without_paths(text) == (text if shown is None else shown)


@pytest.mark.parametrize(("text", "markdown"), [
    ("bucket_name and _private_ *x*", "bucket_name and \\_private\\_ \\*x\\*"),
    ("# not a heading\n1. not a list\n- nor this", "\\# not a heading\\\n1\\. not a list\\\n\\- nor this"),
    ("run `pip install 'sagemaker<3'` then <b>", "run `pip install 'sagemaker<3'` then \\<b\\>"),
    ("a | b & [c](d) ~~e~~", "a \\| b \\& \\[c\\](d) \\~\\~e\\~\\~"),
])
def test_markdown_text_is_escaped(text, markdown):
    assert md_inline(text) == markdown


def test_a_markdown_fence_is_longer_than_any_backtick_run():
    assert md_fence("a = 1\n") == "```\na = 1\n```"
    assert md_fence("s = '``````'", "python") == "```````python\ns = '``````'\n```````"


@needs_sdk2  # the class's notebooks are written for SDK 2
@pytest.mark.parametrize("with_report", [False, True], ids=["feedback-only", "with-report"])
def test_a_graded_class_gets_one_page_per_learner(pytester, monkeypatch, with_report):
    folder = pytester.mkdir("class")
    for learner in LEARNERS:
        shutil.copy(CLASS3 / "submissions" / f"{learner}.ipynb", folder)
    pages = pytester.path / "grades" / "feedback"
    args = [str(LAB41), "-p", "no:randomly", "-p", "no:cacheprovider", f"--lab-submission={folder}"]
    if with_report:  # and the folder from the environment variable, and the class's roster
        args += [f"--lab-report={pytester.path / 'grades' / 'report.json'}", f"--lab-roster={CLASS3 / 'roster.csv'}"]
        monkeypatch.setenv("SAGEMAKER_LAB_FEEDBACK", "grades/feedback")
    else:
        args.append("--lab-feedback=grades/feedback")
    result = pytester.runpytest_subprocess(*args, timeout=300)
    result.stdout.fnmatch_lines(["feedback pages: 3 learners in grades/feedback/ (HTML and Markdown)"])
    assert sorted(path.name for path in pages.iterdir()) == [f"{name}.{kind}" for name in LEARNERS
                                                             for kind in ("html", "md")]
    scores = {"alice": "7/7", "bob": "4/7", "carol": "4/7"}
    for learner, score in scores.items():
        markdown = (pages / f"{learner}.md").read_text(encoding="utf-8")
        assert f"**Score · 分數：{score}**" in markdown and f"繳交檔案：{learner}\n" in markdown
        assert f"<strong>{score}</strong>" in (pages / f"{learner}.html").read_text(encoding="utf-8")
        assert str(pytester.path) not in markdown and os.path.expanduser("~") + "/" not in markdown
        if with_report:  # the roster names each learner on their own page, and no one else
            names = {"alice": "Chen, Alice", "bob": "Lin, Bob", "carol": "Wang, Carol"}
            assert names[learner] in markdown
            assert not any(other in markdown for key, other in names.items() if key != learner)
    assert (pytester.path / "grades" / "report.json").exists() == with_report
