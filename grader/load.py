"""Turn what discovery read into a Submission: the files the worker loads, and what parsing tells.

Runs on the trusted side and only parses: nothing here executes submission code.

Every .py file of an upload is shipped as its definitions-only source (definitions.py),
laid out as the learner laid it out, so `from linear_algebra import dot`, `import linealg
as la` and `from scratch.linear_algebra import Vector` resolve inside the upload. Each of
the kata's functions is graded from the file that defines it; when several files (or one
file, twice) define it, one definition is chosen and a note says which:

1. a top-level definition before one under `if __name__ == "__main__":`;
2. a real one before a stub that only raises NotImplementedError;
3. of two files where one imports the other, the importing one (its definition shadows);
4. the file holding more of the kata's functions of the same chapter (linear algebra or
   gradient descent), then more of the kata's functions, then the shallower path.

Within one file the last definition counts, as in Python. A whole checkout of this kata
(an `exercises/` folder beside `grader/` or `solutions/`) is graded from `exercises/` only.
A notebook keeps its definitions, cell by cell.

The worker learns what to import from a manifest shipped beside the files (MANIFEST).
"""
import ast
import difflib
import json
import keyword
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Dict, List, Optional, Set, Tuple

from . import definitions as defs
from .discover import DiscoveryError, Found, decode, locate, only_source
from .kata.catalog import BY_NAME, FUNCTION_NAMES
from .text import say

MANIFEST = ".kata_manifest.json"
UPLOAD = "submission"  # the folder of a folder upload inside the worker's scratch directory
MAX_CELLS = 2000
MAX_LISTED = 3  # statements named in a "not run" note


class LoadError(DiscoveryError):
    """The target cannot be graded. The message names the problem and the fix."""


@dataclass
class Submission:
    label: str
    kind: str  # "module" (one file or notebook: submission.py) or "package" (a folder, under submission/)
    files: Dict[str, str]  # path inside the worker's scratch directory -> source text (and the manifest)
    defined: Set[str] = field(default_factory=set)
    references: Dict[str, Set[str]] = field(default_factory=dict)  # exercise -> other exercises it may call
    notes: List[str] = field(default_factory=list)
    trusted: bool = False  # the project's own solutions or exercises
    graded: Dict[str, str] = field(default_factory=dict)  # exercise -> where its graded definition is

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
        submission = _single(found, single)
    else:
        submission = _folder(found)
    submission.trusted = found.trusted
    return submission


# --- one file or notebook -------------------------------------------------------------

def _single(found: Found, name: str) -> Submission:
    label = Path(name).name
    if name in found.notebooks:
        text, notes, broken, where = _notebook(found.notebooks[name], name)
        module = _render({"submission.py": _source(text, label)})["submission.py"]
        module.broken = broken
        places = where
    else:
        module = _render({"submission.py": _source(found.files[name], label)})["submission.py"]
        notes, places = [], None
    modules = {"submission.py": module}
    names = {"submission.py": "submission"}
    submission = Submission(found.label, "module", {"submission.py": module.text}, notes=notes)
    _assemble(submission, modules, names, {"submission.py": label}, root=".", root_name="", places=places)
    broken = [b for b in module.broken if b.defines in FUNCTION_NAMES]
    if broken and not submission.graded:  # nothing left to grade: the syntax error is the whole story
        first = broken[0]
        where = say("load.place_cell", notebook=label, cell=first.cell) if first.cell is not None else label
        raise LoadError(_syntax_note(where, first.line, first.message, first.defines))
    return submission


# --- a folder -----------------------------------------------------------------------

def _folder(found: Found) -> Submission:
    files, notebooks = _kata_checkout(found)
    sources: Dict[str, defs.Source] = {}
    shown: Dict[str, str] = {}
    unreadable: List[str] = []
    notes: List[str] = []
    for name in sorted(files):
        try:
            sources[name] = defs.Source(files[name], name)
        except SyntaxError as error:
            unreadable.append(name)
            notes.append(_syntax_note(name, error.lineno or 1, error.msg, None))
        shown[name] = name
    for name in sorted(notebooks):
        shipped = f"{name}.py"
        try:
            text, cell_notes, _, _ = _notebook(notebooks[name], name)
        except LoadError as error:
            notes.append(str(error))
            continue
        notes.extend(f"{name}: {n}" for n in cell_notes)
        sources[shipped] = _source(text, name)
        shown[shipped] = name
    modules = _render(sources)
    for name in unreadable:  # shipped empty, so importing it fails plainly instead of finding nothing
        modules[name] = defs.Module(name, "")
    packages = _packages(modules)
    root_is_package = "." in packages
    names = {n: _import_name(n, packages, root_is_package) for n in modules}
    submission = Submission(found.label, "package", {f"{UPLOAD}/{n}": m.text for n, m in modules.items()},
                            notes=notes)
    _assemble(submission, modules, names, shown, root=UPLOAD, root_name=found.path.name, places=None,
              packages=packages - {"."})
    if not set(submission.graded) and not found.trusted:
        broken = [b for m in modules.values() for b in m.broken if b.defines in FUNCTION_NAMES]
        if broken:
            first = broken[0]
            raise LoadError(notes[0] if notes else
                            _syntax_note(found.label, first.line, first.message, first.defines))
        raise LoadError(say("load.no_exercise_function", folder=found.label, first=FUNCTION_NAMES[0],
                            second=FUNCTION_NAMES[1]))
    return submission


def _packages(modules: Dict[str, defs.Module]) -> Set[str]:
    """The folders that are packages ("." for the upload's own): those with an __init__.py, and those
    whose files import each other relatively (`from .linear_algebra import add`), which Python
    allows without one (a namespace package)."""
    return {str(PurePosixPath(n).parent) for n, m in modules.items()
            if PurePosixPath(n).name == "__init__.py" or _imports_relatively(m)}


def _imports_relatively(module: defs.Module) -> bool:
    try:
        tree = ast.parse(module.text)
    except SyntaxError:
        return False
    return any(isinstance(node, ast.ImportFrom) and node.level > 0 for node in ast.walk(tree))


def _kata_checkout(found: Found) -> Tuple[Dict[str, str], Dict[str, bytes]]:
    """The files to grade: all of them, or only `exercises/` in a checkout of this kata."""
    folders = {str(PurePosixPath(n).parent) for n in found.files}
    kata = sorted((f for f in folders if PurePosixPath(f).name == "exercises" and
                   {f"{f}/linear_algebra.py", f"{f}/gradient_descent.py"} & set(found.files)),
                  key=lambda f: (f.count("/"), f))
    for folder in kata:
        parent = str(PurePosixPath(folder).parent)
        prefix = "" if parent == "." else parent + "/"
        if any(n.startswith((prefix + "grader/", prefix + "solutions/")) for n in found.files):
            inside = folder + "/"
            return ({n[len(inside):]: t for n, t in found.files.items() if n.startswith(inside)},
                    {n[len(inside):]: b for n, b in found.notebooks.items() if n.startswith(inside)})
    return dict(found.files), dict(found.notebooks)


def _import_name(name: str, packages: Set[str], root_is_package: bool) -> str:
    """The dotted name a file is imported by ("" when it cannot be imported by name)."""
    path = PurePosixPath(name)
    if path.suffix != ".py" or path.name.endswith(".ipynb.py"):
        return ""
    chain = [] if path.stem == "__init__" else [path.stem]
    folder = _package_root(name, packages)
    for part in reversed(path.parent.relative_to(folder).parts if str(folder) != "." else path.parent.parts):
        chain.insert(0, part)
    if str(folder) == "." and root_is_package:
        chain.insert(0, UPLOAD)
    if not chain or not all(part.isidentifier() and not keyword.iskeyword(part) for part in chain):
        return ""
    return ".".join(chain)


def _package_root(name: str, packages: Set[str]) -> PurePosixPath:
    """The folder a file's dotted name starts from: its own folder, or the one holding its top package."""
    folder = PurePosixPath(name).parent
    while str(folder) != "." and str(folder) in packages:
        folder = folder.parent
    return folder


# --- shared by both ----------------------------------------------------------------

def _source(text: str, shown: str) -> defs.Source:
    try:
        return defs.Source(text, shown)
    except SyntaxError as error:
        raise LoadError(_syntax_note(shown, error.lineno or 1, error.msg, None)) from None


def _render(sources: Dict[str, defs.Source]) -> Dict[str, defs.Module]:
    needed: Set[str] = set()
    for source in sources.values():
        needed |= source.needs
    return {name: source.render(needed) for name, source in sources.items()}


def _assemble(submission: Submission, modules: Dict[str, defs.Module], names: Dict[str, str],
              shown: Dict[str, str], root: str, root_name: str, places,
              packages: Set[str] = frozenset()) -> None:
    """Choose each exercise's definition; fill in defined, references, graded, notes and the manifest.

    packages: the upload's package folders below its root (see _packages)."""
    prefix = "" if root == "." else root + "/"
    chosen = _choose(modules, names)
    for name, module in modules.items():
        submission.defined |= {b.name for b in module.bindings}
        for statement_names in _imported_names(module):
            submission.defined |= statement_names
    # An exercise name counts as defined only where it is graded from (an import of it is not a definition).
    submission.defined -= set(FUNCTION_NAMES) - set(chosen)
    for name, module in sorted(modules.items()):
        submission.notes.extend(_file_notes(module, shown[name], places))
    for function, path in chosen.items():
        bindings = [(p, b) for p, m in sorted(modules.items()) for b in m.defines(function)]
        graded = _last(modules[path], function)
        submission.graded[function] = _place(shown[path], graded.line, places)
        if len(bindings) > 1:
            listed = ", ".join(_place(shown[p], b.line, places) for p, b in bindings)
            submission.notes.append(say("load.defined_more_than_once", function=function, count=len(bindings),
                                        places=listed, graded=submission.graded[function]))
        if graded.under_main:
            place = submission.graded[function]
            submission.notes.append(say("load.under_main", function=function, place=place))
        submission.references[function] = _reachable(function, modules[path], modules)
    # Each file's folder (`import vectors` beside it), and the folder holding each top package (`import
    # exercises.linear_algebra` from the folder above `exercises/`).
    entries = {str(PurePosixPath(prefix + n).parent) for n in modules}
    entries |= {str(PurePosixPath(prefix) / _package_root(n, packages)) for n in modules if prefix}
    folders = sorted(entries, key=_shallow_first)
    manifest = {
        "root": root,
        "root_name": root_name,
        "path": [f for f in folders if f != "."],
        "modules": {prefix + n: names.get(n, "") for n in modules},
        "shown": {prefix + n: shown[n] for n in modules},
        "functions": {f: prefix + p for f, p in chosen.items()},
        "missing": say("load.not_available", module="{module}"),
    }
    submission.files[MANIFEST] = json.dumps(manifest, indent=1, sort_keys=True)


def _imported_names(module: defs.Module):
    try:
        tree = ast.parse(module.text)
    except SyntaxError:
        return
    for statement in tree.body:
        if isinstance(statement, defs.IMPORTS):
            yield defs.bound_names(statement)


def _last(module: defs.Module, function: str) -> defs.Binding:
    top = module.defines(function, top_level=True)
    return (top or module.defines(function))[-1]


def _choose(modules: Dict[str, defs.Module], names: Dict[str, str]) -> Dict[str, str]:
    """Which file each exercise function is graded from (see the module's docstring)."""
    chapter = {n: BY_NAME[n].module for n in FUNCTION_NAMES}
    counts: Dict[str, Dict[str, int]] = {}
    for path, module in modules.items():
        real = {b.name for b in module.bindings if b.name in chapter and not b.stub}
        counts[path] = {"all": len(real)}
        for name in real:
            counts[path][chapter[name]] = counts[path].get(chapter[name], 0) + 1
    imports = {path: _imports_of(module, names) for path, module in modules.items()}
    reach = {path: _closure(path, imports) for path in modules}
    chosen: Dict[str, str] = {}
    for function in FUNCTION_NAMES:
        candidates = [p for p in sorted(modules, key=_shallow_first) if modules[p].defines(function)]
        if not candidates:
            continue
        for keep in (lambda p: not _last(modules[p], function).under_main,
                     lambda p: not _last(modules[p], function).stub,
                     lambda p: not any(p in reach[o] for o in candidates if o != p)):
            candidates = [p for p in candidates if keep(p)] or candidates
        group = chapter[function]
        chosen[function] = max(candidates, key=lambda p: (counts[p].get(group, 0), counts[p]["all"]))
    return chosen


def _shallow_first(path: str):
    return path.count("/"), path


def _imports_of(module: defs.Module, names: Dict[str, str]) -> Set[str]:
    """The upload's files a module imports, matched by their last name parts."""
    found = set()
    for imported in module.imports:
        parts = imported.split(".")
        for path, name in names.items():
            stem = PurePosixPath(path).stem
            if name and (name == imported or stem in parts[-2:]):
                found.add(path)
    found.discard(module.path)
    return found


def _closure(path: str, imports: Dict[str, Set[str]]) -> Set[str]:
    seen: Set[str] = set()
    pending = list(imports.get(path, ()))
    while pending:
        current = pending.pop()
        if current not in seen:
            seen.add(current)
            pending.extend(imports.get(current, ()))
    seen.discard(path)
    return seen


def _reachable(function: str, home: defs.Module, modules: Dict[str, defs.Module]) -> Set[str]:
    """The other exercise functions `function` may call, directly or through the upload's own helpers."""
    helpers: Dict[str, Set[str]] = {}
    for module in modules.values():
        for name, used in module.uses.items():
            helpers.setdefault(name, set()).update(used)
    found: Set[str] = set()
    seen = {function}
    pending = list(home.uses.get(function, ()))
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in FUNCTION_NAMES:
            found.add(name)
        elif name in helpers:
            pending.extend(helpers[name])
    return found


def _place(shown: str, line: int, places) -> str:
    if places is not None:
        return say("load.place_cell", notebook=shown, cell=places.get(line, line))
    return say("load.place", file=shown, line=line)


def _syntax_note(shown: str, line: int, message: str, function: Optional[str]) -> str:
    if function in FUNCTION_NAMES:
        return say("load.syntax_in_function", file=shown, line=line, message=message, function=function)
    if function:
        return say("load.syntax_in_definition", file=shown, line=line, message=message, name=function)
    return say("load.syntax_error", file=shown, line=line, message=message)


def _file_notes(module: defs.Module, shown: str, places) -> List[str]:
    notes = []
    others = []
    for broken in module.broken:
        where = say("load.place_cell", notebook=shown, cell=broken.cell) if broken.cell is not None else shown
        if broken.defines is not None:
            notes.append(_syntax_note(where, broken.line, broken.message, broken.defines))
        else:
            others.append(broken)
    if others:
        first = min(others, key=lambda b: b.line)
        notes.append(say("load.syntax_skipped", file=shown, count=len(others), line=first.line,
                         message=first.message))
    if module.skipped and places is None:
        # Loops first: an endless training loop is the statement a learner most needs to hear about.
        loops_first = sorted(module.skipped,
                             key=lambda item: (not item[1].lstrip().startswith(("while", "for")), item[0]))
        shown_first = loops_first[:MAX_LISTED]
        listed = ", ".join(say("load.statement", line=line, code=code) for line, code in shown_first)
        more = len(module.skipped) - MAX_LISTED
        if more > 0:
            listed += say("load.and_more", count=more)
        notes.append(say("load.not_run", file=shown, count=len(module.skipped), statements=listed))
    return notes


# --- notebooks ----------------------------------------------------------------

def _notebook(data: bytes, name: str):
    """A notebook's definitions as one module's source, notes on skipped cells, broken cells, and a map
    from the source's lines to cell numbers."""
    import nbformat
    try:
        notebook = nbformat.reads(decode(data, name), as_version=4)
    except DiscoveryError:
        raise
    except Exception as error:  # nbformat raises several unrelated types for a broken file
        first = str(error).splitlines()[0][:200] if str(error) else say("load.notebook_unreadable_unknown")
        error_text = f"{type(error).__name__}: {first}"
        raise LoadError(say("load.notebook_unreadable", path=name, error=error_text)) from None
    cells = notebook.get("cells") or []
    if len(cells) > MAX_CELLS:
        raise LoadError(say("load.notebook_too_many_cells", path=name, count=len(cells), limit=MAX_CELLS))
    code = [(n, cell.get("source", "")) for n, cell in enumerate(cells, start=1)
            if cell.get("cell_type") == "code" and isinstance(cell.get("source", ""), str)]
    statements, notes, broken = defs.notebook_cells([s for _, s in code], [n for n, _ in code])
    kept, _ = defs.notebook_definitions(statements)
    cell_of = {id(s): cell for cell, s in statements}
    for cell, statement in statements:  # the bodies of main guards were flattened into the kept list
        if defs.is_main_guard(statement):
            cell_of.update({id(s): cell for s in statement.body})
    text, places = _unparse_with_cells(kept, cell_of, name)
    return text, notes, broken, places


def _unparse_with_cells(kept: List[ast.stmt], cell_of: Dict[int, int], name: str):
    parts: List[str] = []
    places: Dict[int, int] = {}
    line = 1
    try:
        for statement in kept:
            text = ast.unparse(statement)
            if isinstance(statement, defs.DEFINITIONS):
                places[line + len(getattr(statement, "decorator_list", []))] = cell_of.get(id(statement), 0)
            parts.append(text)
            line += text.count("\n") + 1
    except (RecursionError, MemoryError):
        raise LoadError(say("load.cell_too_nested_to_unparse", notebook=name)) from None
    return "\n".join(parts) + "\n", places


def definitions_source(sources: List[str], numbers: Optional[List[int]] = None, name: str = "notebook"):
    """The definitions in a notebook's code cells, as one module's source, and notes on skipped cells."""
    statements, notes, broken = defs.notebook_cells(sources, numbers or list(range(1, len(sources) + 1)))
    kept, _ = defs.notebook_definitions(statements)
    text, _ = _unparse_with_cells(kept, {}, name)
    for item in broken:
        where = say("load.place_cell", notebook=name, cell=item.cell)
        notes.append(_syntax_note(where, item.line, item.message, item.defines))
    return text, notes
