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

from .discover import DiscoveryError, Found, decode, locate, only_source
from .kata.catalog import FUNCTION_NAMES
from .text import say

_MAGIC = re.compile(r"^\s*[%!]|^\s*\w[\w.]*\?\??\s*$|\?\?\s*$")


class LoadError(DiscoveryError):
    """The target cannot be graded. The message names the problem and the fix."""


MODULE_NAMES = ("linear_algebra.py", "gradient_descent.py")
MAX_CELLS = 2000


@dataclass
class Submission:
    label: str
    kind: str  # "module" (one file, everything at top level) or "package" (a folder like exercises/)
    files: Dict[str, str]  # path inside the worker's scratch directory -> source text
    defined: Set[str] = field(default_factory=set)
    references: Dict[str, Set[str]] = field(default_factory=dict)  # exercise -> other exercises it names
    notes: List[str] = field(default_factory=list)
    trusted: bool = False  # the project's own solutions or exercises

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
    """Find (discover.py) and parse the submission `spec` names. Raises DiscoveryError or LoadError."""
    return from_found(locate(spec))


def from_found(found: Found) -> Submission:
    """Parse what discovery read into a Submission: which files to run, and what they define."""
    single = only_source(found)
    if single is not None:
        return _single(found, single)
    modules = [name for name in found.files if Path(name).name in MODULE_NAMES]
    if modules:
        depth = min(name.count("/") for name in modules)
        folder = next(str(Path(n).parent) for n in sorted(modules) if n.count("/") == depth)
        submission = _package(found, folder)
    else:
        submission = _single(found, _best_file(found))
        if not submission.defined & set(FUNCTION_NAMES):
            raise LoadError(say("load.no_kata_function", folder=found.label, first=FUNCTION_NAMES[0],
                                second=FUNCTION_NAMES[1]))
    submission.trusted = found.trusted
    return submission


def _single(found: Found, name: str) -> Submission:
    if name in found.notebooks:
        return _notebook(found.notebooks[name], name, found.label)
    text = found.files[name]
    tree = _parse(text, Path(name).name)
    submission = Submission(found.label, "module", {"submission.py": text})
    _survey(tree, submission)
    return submission


def _best_file(found: Found) -> str:
    """The file or notebook of a folder that defines the most exercise functions."""
    def defined(name: str) -> int:
        try:
            if name in found.notebooks:
                return len(_notebook(found.notebooks[name], name, name).defined & set(FUNCTION_NAMES))
            submission = Submission(name, "module", {})
            _survey(_parse(found.files[name], name), submission)
            return len(submission.defined & set(FUNCTION_NAMES))
        except DiscoveryError:
            return 0
    names = sorted(list(found.files) + list(found.notebooks))
    return max(names, key=defined)


def _parse(text: str, filename: str, where: str = "") -> ast.Module:
    try:
        return ast.parse(text, filename=filename)
    except SyntaxError as error:
        line = (error.text or "").rstrip()
        pointer = f"\n    {line}" if line else ""
        raise LoadError(say("load.syntax_error", where=where or filename, line=error.lineno,
                            message=error.msg) + f"{pointer}\n" + say("load.syntax_error_fix")) from None
    except (RecursionError, MemoryError, ValueError):
        raise LoadError(say("load.too_deeply_nested", where=where or filename)) from None


def _package(found: Found, folder: str) -> Submission:
    prefix = "" if folder in ("", ".") else folder + "/"
    sources = sorted(n for n in found.files if n.startswith(prefix) and "/" not in n[len(prefix):])
    submission = Submission(found.label, "package", {"submission/__init__.py": ""})
    for name in sources:
        text = found.files[name]
        tree = _parse(text, name)
        submission.files[f"submission/{Path(name).name}"] = text
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

def _notebook(data: bytes, name: str, label: str) -> Submission:
    import nbformat
    try:
        notebook = nbformat.reads(decode(data, name), as_version=4)
    except DiscoveryError:
        raise
    except Exception as error:  # nbformat raises several unrelated types for a broken file
        first = str(error).splitlines()[0][:200] if str(error) else say("load.notebook_unreadable_unknown")
        raise LoadError(say("load.notebook_unreadable", path=name,
                            error=f"{type(error).__name__}: {first}")) from None
    cells = notebook.get("cells") or []
    if len(cells) > MAX_CELLS:
        raise LoadError(say("load.too_many_cells", path=name, count=len(cells), limit=MAX_CELLS))
    code = [(n, cell.get("source", "")) for n, cell in enumerate(cells, start=1)
            if cell.get("cell_type") == "code" and isinstance(cell.get("source", ""), str)]
    text, notes = definitions_source([s for _, s in code], [n for n, _ in code], name)
    submission = Submission(label, "module", {"submission.py": text}, notes=notes)
    _survey(_parse(text, name), submission)
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
        except (RecursionError, MemoryError, ValueError):
            notes.append(say("load.notebook_cell_too_deep", cell=number))
            continue
        except SyntaxError as error:
            if any(re.search(rf"^\s*def\s+{fn}\b", text, re.M) for fn in FUNCTION_NAMES):
                _parse(text, name, where=say("load.notebook_cell", notebook=name, cell=number))
            notes.append(say("load.notebook_cell_skipped", cell=number, line=error.lineno))
            continue
        kept.extend(tree.body)
    module = ast.Module(body=_definitions(kept), type_ignores=[])
    try:
        return ast.unparse(module) + "\n", notes
    except (RecursionError, MemoryError):
        raise LoadError(say("load.notebook_too_deep_to_read_back", path=name)) from None


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
