"""Platforms: the Gradescope autograder zip, the GitHub Classroom template, and batch grading a class."""
import base64
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.kata import catalog
from grader.kata.mistakes import MUTANTS, reference_source, submission_source
from helpers import ROOT, run_grader


# --- Gradescope ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """The zip, unpacked as Gradescope does and set up by its own setup.sh (a real install)."""
    base = tmp_path_factory.mktemp("gradescope")
    assert run_grader("gradescope", "build", "--out", base / "autograder.zip").returncode == 0
    root = base / "autograder"
    source = root / "source"
    source.mkdir(parents=True)
    with zipfile.ZipFile(base / "autograder.zip") as archive:
        names = archive.namelist()
        assert "setup.sh" in names and "run_autograder" in names
        archive.extractall(source)
    setup = subprocess.run(["bash", str(source / "setup.sh")], cwd=source, capture_output=True, text=True,
                           timeout=900)
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]
    return root


def run_autograder(root, upload: dict):
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir()
    for name, text in upload.items():
        (submission / name).parent.mkdir(parents=True, exist_ok=True)
        (submission / name).write_text(text)
    results = root / "results" / "results.json"
    results.unlink(missing_ok=True)
    result = subprocess.run(["bash", str(root / "source" / "run_autograder")], capture_output=True, text=True,
                            env=dict(os.environ, AUTOGRADER_ROOT=str(root)), timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(results.read_text())


def test_gradescope_grades_a_single_file_upload(autograder):
    mutant = next(m for m in MUTANTS if m.id == "dot-adds")
    data = run_autograder(autograder, {"my_solution.py": submission_source(mutant)})
    assert 0 < data["score"] < 100 and data["max_score"] == 100
    assert {t["tags"][0] for t in data["tests"] if t["status"] == "failed" and len(t["tags"]) == 1} == {"dot"}


def test_gradescope_finds_an_exercises_folder_in_an_upload(autograder):
    upload = {f"kata/exercises/{p.name}": p.read_text() for p in (ROOT / "solutions").glob("*.py")}
    upload["notes.txt"] = "hello"
    assert run_autograder(autograder, upload)["score"] == 100


def test_gradescope_writes_results_for_an_upload_with_no_code(autograder):
    data = run_autograder(autograder, {"essay.txt": "I did my best"})
    assert data["score"] == 0 and "No Python file" in data["output"]


# --- GitHub Classroom ------------------------------------------------------------------

TEMPLATE = ROOT / ".github" / "classroom" / "classroom.yml"


def reporter_score(results: dict) -> float:
    """The grading reporter's formula: a runner scores passed/total of its max_score."""
    total = 0.0
    for result in results.values():
        passed = sum(1 for t in result["tests"] if t["status"] == "pass")
        total += passed / len(result["tests"]) * result["max_score"]
    return total


def test_the_classroom_template_runs_the_grader_and_reports_truthful_points(tmp_path):
    text = TEMPLATE.read_text()
    command = re.search(r"- name: Grade\n\s+id: kata\n\s+run: (.+)\n", text).group(1)
    runners = re.search(r"runners: (.+)\n", text).group(1).split(",")
    assert runners == list(catalog.FUNCTION_NAMES) + [e.name for e in catalog.EXPERIMENTS]
    for runner in runners:
        assert f'{runner.upper()}_RESULTS: "${{{{ steps.kata.outputs.{runner} }}}}"' in text

    learner_repo = tmp_path / "learner"
    shutil.copytree(ROOT / "exercises", learner_repo / "exercises")
    la = learner_repo / "exercises" / "linear_algebra.py"
    la.write_text(la.read_text().replace('    raise NotImplementedError("add")',
                                         "    assert len(v) == len(w)\n    return [a + b for a, b in zip(v, w)]"))
    output = tmp_path / "github_output"
    env = dict(os.environ, GITHUB_WORKSPACE=str(learner_repo), GITHUB_OUTPUT=str(output),
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    result = subprocess.run(["bash", "-c", command], cwd=learner_repo, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    results = {}
    for line in output.read_text().splitlines():
        name, encoded = line.split("=", 1)
        results[name] = json.loads(base64.b64decode(encoded))
    assert set(results) == set(runners)
    assert results["add"]["status"] == "pass" and results["subtract"]["status"] == "fail"
    assert reporter_score(results) == pytest.approx(catalog.BY_NAME["add"].points)
    assert (learner_repo / "junit.xml").exists()


# --- batch -----------------------------------------------------------------------------

def read_gradebook(out):
    with (out / "grades.csv").open() as handle:
        return {row["learner"]: row for row in csv.DictReader(handle)}


def test_batch_grades_a_class_resumes_and_shards(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "alice.py").write_text(reference_source())
    (klass / "bob.py").write_text(submission_source(next(m for m in MUTANTS if m.id == "vector_mean-n-minus-one")))
    (klass / "carol.py").write_text("def add(v, w)\n    return v\n")
    (klass / "dave.py").write_text(reference_source() + "\ndef dot(v, w):\n    while True:\n        pass\n")
    shutil.copytree(ROOT / "solutions", klass / "erin")
    out = tmp_path / "out"
    result = run_grader("batch", klass, "--out", out)
    assert result.returncode == 0, result.stderr
    book = read_gradebook(out)
    assert set(book) == {"alice", "bob", "carol", "dave", "erin"}
    assert book["alice"]["total"] == "100" and book["erin"]["total"] == "100"
    assert book["bob"]["vector_mean"] == "0" and book["bob"]["add"] == "4" and float(book["bob"]["total"]) < 100
    assert book["carol"]["status"] == "could not be loaded" and book["carol"]["total"] == "0"
    assert book["dave"]["dot"] == "0" and book["dave"]["add"] == "4"
    for learner in book:
        assert json.loads((out / "learners" / learner / "results.json").read_text())["max_score"] == 100
        assert (out / "learners" / learner / "report.txt").read_text().startswith("Grading")

    # Interrupted: one learner's results are gone; a rerun grades only that one.
    shutil.rmtree(out / "learners" / "bob")
    again = run_grader("batch", klass, "--out", out)
    assert "Graded 1 submission(s)" in again.stdout and "(4 already done)" in again.stdout
    assert read_gradebook(out)["bob"]["vector_mean"] == "0"

    # Shards partition the class.
    seen = []
    for index in (1, 2):
        shard_out = tmp_path / f"shard{index}"
        run_grader("batch", klass, "--out", shard_out, "--shard", f"{index}/2")
        seen += list(read_gradebook(shard_out))
    assert sorted(seen) == sorted(book)


@pytest.mark.parametrize("args, message", [
    (["batch", "no-such-dir", "--out", "x"], "is not a folder"),
    (["batch", ".", "--out", "x", "--shard", "3/2"], "--shard"),
    (["batch", "."], "--out"),
])
def test_batch_misuse_is_explained(args, message):
    result = run_grader(*args)
    assert result.returncode == 2 and message in result.stderr
