"""Grading in one process does not depend on what ran before, and leaves nothing behind."""
import dataclasses
import json
import subprocess
import sys
import tempfile

from hypothesis import settings

from grader.grading import golden_recording, grade
from grader.kata.mistakes import MUTANTS, submission_source
from helpers import ROOT

MUTANT = next(m for m in MUTANTS if m.id == "subtract-reversed")


def records(run):
    return json.dumps([dataclasses.asdict(r) for r in run.records], sort_keys=True, default=repr)


def describe(function) -> str:
    return function.description  # the test's own callables (Quadratic) say what they are


def fresh(snippet: str) -> str:
    """What `snippet` prints when run in a new interpreter."""
    result = subprocess.run([sys.executable, "-c", snippet], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_a_recording_after_another_seed_equals_a_fresh_one():
    golden_recording(7)
    after = json.dumps(golden_recording(0), sort_keys=True, default=describe)
    alone = fresh("import json; from grader.grading import golden_recording; "
                  "print(json.dumps(golden_recording(0), sort_keys=True, default=lambda f: f.description))")
    i = next((i for i, (x, y) in enumerate(zip(after, alone)) if x != y), None)
    assert after == alone, (i, after[i - 200:i + 50], alone[i - 200:i + 50])


def test_any_sequence_of_grades_gives_the_records_each_gives_fresh(tmp_path):
    path = tmp_path / "mutant.py"
    path.write_text(submission_source(MUTANT))
    sequence = [dict(seed=3), dict(seed=0, only=["subtract"]), dict(seed=0), dict(seed=3)]
    got = [records(grade(str(path), in_process=True, **kwargs)) for kwargs in sequence]
    for kwargs, mine in zip(sequence, got):
        alone = fresh("import dataclasses, json; from grader.grading import grade; "
                      f"run = grade({str(path)!r}, in_process=True, **{kwargs!r}); "
                      "print(json.dumps([dataclasses.asdict(r) for r in run.records], "
                      "sort_keys=True, default=repr))")
        assert mine == alone, kwargs
    assert got[0] == got[3] and got[0] != got[2]  # the seed matters, and only for its own run


def test_grading_restores_the_hypothesis_profile():
    before = settings.get_current_profile_name()
    grade("solutions", in_process=True, only=["add"])
    assert settings.get_current_profile_name() == before


def test_nothing_is_left_behind(tmp_path, monkeypatch):
    path = tmp_path / "mutant.py"
    path.write_text(submission_source(MUTANT))
    private = tmp_path / "tmp"  # other graders on this machine may be using the shared temp dir
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    before_modules, before_path = set(sys.modules), list(sys.path)
    grade(str(path), in_process=True, only=["add"])
    grade(str(path), only=["add"])  # through the sandbox too
    assert list(private.iterdir()) == []
    assert {m for m in set(sys.modules) - before_modules if m.startswith("submission")} == set()
    assert sys.path == before_path


def test_the_kata_plugin_leaves_the_projects_own_tests_alone(tmp_path):
    """tests/kata/conftest.py loads the plugin, and pytest runs a conftest's collection hook for the
    whole session: the suite's other tests keep their order and pytest's full failure report."""
    (tmp_path / "kata").mkdir()
    (tmp_path / "kata" / "conftest.py").write_text("from grader.plugin import *  # noqa\n")
    (tmp_path / "kata" / "test_kata.py").write_text(
        "import pytest\n\n@pytest.mark.grades('add')\ndef test_kata():\n    pass\n")
    (tmp_path / "test_own.py").write_text(
        "def test_second():\n    pass\n\ndef test_first():\n    assert sum([1, 1]) == 3\n")
    result = subprocess.run([sys.executable, "-m", "pytest", str(tmp_path), "-v", "-p", "no:xdist",
                             "-p", "no:randomly", "-p", "no:cacheprovider", "-o", "addopts=", "--rootdir",
                             str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "1 failed, 2 passed" in result.stdout, result.stdout + result.stderr
    assert "assert 2 == 3" in result.stdout, result.stdout  # not only the exception's name
    ran = [line.split("::")[1].split()[0] for line in result.stdout.splitlines() if "::test_" in line
           and ("PASSED" in line or "FAILED" in line) and not line.startswith("FAILED")]
    assert ran == ["test_kata", "test_second", "test_first"], ran
