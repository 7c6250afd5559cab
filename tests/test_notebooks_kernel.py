"""The generated notebooks, executed top to bottom in a real Jupyter kernel (nbclient + ipykernel)."""
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from grader import text
from grader.kata import catalog
from grader.kata.mistakes import MUTANTS
from grader.learner import notebook

pytest.importorskip("ipykernel")
NotebookClient = pytest.importorskip("nbclient").NotebookClient


def execute(nb, folder):
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    return nb


def text_of(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif output.get("output_type") == "error":
            parts.append("ERROR " + output.get("ename", "") + ": " + output.get("evalue", ""))
    return "".join(parts)


def helper_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(("check(", "experiment("))]


def assert_quiet_helpers(nb):
    """check() and experiment() print what they found and echo nothing: no True/False, no 55-line dict."""
    for cell in helper_cells(nb):
        echoed = [o for o in cell.outputs if o.get("output_type") == "execute_result"]
        assert not echoed, (cell.source, echoed)
        assert len(text_of(cell).splitlines()) <= 12, (cell.source, text_of(cell))


def check_outputs(nb):
    return {re.search(r'check\("(\w+)"\)', c.source).group(1): text_of(c)
            for c in nb.cells if c.cell_type == "code" and c.source.startswith("check(")}


def experiment_outputs(nb):
    return {re.search(r'experiment\("(\w+)"\)', c.source).group(1): text_of(c)
            for c in nb.cells if c.cell_type == "code" and c.source.startswith("experiment(")}


@pytest.fixture(scope="module")
def answer_key(tmp_path_factory):
    folder = tmp_path_factory.mktemp("answers")
    nb = notebook.build(answers=True)
    nbformat.validate(nb)
    return execute(nb, folder)


def test_the_answer_key_passes_every_check_in_a_kernel(answer_key):
    outputs = check_outputs(answer_key)
    assert set(outputs) == set(catalog.FUNCTION_NAMES)
    for name, shown in outputs.items():
        assert f"✓ {name}" in shown and "✗" not in shown and "ERROR" not in shown, (name, shown)
        assert text.say("report.function_passes", function=name) in shown
    assert_quiet_helpers(answer_key)


def test_the_answer_keys_fits_land_on_the_line_and_are_plotted_inline(answer_key):
    outputs = experiment_outputs(answer_key)
    for cell in answer_key.cells:
        if cell.cell_type == "code" and cell.source.startswith("experiment("):
            assert any("image/png" in o.get("data", {}) for o in cell.outputs), cell.source
    assert "distance" in outputs["descend_sum_of_squares"]
    for name in ("fit_batch", "fit_minibatch", "fit_sgd"):
        assert len(outputs[name].strip().splitlines()) == 1, outputs[name]  # one compact line, then the plot
        found = re.search(r"slope ([-\d.]+), intercept ([-\d.]+)", outputs[name])
        slope, intercept = map(float, found.groups())
        assert abs(slope - 40) < 0.1 and abs(intercept - 5) < 0.1, outputs[name]


def replace_function(nb, name, source):
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith(f"def {name}("):
            cell.source = source
            return
    raise AssertionError(f"no cell defines {name}")


def test_the_learner_notebook_runs_cleanly_and_a_filled_in_function_goes_green(tmp_path):
    path = tmp_path / "kata.ipynb"
    notebook.write(path)  # as a learner gets it
    nb = nbformat.read(str(path), as_version=4)
    replace_function(nb, "add", "def add(v, w):\n    assert len(v) == len(w)\n"
                                "    return [a + b for a, b in zip(v, w)]")
    subtract_mistake = next(m for m in MUTANTS if m.id == "subtract-reversed")
    replace_function(nb, "subtract", subtract_mistake.source)
    nb = execute(nb, tmp_path)
    assert not [c for c in nb.cells if any(o.get("output_type") == "error" for o in c.get("outputs", []))]
    outputs = check_outputs(nb)
    assert "✓ add" in outputs["add"]
    assert "✗ subtract" in outputs["subtract"]
    assert text.say("report.looks_like", mistake=text.mistake("subtract-reversed")) in outputs["subtract"]
    for name in catalog.FUNCTION_NAMES[2:]:
        assert text.say("report.not_implemented") in outputs[name], (name, outputs[name])
        assert text.say("hints.offer_notebook", function=name) in outputs[name]
    unfinished = text.say("notebook.finish_first", function="|").split("|")[0]
    for shown in experiment_outputs(nb).values():
        assert shown.startswith(unfinished), shown
    assert_quiet_helpers(nb)


def test_without_the_grader_the_setup_cell_says_what_it_needs(tmp_path):
    setup = next(c.source for c in notebook.build().cells if c.cell_type == "code")
    python = "/usr/bin/python3"  # a Python without the kata installed, if the machine has one
    if not Path(python).exists():
        pytest.skip("no system Python")
    probe = subprocess.run([python, "-I", "-c", "import grader"], cwd=tmp_path, capture_output=True)
    if probe.returncode == 0:
        pytest.skip("the system Python can import the grader")
    code = setup + '\ncheck("add")\nhint("add")\n'
    done = subprocess.run([python, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(text.say("notebook.needs_grader")) == 3
