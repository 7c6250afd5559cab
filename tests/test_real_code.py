"""Learners' code as they really write it: scripts, their own file names and layouts, old habits.

Each fixture under tests/fixtures/real_code/ is written for this project, one per pattern
found in real learners' implementations of the chapter (none of their code is here). Each
test grades one fixture and checks its expected grade: which of the kata's functions lose
points (the ones it does not define, and the ones it gets wrong), and what the report says.
"""
import json
import shutil
import sys

import nbformat
import pytest

from grader.grading import describe_load_failure, grade
from grader.kata.catalog import FUNCTION_NAMES
from grader.kata.mistakes import reference_source
from grader.load import MANIFEST, load_submission
from grader.score import points_by_line
from helpers import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "real_code"
LINEAR_ALGEBRA = {"add", "subtract", "vector_sum", "scalar_multiply", "vector_mean", "dot", "sum_of_squares",
                  "magnitude", "squared_distance", "distance"}
EVERYTHING = set(FUNCTION_NAMES)


def losing(run):
    """The kata's functions that did not get full marks."""
    points = points_by_line(run.records)
    return {name for name in FUNCTION_NAMES if name in points and points[name] < _max(name)}


def _max(name):
    from grader.kata.catalog import BY_NAME
    return BY_NAME[name].points


def expect(run, defines, wrong=frozenset()):
    assert run.load_error is None, run.load_error
    expected = (EVERYTHING - set(defines)) | set(wrong)
    assert losing(run) == expected, [(r.test, r.failure) for r in run.records if r.failure and
                                     r.function not in expected]


def failure_messages(run, function):
    return " ".join(f"{r.failure.message} {r.failure.detail}" for r in run.records
                    if r.function == function and r.failure)


# --- scripts ----------------------------------------------------------------------

def test_a_script_with_a_plotting_import_and_an_endless_training_loop_is_graded_by_its_definitions():
    # Sandboxed, as a learner's file is: the loop at the top level would never end if it ran.
    run = grade(str(FIXTURES / "matplotlib_training_script.py"))
    expect(run, EVERYTHING)  # estimate_gradient's default h of 1e-5 is fine too
    assert all(r.passed for r in run.records if r.experiment)
    notes = " ".join(run.notes)
    assert "10 top-level statement(s) were not run" in notes and "line 57 `print(\"add:\"" in notes
    assert "move experiments into functions" not in notes


def test_consistently_swapped_arguments_cost_only_the_function_that_has_them():
    run = grade(str(FIXTURES / "swapped_scalar_multiply.py"), in_process=True)
    expect(run, EVERYTHING, wrong={"scalar_multiply"})
    notes = {r.note for r in run.records if r.function in ("vector_mean", "gradient_step") and r.note}
    assert any("right with your own" in n and "`scalar_multiply`" in n for n in notes)


def test_input_exit_and_name_errors_at_the_top_level_are_not_run():
    run = grade(str(FIXTURES / "input_and_exit_at_top.py"), in_process=True)
    expect(run, {"add", "subtract", "dot", "sum_of_squares"})
    assert any("line 3 `name = input(" in n for n in run.notes)


def test_python_2_print_statements_cost_only_the_function_they_are_in():
    run = grade(str(FIXTURES / "python2_prints_in_scratch_lines.py"), in_process=True)
    expect(run, {"add", "vector_sum", "scalar_multiply", "magnitude"})  # dot has a print statement inside
    notes = " ".join(run.notes)
    assert "syntax error in `dot`" in notes and "Python 2" in notes


def test_numpy_answers_with_numpy_plots_at_the_top_level():
    run = grade(str(FIXTURES / "numpy_script.py"), in_process=True)
    expect(run, {"add", "subtract", "dot", "sum_of_squares_gradient", "linear_gradient"})


def test_a_module_that_is_not_installed_costs_only_the_functions_that_use_it():
    run = grade(str(FIXTURES / "missing_modules.py"))
    expect(run, {"add", "dot", "distance"}, wrong={"dot", "distance"})
    for function, module in (("dot", "fastvectors"), ("distance", "scipy")):
        message = failure_messages(run, function)
        assert f"`{module}` is not available where your code is graded" in message, message


def test_functions_under_the_main_guard_are_graded_with_a_note():
    run = grade(str(FIXTURES / "functions_under_main.py"), in_process=True)
    # The top-level distance is graded, not the demo's redefinition under the guard.
    expect(run, {"scalar_multiply", "add", "distance", "gradient_step", "sum_of_squares_gradient"})
    notes = " ".join(run.notes)
    assert "`gradient_step` is defined under `if __name__ == \"__main__\":`" in notes
    assert "`distance` is defined under" not in notes


# --- folders in the learner's own layout ---------------------------------------------

def test_a_folder_with_linealg_and_a_star_import():
    run = grade(str(FIXTURES / "linealg_star_imports"))
    expect(run, EVERYTHING)  # estimate_gradient's default h of 1e-3 is fine too
    assert any(n.startswith("gradient.py: only definitions are graded") for n in run.notes)


def test_a_module_imported_under_an_alias_from_another_folder_is_isolated_too():
    # ch08/gradient.py calls la.add; add is wrong, gradient_step is right with a correct add.
    run = grade(str(FIXTURES / "module_alias_across_folders"), in_process=True)
    expect(run, {"add", "subtract", "scalar_multiply", "dot", "sum_of_squares", "magnitude", "gradient_step",
                 "sum_of_squares_gradient"}, wrong={"add"})


@pytest.mark.parametrize("folder", ["book_scratch_layout", "book_scratch_layout/scratch"])
def test_the_books_scratch_package_layout_resolves_inside_the_upload(folder):
    run = grade(str(FIXTURES / folder), in_process=True)
    expect(run, EVERYTHING)


def test_a_whole_repository_checkout_is_graded_from_its_exercises_folder():
    run = grade(str(FIXTURES / "nested_repository_checkout"))
    expect(run, EVERYTHING, wrong={"dot", "minibatches"})  # solutions/ and notes/ are not the learner's work
    manifest = json.loads(load_submission(str(FIXTURES / "nested_repository_checkout")).files[MANIFEST])
    graded_from = set(manifest["functions"].values())
    assert graded_from == {"submission/linear_algebra.py", "submission/gradient_descent.py"}


def test_the_same_name_in_two_files_is_graded_where_its_chapter_is_and_the_report_says_so():
    run = grade(str(FIXTURES / "duplicate_definitions"), in_process=True)
    expect(run, {"subtract", "sum_of_squares", "squared_distance", "distance", "sum_of_squares_gradient"})
    assert any("`distance` is defined 2 times" in n and "the one graded is in vectors.py, line 17" in n
               for n in run.notes)


@pytest.mark.parametrize("depth", ["the folder graded", "a folder inside it"])
def test_relative_imports_between_files_work_without_an_init_file(tmp_path, depth):
    # `from .linear_algebra import add` with no __init__.py: Python treats the folder as a package.
    folder = tmp_path / "upload" if depth == "the folder graded" else tmp_path / "upload" / "chapter"
    folder.mkdir(parents=True)
    for name in ("linear_algebra.py", "gradient_descent.py"):
        shutil.copy(ROOT / "solutions" / name, folder / name)
    assert "from .linear_algebra import" in (folder / "gradient_descent.py").read_text(encoding="utf-8")
    run = grade(str(tmp_path / "upload"))
    expect(run, EVERYTHING)
    assert all(r.passed for r in run.records if r.experiment)


# Learners who try each chapter out beside its code often name the file test_*.py; here the
# chapter-8 file star-imports the chapter-4 one and runs a descent at its top level (not run).
MY_VECTORS = """
import math

def add(v, w):
    assert len(v) == len(w), "vectors must be the same length"
    return [a + b for a, b in zip(v, w)]

def subtract(v, w):
    assert len(v) == len(w), "vectors must be the same length"
    return [a - b for a, b in zip(v, w)]

def dot(v, w):
    assert len(v) == len(w), "vectors must be the same length"
    return sum(a * b for a, b in zip(v, w))

def sum_of_squares(v):
    return dot(v, v)

def magnitude(v):
    return math.sqrt(sum_of_squares(v))
"""
TEST_DESCENT = """
from my_vectors import *
import random

def partial_difference_quotient(f, v, i, h):
    w = [v_j + (h if j == i else 0) for j, v_j in enumerate(v)]
    return (f(w) - f(v)) / h

def estimate_gradient(f, v, h=0.00001):
    return [partial_difference_quotient(f, v, i, h) for i in range(len(v))]

def sum_of_squares_gradient(v):
    return [2 * v_i for v_i in v]

def gradient_step(v, gradient, step_size):
    assert len(v) == len(gradient)
    step = [step_size * g for g in gradient]
    return add(v, step)

v = [random.uniform(-10, 10) for _ in range(3)]
for epoch in range(1000):
    v = gradient_step(v, sum_of_squares_gradient(v), -0.01)
print(epoch, v, magnitude(v))
"""


def test_a_learners_files_named_like_tests_are_graded(tmp_path):
    (tmp_path / "my_vectors.py").write_text(MY_VECTORS, encoding="utf-8")
    (tmp_path / "test_descent.py").write_text(TEST_DESCENT, encoding="utf-8")
    run = grade(str(tmp_path), in_process=True)
    expect(run, {"add", "subtract", "dot", "sum_of_squares", "magnitude", "partial_difference_quotient",
                 "estimate_gradient", "sum_of_squares_gradient", "gradient_step"})
    assert any(n.startswith("test_descent.py: only definitions are graded") for n in run.notes), run.notes


def test_one_function_per_module_with_package_imports():
    run = grade(str(FIXTURES / "one_function_per_module"), in_process=True)
    expect(run, {"add", "scalar_multiply", "gradient_step"})


def test_the_gradescope_runner_grades_a_folder_as_the_command_line_does(tmp_path):
    from grader.platforms.gradescope import run as gradescope_run
    shutil.copytree(FIXTURES / "linealg_star_imports", tmp_path / "submission")
    gradescope_run(tmp_path)
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert results["score"] == 100 and results["tests"]


# --- notebooks ----------------------------------------------------------------------

def test_notebook_cells_under_python_cell_magics_are_graded(tmp_path):
    parts = reference_source().split("\n\ndef ")
    cells = [nbformat.v4.new_code_cell(parts[0])]
    magics = ["%%time", "%%timeit -n 1", "%%capture captured"]
    for number, part in enumerate(parts[1:]):
        cells.append(nbformat.v4.new_code_cell(f"{magics[number % 3]}\ndef {part}"))
    cells.append(nbformat.v4.new_code_cell("%%bash\necho this cell is not Python"))
    notebook = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / "timed.ipynb"
    nbformat.write(notebook, str(path))
    run = grade(str(path), in_process=True)
    expect(run, EVERYTHING)


# --- fairness --------------------------------------------------------------------------

def test_a_constant_or_always_raising_function_earns_nothing(write_submission):
    source = reference_source() + (
        "\n\ndef distance(v, w):\n    return 0.0\n"
        "\n\ndef dot(v, w):\n    return 0.0\n"
        "\n\ndef squared_distance(v, w):\n    raise ValueError('no')\n"
        "\n\ndef subtract(v, w):\n    return [0.0 for _ in v]\n")
    run = grade(str(write_submission(source)), in_process=True)
    points = points_by_line(run.records)
    assert {name: points[name] for name in ("distance", "dot", "squared_distance", "subtract")} == \
        {"distance": 0, "dot": 0, "squared_distance": 0, "subtract": 0}
    assert losing(run) == {"distance", "dot", "squared_distance", "subtract"}
    # The laws they obey were passed, and earned nothing.
    assert any(r.passed and r.law for r in run.records if r.function == "distance")


def test_estimate_gradient_defaults_from_1e_5_to_1e_3_earn_full_marks_a_large_one_not(write_submission):
    for default, loses in (("0.00001", False), ("0.001", False), ("0.05", True)):
        source = reference_source() + (
            f"\n\ndef estimate_gradient(f, v, h={default}):\n"
            f"    return [partial_difference_quotient(f, v, i, h) for i in range(len(v))]\n")
        run = grade(str(write_submission(source)), in_process=True, only=["estimate_gradient"])
        assert ("estimate_gradient" in losing(run)) == loses, default


# --- what loading says -----------------------------------------------------------------

def test_statements_kept_for_the_definitions_that_fail_at_load_are_reported_by_kind(write_submission):
    source = ("import sys\n"
              "DEFAULT_H = float(sys.argv[7])\n"
              "LIMIT = sys.exit('usage: gd.py LIMIT') if len(sys.argv) < 9 else 0\n"
              "def clip(x):\n    return min(x, LIMIT)\n"
              "def add(v, w):\n    return [clip(a + b) + DEFAULT_H for a, b in zip(v, w)]\n")
    run = grade(str(write_submission(source)), in_process=True, only=["add"])
    notes = " ".join(run.notes)
    assert "line 2: `DEFAULT_H = float(sys.argv[7])` raised IndexError" in notes
    assert "line 3: `LIMIT = sys.exit(" in notes and "ends the program when the file is loaded" in notes


@pytest.mark.parametrize("reply, says", [
    ({"type": "ModuleNotFoundError", "message": "No module named 'docopt'", "where": ["x.py, line 1"]},
     "needs the module `docopt`, which is not available where your code is graded"),
    ({"type": "SyntaxError", "message": "invalid syntax", "where": ["x.py, line 3"]},
     "a syntax error (x.py, line 3)"),
    ({"type": "ZeroDivisionError", "message": "division by zero", "where": []}, "raised this error: fix it"),
    ({"type": "Exit", "message": "your code ended the program while it was being loaded (exit status 0)",
      "where": []}, "Remove sys.exit()"),
    ({"type": "TimeoutError", "message": "loading your code took longer than 30 seconds", "where": []},
     "Move long loops"),
])
def test_each_kind_of_load_failure_has_its_own_message_and_fix(reply, says):
    message = describe_load_failure("work.py", reply)
    assert says in message
    assert "move experiments into functions" not in message


def test_a_top_level_syntax_error_outside_any_definition_costs_nothing(write_submission):
    source = reference_source() + "\n\nprint 'done'\nthis is not python(\n"
    submission = load_submission(str(write_submission(source)))
    assert not submission.missing or all(v is None for v in submission.missing.values())
    assert set(FUNCTION_NAMES) <= submission.defined
    assert any("could not be parsed" in n for n in submission.notes)


def test_graded_line_numbers_are_the_learners_own(write_submission):
    source = ("import matplotlib.pyplot as plt\nprint('hi')\n\n\n"
              "def add(v, w):\n    return [a + b for a, b in zip(v, w)][5]\n")
    path = write_submission(source, "my_vectors.py")
    text = load_submission(str(path)).files["submission.py"]
    assert text.splitlines()[4:6] == source.splitlines()[4:6] and "print" not in text
    run = grade(str(path), in_process=True, only=["add"])
    where = [w for r in run.records if r.failure for w in r.failure.where]
    assert any("my_vectors.py, line 6, in add" in w for w in where), where


@pytest.fixture(autouse=True)
def _no_leftover_hooks():
    before = list(sys.meta_path)
    yield
    assert sys.meta_path == before  # in-process loading leaves no import hooks behind


def test_a_half_written_function_costs_only_itself(write_submission):
    source = ("def get_column(A):\n\n# vectors\n\n"
              "def add(v, w):\n    return [a + b for a, b in zip(v, w)]\n\n"
              "def dot(v, w):\n    return sum(a * b for a, b in zip(v, w))\n")
    submission = load_submission(str(write_submission(source)))
    assert {"add", "dot"} <= submission.defined and "get_column" not in submission.defined
    assert any("line 1: syntax error in `get_column`" in n for n in submission.notes)


def test_a_learners_own_import_fallback_runs_instead_of_a_stand_in(write_submission):
    source = ("try:\n    from fastlib import dot\nexcept ImportError:\n"
              "    def dot(v, w):\n        if len(v) != len(w):\n            raise ValueError('lengths')\n"
              "        return sum(a * b for a, b in zip(v, w))\n"
              "import fastlib2\n\ndef add(v, w):\n    return fastlib2.add(v, w)\n")
    run = grade(str(write_submission(source)), in_process=True, only=["add", "dot"])
    assert losing(run) & {"add", "dot"} == {"add"}
    assert "`fastlib2` is not available" in failure_messages(run, "add")
