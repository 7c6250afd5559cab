"""Turn a TARGET into a Submission: the source files to run, and what can be told without running them.

Runs on the trusted side and only parses: nothing here executes submission code.
TARGET is `solutions`, `exercises`, a `.py` file, a folder laid out like `exercises/`,
or a Jupyter notebook. From a notebook only the definitions are kept (imports,
functions, classes and the assignments they use), so exploration cells that print,
sleep or train for minutes do not stand in the way of grading.
"""
import ast
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set

from .kata.catalog import FUNCTION_NAMES
from .paths import PROJECT_ROOT

MAX_FILE_BYTES = 1024 * 1024
_MAGIC = re.compile(r"^\s*[%!]|^\s*\w[\w.]*\?\??\s*$|\?\?\s*$")


class LoadError(Exception):
    """The target cannot be graded. The message names the problem and the fix."""


@dataclass
class Submission:
    label: str
    kind: str  # "module" (one file, everything at top level) or "package" (a folder like exercises/)
    files: Dict[str, str]  # path inside the worker's scratch directory -> source text
    defined: Set[str] = field(default_factory=set)
    references: Dict[str, Set[str]] = field(default_factory=dict)  # exercise -> other exercises it names
    notes: List[str] = field(default_factory=list)

    @property
    def missing(self) -> Dict[str, Optional[str]]:
        """Exercise functions not defined, each with the near miss the learner may have meant."""
        others = sorted(self.defined - set(FUNCTION_NAMES))
        result = {}
        for name in FUNCTION_NAMES:
            if name not in self.defined:
                close = difflib.get_close_matches(name, others, n=1, cutoff=0.75)
                result[name] = close[0] if close else None
        return result


def load_submission(spec: str) -> Submission:
    if spec in ("solutions", "exercises"):
        return _package(PROJECT_ROOT / spec, spec)
    path = Path(spec)
    if not path.exists():
        raise LoadError(f"{spec}: no such file or folder. Give a .py file, a .ipynb notebook, a folder laid "
                        f"out like exercises/, or the word 'solutions' or 'exercises'.")
    if path.is_dir():
        return _package(path, str(path))
    if path.suffix == ".py":
        text = _read(path)
        tree = _parse(text, path.name)
        submission = Submission(str(path), "module", {"submission.py": text})
        _survey(tree, submission)
        return submission
    if path.suffix == ".ipynb":
        return _notebook(path)
    raise LoadError(f"{spec}: cannot grade a '{path.suffix or 'extensionless'}' file. Give a .py file, a .ipynb "
                    f"notebook, or a folder laid out like exercises/.")


def _read(path: Path) -> str:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise LoadError(f"{path}: the file is larger than 1 MiB; is it the right file?")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise LoadError(f"{path}: the file is not UTF-8 text. Save it as UTF-8 and grade again.") from None


def _parse(text: str, filename: str, where: str = "") -> ast.Module:
    try:
        return ast.parse(text, filename=filename)
    except SyntaxError as error:
        line = (error.text or "").rstrip()
        pointer = f"\n    {line}" if line else ""
        raise LoadError(f"{where or filename}, line {error.lineno}: syntax error: {error.msg}{pointer}\n"
                        f"Fix this line and grade again.") from None


def _package(directory: Path, label: str) -> Submission:
    sources = sorted(p for p in directory.glob("*.py"))
    if not any(p.name in ("linear_algebra.py", "gradient_descent.py") for p in sources):
        raise LoadError(f"{directory}: this folder has no linear_algebra.py or gradient_descent.py. Point the "
                        f"grader at a folder laid out like exercises/, or at a single .py file or notebook.")
    submission = Submission(label, "package", {"submission/__init__.py": ""})
    for path in sources:
        text = _read(path)
        tree = _parse(text, f"{directory.name}/{path.name}")
        submission.files[f"submission/{path.name}"] = text
        _survey(tree, submission)
    return submission


def _survey(tree: ast.Module, submission: Submission) -> None:
    """Record the top-level names a module defines, and what each exercise function refers to."""
    for node in tree.body:
        for name in _bound_names(node):
            submission.defined.add(name)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in FUNCTION_NAMES:
            used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            submission.references[node.name] = (used & set(FUNCTION_NAMES)) - {node.name}


def _bound_names(node: ast.stmt) -> Set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    if isinstance(node, (ast.If, ast.Try)):
        return {name for child in node.body for name in _bound_names(child)}
    return set()


# --- notebooks ----------------------------------------------------------------

def _notebook(path: Path) -> Submission:
    import nbformat
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except Exception as error:  # nbformat raises several unrelated types for a broken file
        raise LoadError(f"{path}: this is not a readable Jupyter notebook ({type(error).__name__}: "
                        f"{str(error).splitlines()[0] if str(error) else 'unreadable'}). Download it again from "
                        f"Jupyter with File > Download, or grade the .py file instead.") from None
    sources = [cell.get("source", "") for cell in notebook.cells if cell.get("cell_type") == "code"]
    numbers = [n for n, cell in enumerate(notebook.cells, start=1) if cell.get("cell_type") == "code"]
    text, notes = definitions_source(sources, numbers, path.name)
    submission = Submission(str(path), "module", {"submission.py": text}, notes=notes)
    _survey(ast.parse(text), submission)
    return submission


def definitions_source(sources: List[str], numbers: Optional[List[int]] = None, name: str = "notebook"):
    """The definitions in a notebook's code cells, as one module's source, and notes on skipped cells.

    Raises LoadError for a syntax error in a cell that defines an exercise function.
    """
    kept: List[ast.stmt] = []
    notes: List[str] = []
    for number, source in zip(numbers or range(1, len(sources) + 1), sources):
        if source.lstrip().startswith("%%"):
            continue  # a cell magic: the whole cell is not Python
        text = "\n".join("" if _MAGIC.search(line) else line for line in source.splitlines())
        try:
            tree = ast.parse(text)
        except SyntaxError as error:
            if any(re.search(rf"^\s*def\s+{fn}\b", text, re.M) for fn in FUNCTION_NAMES):
                _parse(text, name, where=f"{name}, cell {number}")
            notes.append(f"cell {number} has a syntax error (line {error.lineno}) and was skipped")
            continue
        kept.extend(tree.body)
    module = ast.Module(body=_definitions(kept), type_ignores=[])
    return ast.unparse(module) + "\n", notes


def _definitions(statements: List[ast.stmt]) -> List[ast.stmt]:
    """Keep imports, function and class definitions, and the assignments they use.

    Imports are guarded: a notebook that imports a plotting library the grader lacks,
    or the notebook helpers of grader/ (unreadable in the sandbox), still gets its
    functions graded.
    """
    definitions = [s for s in statements if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    needed = {n.id for d in definitions for n in ast.walk(d) if isinstance(n, ast.Name)} | set(FUNCTION_NAMES)
    assignments = [s for s in statements if isinstance(s, (ast.Assign, ast.AnnAssign))]
    changed = True
    chosen: Set[int] = set()
    while changed:  # an assignment can use another one
        changed = False
        for index, statement in enumerate(assignments):
            if index not in chosen and _bound_names(statement) & needed:
                chosen.add(index)
                needed |= {n.id for n in ast.walk(statement) if isinstance(n, ast.Name)}
                changed = True
    kept_assignments = {id(assignments[i]) for i in chosen}
    body: List[ast.stmt] = []
    for statement in statements:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            body.append(_guarded(statement))
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            body.append(statement)
        elif id(statement) in kept_assignments:
            body.append(statement)
    return body


def _guarded(statement: ast.stmt) -> ast.stmt:
    # Exception, not ImportError: in the sandbox an unreadable module raises PermissionError.
    handler = ast.ExceptHandler(type=ast.Name("Exception", ast.Load()), name=None, body=[ast.Pass()])
    return ast.fix_missing_locations(ast.Try(body=[statement], handlers=[handler], orelse=[], finalbody=[]))
