"""The learner notebook and the instructor's answer key, built with nbformat; and the helpers their cells call.

    python -m grader notebook [--solutions] [--out PATH]

The learner notebook tells the chapter's story, has one stub cell per exercise in
order, each followed by a `check("name")` cell that grades just that function
through the grader, and ends with the chapter's experiments, which run once the
functions are done. `--solutions` fills the stubs from solutions/.
"""
import ast
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import List, Optional

from ..kata import catalog, experiments
from ..paths import PROJECT_ROOT


INTRO = """# Gradient descent from scratch

This notebook follows the gradient-descent chapter of *Data Science from Scratch*.
You will write the vector operations, estimate gradients numerically, and then fit
the line `y = 40x + 5` to noisy data by batch, minibatch and stochastic gradient descent.

Fill in each function where it says `raise NotImplementedError`, run its cell, then run
the `check(...)` cell below it. A green ✓ means the function passes every test; otherwise
you see the smallest input it gets wrong, what was expected, what came back, and a hint.
Run the cells from the top after restarting the kernel."""

SECTIONS = {
    "add": "## 1. Vectors\n\nVectors are plain lists of numbers. Every function returns a new list and leaves its "
           "arguments unchanged.",
    "difference_quotient": "## 2. Estimating a gradient\n\nThe *difference quotient* is the slope of `f` between "
                           "`x` and `x + h`. For small `h` it approaches the derivative.",
    "gradient_step": "## 3. Using the gradient\n\nTo minimise a function, take small steps against its gradient.",
    "linear_gradient": "## 4. Fitting a model\n\nThe data are `y = 40x + 5` plus Gaussian noise (sigma 0.2). "
                       "`linear_gradient` is the gradient of one point's squared error with respect to "
                       "`theta = [slope, intercept]`.",
}

EXPERIMENT_INTRO = """## 5. The experiments

These cells use *your* functions together. They need every function above.
Settings: batch, learning rate 0.001 for 5000 epochs; minibatch (20), 0.0005 for 2000
epochs; stochastic, 0.0001 for 400 epochs, visiting the points in a new random order each
epoch. (The book's 0.001 makes stochastic gradient descent diverge on noisy data.)"""


def _module_sources(folder: str):
    """Top-level statements of the folder's two modules: (helpers and imports, {exercise: source})."""
    helpers: List[str] = []
    functions = {}
    for name in ("linear_algebra", "gradient_descent"):
        text = (PROJECT_ROOT / folder / f"{name}.py").read_text(encoding="utf-8")
        tree = ast.parse(text)
        for node in tree.body:
            segment = ast.get_source_segment(text, node)
            if isinstance(node, ast.FunctionDef) and node.name in catalog.BY_NAME:
                start = min([d.lineno for d in node.decorator_list] + [node.lineno])
                functions[node.name] = "\n".join(text.splitlines()[start - 1:node.end_lineno])
            elif isinstance(node, ast.FunctionDef):
                helpers.append(segment)
    return helpers, functions


def build(answers: bool = False):
    """The notebook as an nbformat NotebookNode (validated)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    helpers, functions = _module_sources("solutions" if answers else "exercises")
    setup = ["import math", "import random", "from typing import Callable, Iterator, List, TypeVar", "",
             "from grader.learner.notebook import check, experiment", "", "Vector = List[float]", 'T = TypeVar("T")']
    if helpers:
        setup += [""] + helpers
    cells = [new_markdown_cell(INTRO), new_code_cell("\n".join(setup))]
    for exercise in catalog.EXERCISES:
        if exercise.name in SECTIONS:
            cells.append(new_markdown_cell(SECTIONS[exercise.name]))
        cells.append(new_code_cell(functions[exercise.name]))
        cells.append(new_code_cell(f'check("{exercise.name}")'))
    cells.append(new_markdown_cell(EXPERIMENT_INTRO))
    for item in catalog.EXPERIMENTS:
        cells.append(new_markdown_cell(f"### {item.title}"))
        cells.append(new_code_cell(f'experiment("{item.name}")'))
    notebook = new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    return notebook


def write(path: Path, answers: bool = False) -> Path:
    import nbformat
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(build(answers), str(path))
    return path


# --- helpers the notebook's cells call -------------------------------------------

def _namespace() -> dict:
    try:
        from IPython import get_ipython
        shell = get_ipython()
    except ImportError:
        shell = None
    return shell.user_ns if shell is not None else sys.modules["__main__"].__dict__


def _cell_sources(namespace: dict) -> List[str]:
    history = namespace.get("In")
    if isinstance(history, list) and history:
        return [cell for cell in history if isinstance(cell, str)]
    import inspect
    sources = []
    for value in namespace.values():
        if callable(value) and getattr(value, "__module__", None) == "__main__":
            try:
                sources.append(inspect.getsource(value))
            except (OSError, TypeError):
                pass
    return sources


def check(name: str) -> bool:
    """Grade one function of this notebook through the grader, print the result, return whether it passed."""
    from ..grading import grade
    from ..load import definitions_source
    from ..exports.terminal import render

    if name not in catalog.BY_NAME:
        print(f"There is no exercise called {name!r}. The exercises are: {', '.join(catalog.FUNCTION_NAMES)}.")
        return False
    source, _ = definitions_source(_cell_sources(_namespace()))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "notebook.py"
        path.write_text(source, encoding="utf-8")
        run = grade(str(path), only=[name])
    text = render(run, sys.stdout)
    # In a notebook the heading and the isolation line are noise: keep the function's lines.
    lines = [l for l in text.splitlines() if not l.startswith(("Grading ", "Isolation: ", "linear_algebra.py",
                                                               "gradient_descent.py"))]
    print("\n".join(l for l in lines if l.strip()))
    return run.passed


def experiment(name: str, seed: int = 0, plot: bool = True) -> Optional[dict]:
    """Run one of the chapter's experiments with this notebook's functions; print (and plot) the outcome."""
    namespace = _namespace()
    uses = catalog.EXPERIMENT_BY_NAME[name].uses
    missing = [f for f in uses if not callable(namespace.get(f))]
    if missing:
        print(f"Define {', '.join(f'`{m}`' for m in missing)} first.")
        return None
    fns = SimpleNamespace(**{f: namespace[f] for f in catalog.FUNCTION_NAMES if callable(namespace.get(f))})
    kwargs = experiments.arguments(name, seed)
    random_state = experiments.random.getstate()
    experiments.random.seed(seed)
    try:
        result = experiments.DRIVERS[name](fns, **kwargs)
    except NotImplementedError as error:
        print(f"Not implemented yet: finish `{error.args[0] if error.args else 'every function'}` first.")
        return None
    except Exception as error:  # the learner's code: say what happened without a traceback
        print(f"The experiment stopped: {type(error).__name__}: {error}")
        return None
    finally:
        experiments.random.setstate(random_state)
    theta = [float(t) for t in result["theta"]]
    if name == "descend_sum_of_squares":
        print(f"ended at {[round(t, 6) for t in theta]}, distance {float(result['distance']):.2e} from the origin")
    else:
        best = experiments.least_squares(kwargs["data"])
        print(f"slope {theta[0]:.4f}, intercept {theta[1]:.4f}   (least squares: slope {best[0]:.4f}, "
              f"intercept {best[1]:.4f})")
    if plot:
        from . import plots
        if plots.available():
            import matplotlib.pyplot as plt
            plots.figure(name, [[float(x) for x in t] for t in result["trace"]], seed)
            plt.show()
    return result
