"""The command line as a user meets it: exit codes, reports, platform files, and bad input."""
import json
import shutil
import xml.etree.ElementTree as ET

import pytest

from grader import text
from grader.kata import catalog
from grader.text import say
from grader.kata.mistakes import MUTANTS, reference_source, submission_source
from helpers import ROOT, run_grader

GRADESCOPE_TEST_KEYS = {"name", "score", "max_score", "status", "output", "visibility", "tags"}


def check_gradescope_schema(data):
    """The fields of Gradescope's results.json spec this project promises, with their types."""
    assert isinstance(data["score"], (int, float)) and isinstance(data["max_score"], (int, float))
    assert isinstance(data["execution_time"], (int, float)) and isinstance(data["output"], str)
    assert data["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    for test in data["tests"]:
        assert GRADESCOPE_TEST_KEYS <= set(test)
        assert test["status"] in ("passed", "failed")
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["tags"] and set(test["tags"]) <= set(catalog.FUNCTION_NAMES)
    if data["tests"]:
        assert abs(sum(t["score"] for t in data["tests"]) - data["score"]) < 0.01
        assert abs(sum(t["max_score"] for t in data["tests"]) - data["max_score"]) < 0.01


def test_solutions_score_100_and_exit_0(tmp_path):
    result = run_grader("solutions", "--json", tmp_path / "r.json", "--junit", tmp_path / "j.xml")
    assert result.returncode == 0, result.stderr
    assert "17/17 functions done, 100/100 points" in result.stdout
    assert result.stdout.rstrip().endswith(say("report.all_pass"))
    data = json.loads((tmp_path / "r.json").read_text())
    check_gradescope_schema(data)
    assert data["score"] == data["max_score"] == 100
    isolation = say("report.isolation", isolation="|").split("|")[0]
    assert isolation not in result.stdout and isolation in data["output"]  # for instructors and platforms
    suite = ET.parse(tmp_path / "j.xml").getroot().find("testsuite")
    assert suite.get("failures") == "0" and int(suite.get("tests")) == len(data["tests"])


def test_exercises_score_0_exit_1_and_say_what_to_do_next(tmp_path):
    result = run_grader("exercises", "--json", tmp_path / "r.json", "--junit", tmp_path / "j.xml")
    assert result.returncode == 1
    assert "0/17 functions done, 0/100 points" in result.stdout
    assert "Next: implement `add`" in result.stdout
    data = json.loads((tmp_path / "r.json").read_text())
    check_gradescope_schema(data)
    assert data["score"] == 0
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert len(root.findall(".//failure")) == len(data["tests"])


def test_a_mutant_gets_feedback_with_the_failing_input_expected_got_and_hint(write_submission, tmp_path):
    mutant = next(m for m in MUTANTS if m.id == "subtract-reversed")
    result = run_grader(write_submission(submission_source(mutant)), "--json", tmp_path / "r.json")
    assert result.returncode == 1
    report = result.stdout
    assert "✗ subtract" in report and "subtract(" in report and "expected:" in report and "got:" in report
    assert say("report.looks_like", mistake=text.mistake("subtract-reversed")) in report
    assert say("hints.offer", function="subtract") in report
    assert not any(step in report for step in text.hints("subtract"))  # hints are opt-in
    assert say("report.sections.add") in report and "linear_algebra.py" not in report
    data = json.loads((tmp_path / "r.json").read_text())
    failed = [t for t in data["tests"] if t["status"] == "failed"]
    assert failed and all(t["tags"] == ["subtract"] for t in failed)


def test_grades_are_byte_identical_across_runs_and_with_or_without_ci(write_submission, tmp_path):
    mutant = next(m for m in MUTANTS if m.id == "minibatches-drops-last")
    path = write_submission(submission_source(mutant))
    outputs = []
    for index, env in enumerate([{"CI": ""}, {"CI": "true"}]):
        run_grader(path, "--json", tmp_path / f"{index}.json", env=env)
        data = json.loads((tmp_path / f"{index}.json").read_text())
        data.pop("execution_time")
        outputs.append(json.dumps(data, sort_keys=True))
    assert outputs[0] == outputs[1]
    assert "seed 0" in outputs[0] and "Hypothesis" in outputs[0] and "Python" in outputs[0]


def test_another_seed_varies_the_run_and_the_solutions_still_pass(tmp_path):
    result = run_grader("solutions", "--seed", "7")
    assert result.returncode == 0 and "seed 7" in result.stdout and "100/100" in result.stdout


def test_a_syntax_error_names_file_and_line_and_still_writes_results(write_submission, tmp_path):
    path = write_submission("def add(v, w):\n    return [a + b for a, b in zip(v, w)\n")
    result = run_grader(path, "--json", tmp_path / "r.json")
    assert result.returncode == 2
    assert "submission.py, line 2" in result.stderr and "syntax error" in result.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    check_gradescope_schema(data)
    assert data["score"] == 0 and "line 2" in data["output"]


def test_a_missing_function_is_named_with_its_near_miss(write_submission):
    source = reference_source().replace("def subtract(", "def substract(").replace(
        "def scalar_multiply(", "def scalar_mulitply(")
    source = source.replace("subtract(v, w))", "substract(v, w))").replace(
        "scalar_multiply(1 / n", "scalar_mulitply(1 / n")
    source = source.replace("step = scalar_multiply(", "step = scalar_mulitply(")
    result = run_grader(write_submission(source))
    assert result.returncode == 1
    assert "`subtract` is not defined" in result.stdout and "`substract`" in result.stdout
    assert "`scalar_multiply` is not defined" in result.stdout and "`scalar_mulitply`" in result.stdout
    assert "✓ distance" in result.stdout  # graded with a correct subtract


def test_a_corrupt_notebook_says_so(tmp_path):
    notebook = tmp_path / "work.ipynb"
    notebook.write_text('{"cells": [ {"cell_type": "code", "source": "def add(v, w)')
    result = run_grader(notebook, "--json", tmp_path / "r.json")
    assert result.returncode == 2
    assert "not a readable Jupyter notebook" in result.stderr
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 0


def test_scratch_code_at_the_top_level_is_not_run_and_the_report_names_its_line(write_submission):
    source = reference_source() + "\nundefined_name + 1\n"
    result = run_grader(write_submission(source))
    assert result.returncode == 0
    line = source.count("\n")  # the last line
    assert "were not run" in result.stdout and f"line {line} `undefined_name + 1`" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["no/such/file.py"], "no such file or folder"),
    (["pyproject.toml"], "cannot grade a '.toml' file"),
    (["benchmarks"], "defines a function of the kata"),
    (["solutions", "--seed", "abc"], "invalid int value"),
    (["solutions", "--bogus"], "unrecognized arguments"),
    (["solutions", "--only", "dott"], "invalid choice"),
    ([], "give a TARGET to grade, or a COMMAND"),
])
def test_bad_input_gets_a_clear_error_and_exit_2(args, message):
    result = run_grader(*args)
    assert result.returncode == 2
    assert message in result.stderr


def test_help_lists_the_targets_commands_and_options():
    result = run_grader("--help")
    assert result.returncode == 0
    for word in ("solutions", "exercises", ".ipynb", "grade", "notebook", "batch", "gradescope"):
        assert word in result.stdout
    grading = run_grader("grade", "--help")
    for option in ("--json", "--junit", "--seed", "--only", "--hint", "--hint-reset", "--watch", "--verbose"):
        assert option in grading.stdout


def test_a_folder_named_like_a_command_can_be_graded(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "batch")
    for args in (["grade", "batch"], ["batch/"]):
        result = run_grader(*args, "--quiet", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "100/100"


def test_only_grades_one_function_and_says_that_one_passes(tmp_path):
    result = run_grader("solutions", "--only", "dot", "--json", tmp_path / "r.json", "--verbose")
    assert result.returncode == 0
    assert result.stdout.rstrip().endswith(say("report.only_pass", functions="`dot`"))
    assert say("report.all_pass") not in result.stdout
    assert say("report.isolation", isolation="|").split("|")[0] in result.stdout  # --verbose
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["max_score"] == catalog.BY_NAME["dot"].points
    assert {tuple(t["tags"]) for t in data["tests"]} == {("dot",)}


@pytest.mark.parametrize("on_disk", [False, True])
def test_a_grade_that_must_first_record_the_reference_says_so_before_the_wait(on_disk, monkeypatch, capsys,
                                                                            tmp_path):
    from grader import cli, recording
    golden = recording.recording(0)  # read, or built and kept, in the user's cache
    monkeypatch.setattr(recording, "_memo", {})
    if not on_disk:  # an empty cache: this grade builds the recording (given here, not made again)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
        monkeypatch.setattr(recording, "_record", lambda seed: golden)
    assert cli.main(["solutions", "--only", "add", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"{catalog.BY_NAME['add'].points:g}/{catalog.BY_NAME['add'].points:g}"
    assert (say("report.building_recording") in err) is not on_disk, err
