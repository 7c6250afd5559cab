"""The learner notebook and the instructor's answer key, built with nbformat; and the helpers their
cells call.

    python -m grader notebook [--solutions] [--out PATH]

The learner notebook tells the chapter's story, has one stub cell per exercise in
order, each followed by a `check("name")` cell that grades just that function
through the grader, and ends with the chapter's experiments, which run once the
functions are done. Its stubs are always the pristine ones (grader/pristine.py),
never a learner's edited exercises/. `--solutions` fills the stubs from solutions/.
Every sentence is in grader/text/<lang>/notebook.toml.

The helpers print what they found and return an object Jupyter does not echo:
`check` one whose truth is whether the function passed, `experiment` one holding the
run's result. `hint(name)` shows the next step of a function's hints.
"""
import ast
import os
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List, Optional

from .. import pristine, text
from ..kata import catalog, experiments
from ..paths import PROJECT_ROOT
from ..text import say

MODULES = ("linear_algebra", "gradient_descent")


def _module_text(folder: str, module: str) -> str:
    relative = f"{folder}/{module}.py"
    if folder == "exercises":
        return pristine.pristine_text(relative)
    return (PROJECT_ROOT / relative).read_text(encoding="utf-8")


def _module_sources(folder: str):
    """Top-level statements of the folder's two modules: (helpers and imports, {exercise: source})."""
    helpers: List[str] = []
    functions = {}
    for name in MODULES:
        source = _module_text(folder, name)
        tree = ast.parse(source)
        for node in tree.body:
            segment = ast.get_source_segment(source, node)
            if isinstance(node, ast.FunctionDef) and node.name in catalog.BY_NAME:
                start = min([d.lineno for d in node.decorator_list] + [node.lineno])
                functions[node.name] = "\n".join(source.splitlines()[start - 1:node.end_lineno])
            elif isinstance(node, ast.FunctionDef):
                helpers.append(segment)
    return helpers, functions


def edited_stubs(answers: bool = False) -> List[str]:
    """The stub files that differ from the originals (the notebook is built from the originals anyway)."""
    if answers:
        return []
    return [f"exercises/{m}.py" for m in MODULES if pristine.differs(f"exercises/{m}.py")]


def _setup_cell(helpers: List[str]) -> str:
    """The first code cell: imports, and the helpers, or a plain word on what the notebook needs."""
    needs = say("notebook.needs_grader")
    lines = ["import math", "import random", "from typing import Callable, Iterator, List, TypeVar", "",
             "try:",
             "    from grader.learner.notebook import check, experiment, hint",
             "except ImportError:  # the kata's grader is not installed in this kernel",
             f"    _NEEDS = {needs!r}",
             "    print(_NEEDS)",
             "",
             "    def check(name, *args, **kwargs):",
             "        print(_NEEDS)",
             "",
             "    experiment = hint = check",
             "",
             "Vector = List[float]", 'T = TypeVar("T")']
    for helper in helpers:
        lines += ["", "", helper]
    return "\n".join(lines)


def build(answers: bool = False):
    """The notebook as an nbformat NotebookNode (validated)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    helpers, functions = _module_sources("solutions" if answers else "exercises")
    cells = [new_markdown_cell(say("notebook.intro")), new_code_cell(_setup_cell(helpers))]
    sections = text.all_keys()
    for exercise in catalog.EXERCISES:
        if f"notebook.sections.{exercise.name}" in sections:
            cells.append(new_markdown_cell(say(f"notebook.sections.{exercise.name}")))
        cells.append(new_code_cell(functions[exercise.name]))
        cells.append(new_code_cell(f'check("{exercise.name}")'))
    cells.append(new_markdown_cell(say("notebook.experiment_intro")))
    for item in catalog.EXPERIMENTS:
        cells.append(new_markdown_cell(say("notebook.experiment_heading", title=item.title)))
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

class Quiet:
    """A helper's return value: Jupyter shows nothing for it (the helper has printed already)."""

    def _ipython_display_(self):
        pass

    def __repr__(self) -> str:
        return ""


class Checked(Quiet):
    """What `check` found: true when the function passed every test."""

    def __init__(self, name: str, passed: bool):
        self.name, self.passed = name, passed

    def __bool__(self) -> bool:
        return self.passed


class Experimented(Quiet):
    """What `experiment` found: `result` is the run's dict (theta, trace, ...), None when it did not run."""

    def __init__(self, name: str, result: Optional[Dict] = None):
        self.name, self.result = name, result

    def __bool__(self) -> bool:
        return self.result is not None

    @property
    def theta(self) -> Optional[List[float]]:
        return [float(t) for t in self.result["theta"]] if self.result else None


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


def _unknown(name: str) -> bool:
    if name in catalog.BY_NAME:
        return False
    print(say("notebook.unknown_exercise", name=name, names=", ".join(catalog.FUNCTION_NAMES)))
    return True


def check(name: str) -> Checked:
    """Grade one function of this notebook through the grader and print the result."""
    from ..discover import DiscoveryError
    from ..exports import terminal
    from ..grading import grade
    from ..load import definitions_source

    if _unknown(name):
        return Checked(name, False)
    try:
        source, _ = definitions_source(_cell_sources(_namespace()))
    except DiscoveryError as error:  # a syntax error in a cell that defines an exercise
        print(say("report.could_not_grade"))
        print(error)
        return Checked(name, False)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "notebook.py"
        path.write_text(source, encoding="utf-8")
        run = grade(str(path), only=[name], notice=print)  # in the cell's output, before its wait
    if run.load_error:
        print(say("report.could_not_grade"))
        print(run.load_error)
        return Checked(name, False)
    style = terminal._Style(sys.stdout)
    lines = [say("report.note", note=note) for note in run.notes]
    # The section heading and the points total are noise under one cell: keep the function's own lines.
    lines += [line for line in terminal.body(run, style) if line.startswith("  ")]
    lines.append(say("report.function_passes", function=name) if run.passed
                 else say("hints.offer_notebook", function=name))
    print("\n".join(lines))
    return Checked(name, run.passed)


def hint(name: str, reset: bool = False) -> None:
    """Print the next step of name's hints (the first, the first time); reset=True starts over."""
    from . import hints
    if name not in catalog.BY_NAME:
        print(say("hints.unknown", name=name, names=", ".join(catalog.FUNCTION_NAMES)))
        return
    where = f"notebook in {os.getcwd()}"
    if reset:
        hints.reset(where, name)
        print(say("hints.reset_done_notebook", function=name))
        return
    print(text.hint(name, hints.next_level(where, name)))


def experiment(name: str, seed: int = 0, plot: bool = True) -> Experimented:
    """Run one of the chapter's experiments with this notebook's functions; print a line and plot it."""
    if name not in catalog.EXPERIMENT_BY_NAME:
        print(say("notebook.unknown_experiment", name=name,
                  names=", ".join(e.name for e in catalog.EXPERIMENTS)))
        return Experimented(name)
    namespace = _namespace()
    uses = catalog.EXPERIMENT_BY_NAME[name].uses
    missing = [f for f in uses if not callable(namespace.get(f))]
    if missing:
        print(say("notebook.define_first", functions=text.listed(missing)))
        return Experimented(name)
    fns = SimpleNamespace(**{f: namespace[f] for f in catalog.FUNCTION_NAMES if callable(namespace.get(f))})
    kwargs = experiments.arguments(name, seed)
    random_state = experiments.random.getstate()
    experiments.random.seed(seed)
    try:
        result = experiments.DRIVERS[name](fns, **kwargs)
    except NotImplementedError as error:
        unfinished = error.args[0] if error.args and error.args[0] in catalog.BY_NAME else None
        print(say("notebook.finish_first", function=unfinished) if unfinished
              else say("notebook.finish_everything"))
        return Experimented(name)
    except Exception as error:  # the learner's code: say what happened without a traceback
        print(say("notebook.experiment_stopped", type=type(error).__name__, message=error))
        return Experimented(name)
    finally:
        experiments.random.setstate(random_state)
    outcome = Experimented(name, result)
    try:
        theta = outcome.theta
        if name == "descend_sum_of_squares":
            print(say("notebook.descend_result", point=[round(t, 6) for t in theta],
                      distance=float(result["distance"])))
        else:
            best = experiments.least_squares(kwargs["data"])
            print(say("notebook.fit_result", slope=theta[0], intercept=theta[1], best_slope=best[0],
                      best_intercept=best[1]))
    except (KeyError, TypeError, ValueError, IndexError):  # theta is not what the drivers build
        print(say("notebook.unexpected_result"))
        return outcome
    if plot:
        _plot(name, result, seed)
    return outcome


def _plot(name: str, result: Dict, seed: int) -> None:
    from . import plots
    if not plots.available():
        print(say("notebook.plots_need_matplotlib"))
        return
    import matplotlib.pyplot as plt
    try:
        trace = [[float(x) for x in t] for t in result["trace"]]
    except (KeyError, TypeError, ValueError):
        return
    plots.figure(name, trace, seed)
    plt.show()
