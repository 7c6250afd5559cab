"""Grading a notebook grades its definitions, not its exploration."""

import nbformat

from grader.grading import grade
from grader.load import load_submission
from grader.kata.mistakes import reference_source
from helpers import lost_points


def notebook_with_scratch_cells(path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# My gradient descent"),
        nbformat.v4.new_code_cell("%matplotlib inline\n!pip install nothing\nimport seaborn_not_installed"),
        nbformat.v4.new_code_cell(reference_source()),
        nbformat.v4.new_code_cell("for i in range(10**12):\n    print(i)"),
        nbformat.v4.new_code_cell("import time\ntime.sleep(3600)"),
        nbformat.v4.new_code_cell("raise RuntimeError('scratch')"),
        nbformat.v4.new_code_cell("%%bash\necho hi"),
        nbformat.v4.new_code_cell("this is not python("),
        nbformat.v4.new_code_cell("STEP = 0.01\nUNUSED = compute_forever()\n"
                                  "def descend(v):\n"
                                  "    return gradient_step(v, sum_of_squares_gradient(v), -STEP)"),
    ]
    nbformat.validate(nb)
    nbformat.write(nb, str(path))
    return path


def test_scratch_cells_do_not_stop_the_functions_being_graded(tmp_path):
    path = notebook_with_scratch_cells(tmp_path / "work.ipynb")
    run = grade(str(path))
    assert run.load_error is None
    assert lost_points(run) == {}
    submission = load_submission(str(path))
    source = submission.files["submission.py"]
    assert "STEP = 0.01" in source and "compute_forever" not in source and "sleep" not in source
    assert any("cell 8 has a syntax error" in note for note in submission.notes)


def test_a_syntax_error_in_a_cell_defining_an_exercise_names_the_cell(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_code_cell("def dot(v, w)\n    return 0")]
    nbformat.write(nb, str(tmp_path / "bad.ipynb"))
    try:
        load_submission(str(tmp_path / "bad.ipynb"))
    except Exception as error:
        assert "cell 2, line 1" in str(error)
    else:
        raise AssertionError("a syntax error in an exercise cell must be reported")


def test_a_package_folder_is_loaded_with_relative_imports(tmp_path):
    # solutions/ is a package whose gradient_descent imports .linear_algebra
    assert load_submission("solutions").kind == "package"
    assert lost_points(grade("solutions")) == {}
