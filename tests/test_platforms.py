"""Platforms: the Gradescope autograder zip (in a directory laid out as Gradescope lays it out, and
within the budget of its default container), and batch grading a class. The Classroom starter,
the LMS gradebooks and the configuration are in test_deploy.py."""
import csv
import json
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from grader.kata.mistakes import MUTANTS, reference_source, submission_source
from grader.platforms import container
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
                            env=container_env(root), timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(results.read_text())


def container_env(root):
    """The environment of a submission's run: like each of Gradescope's, it starts from the image alone,
    with an empty cache (this machine's own ~/.cache would hold the reference's recording)."""
    return dict(os.environ, AUTOGRADER_ROOT=str(root), XDG_CACHE_HOME=str(root / "fresh-cache"))


def recordings_built_at_grading(root):
    return sorted(p.name for p in (root / "fresh-cache").rglob("recording-*"))


def test_gradescope_grades_a_single_file_upload(autograder):
    mutant = next(m for m in MUTANTS if m.id == "dot-adds")
    data = run_autograder(autograder, {"my_solution.py": submission_source(mutant)})
    assert 0 < data["score"] < 100 and data["max_score"] == 100
    assert {t["tags"][0] for t in data["tests"] if t["status"] == "failed" and len(t["tags"]) == 1} == {"dot"}
    # setup.sh put the reference's recording in the image: a submission's grade does not build it again
    assert recordings_built_at_grading(autograder) == []


def test_gradescope_finds_an_exercises_folder_in_an_upload(autograder):
    upload = {f"kata/exercises/{p.name}": p.read_text() for p in (ROOT / "solutions").glob("*.py")}
    upload["notes.txt"] = "hello"
    assert run_autograder(autograder, upload)["score"] == 100


def test_gradescope_writes_results_for_an_upload_with_no_code(autograder):
    data = run_autograder(autograder, {"essay.txt": "I did my best"})
    assert data["score"] == 0 and "no python file" in data["output"].lower()


# --- Gradescope within its budget -----------------------------------------------------------

def gradescope_limits(command):
    """command run as in Gradescope's default container: 768 MB of memory and half a CPU
    (grader/platforms/container.py: real cgroups here, as root, else the closest available)."""
    limited = container.limited(command)
    if limited is None:
        pytest.skip("neither cgroups nor taskset/prlimit to emulate Gradescope's container")
    return limited


def run_autograder_limited(root: Path, upload: dict, python=None):
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    submission.mkdir()
    for name, content in upload.items():
        (submission / name).write_text(content)
    (root / "results" / "results.json").unlink(missing_ok=True)
    command, how = gradescope_limits(["bash", str(root / "source" / "run_autograder")])
    # Another Python than the image's has no recording in it: that Python's first grade put one in this
    # machine's cache.
    env = container_env(root) if python is None else dict(os.environ, AUTOGRADER_ROOT=str(root),
                                                           KATA_PYTHON=str(python))
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text()), seconds, how


def test_a_full_grade_fits_gradescopes_container(autograder):
    data, seconds, how = run_autograder_limited(autograder, {"mine.py": reference_source()})
    print(f"\nfull grade of correct code under {how}: {seconds:.1f} s")
    assert data["score"] == data["max_score"] == 100
    # Gradescope's default timeout for a whole autograder run is 10 minutes.
    assert seconds < 600


def test_memory_exhaustion_costs_one_function_within_the_budget(autograder):
    source = reference_source() + "\ndef dot(v, w):\n    hog = bytearray(1024 ** 3)\n    return 0.0\n"
    data, seconds, how = run_autograder_limited(autograder, {"mine.py": source})
    print(f"\nfull grade of a memory hog under {how}: {seconds:.1f} s")
    failed = {t["tags"][0] for t in data["tests"] if t["status"] == "failed" and len(t["tags"]) == 1}
    assert failed == {"dot"} and 80 < data["score"] < 100
    outputs = " ".join(t["output"] for t in data["tests"] if t["status"] == "failed")
    assert "ran out of memory (the limit is 512 MiB)" in outputs, outputs[:2000]


def python310():
    for candidate in (shutil.which("python3.10"), "/root/.pyenv/versions/3.10.13/bin/python",
                      *sorted(Path("/root/.pyenv/versions").glob("3.10.*/bin/python"))):
        if candidate and Path(candidate).is_file():
            probe = subprocess.run([str(candidate), "-c", "import sys, venv; print(sys.version_info[:2])"],
                                   capture_output=True, text=True)
            if probe.returncode == 0 and probe.stdout.strip() == "(3, 10)":
                return Path(candidate)
    return None


@pytest.mark.skipif(python310() is None, reason="no Python 3.10 here (test_deploy's vermin check still runs)")
def test_the_grader_runs_on_python_3_10(autograder, tmp_path):
    """Gradescope's default image has Python 3.10. The pinned Hypothesis may need a newer Python
    (setup.sh then installs one); the grader itself must still run on 3.10."""
    venv = tmp_path / "py310"
    subprocess.run([str(python310()), "-m", "venv", str(venv)], check=True, timeout=300)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-e", str(ROOT)],
                             capture_output=True, text=True, timeout=1200)
    assert install.returncode == 0, install.stderr[-3000:]
    python = venv / "bin" / "python"
    graded = subprocess.run([str(python), "-m", "grader", "solutions", "--quiet"], capture_output=True,
                            text=True, cwd=ROOT, timeout=600)
    assert graded.stdout.strip() == "100/100", graded.stderr[-3000:]
    dot_adds = submission_source(next(m for m in MUTANTS if m.id == "dot-adds"))
    data, _, _ = run_autograder_limited(autograder, {"mine.py": dot_adds}, python=python)
    assert 0 < data["score"] < 100 and "Python 3.10" in data["output"]


# --- batch -----------------------------------------------------------------------------

def read_gradebook(out):
    with (out / "grades.csv").open() as handle:
        return {row["learner"]: row for row in csv.DictReader(handle)}


def test_batch_grades_a_class_resumes_and_shards(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "alice.py").write_text(reference_source())
    off_by_one_mean = next(m for m in MUTANTS if m.id == "vector_mean-n-minus-one")
    (klass / "bob.py").write_text(submission_source(off_by_one_mean))
    (klass / "carol.py").write_text("def add(v, w)\n    return v\n")
    (klass / "dave.py").write_text(reference_source() + "\ndef dot(v, w):\n    while True:\n        pass\n")
    shutil.copytree(ROOT / "solutions", klass / "erin")
    out = tmp_path / "out"
    result = run_grader("batch", klass, "--out", out)
    assert result.returncode == 0, result.stderr
    book = read_gradebook(out)
    assert set(book) == {"alice", "bob", "carol", "dave", "erin"}
    assert book["alice"]["total"] == "100" and book["erin"]["total"] == "100"
    assert book["bob"]["vector_mean"] == "0" and book["bob"]["add"] == "4"
    assert float(book["bob"]["total"]) < 100
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

    # Shards partition the class. Which learner a shard takes does not depend on the code, so
    # a class that loads nothing (graded at once) shows it without grading everyone again.
    unloadable = tmp_path / "unloadable"
    unloadable.mkdir()
    for learner in ("ann", "ben", "cat", "dan", "eve"):
        (unloadable / f"{learner}.py").write_text("def add(v, w)\n")
    seen = []
    for index in (1, 2):
        shard_out = tmp_path / f"shard{index}"
        assert run_grader("batch", unloadable, "--out", shard_out, "--shard", f"{index}/2").returncode == 0
        seen.append(set(read_gradebook(shard_out)))
    assert seen[0] | seen[1] == {"ann", "ben", "cat", "dan", "eve"} and seen[0] and seen[1]
    assert not seen[0] & seen[1]


@pytest.mark.parametrize("args, message", [
    (["batch", "no-such-dir", "--out", "x"], "is not a folder"),
    (["batch", ".", "--out", "x", "--shard", "3/2"], "--shard"),
    (["batch", "."], "--out"),
])
def test_batch_misuse_is_explained(args, message):
    result = run_grader(*args)
    assert result.returncode == 2 and message in result.stderr
