"""From a learner's source to the source that is graded: its definitions, at their own line numbers.

Learners' files are scripts: they import plotting libraries, print, assert, plot, ask
for input(), call sys.exit() and train for minutes at the top level. The grader grades
a file by its definitions only, always (it never runs the file first): imports,
function and class definitions (decorators included), the assignments that definitions
use (`Vector = List[float]`, constants), and `try`/`if` blocks made of those. Everything
else at the top level is left out, and said so in a note.

Three more habits are handled here, by parsing only (nothing here runs any code):

* A statement Python 3 cannot parse (a Python 2 `print "x"`, a stray character) costs
  only its own top-level block: the block is blanked and the rest is parsed again.
* Definitions under `if __name__ == "__main__":` are kept (they are what the learner
  wrote), unless the file defines the same name at the top level.
* Line numbers do not move: kept statements are copied verbatim to the line they were
  on, so a traceback from graded code points at the learner's own line.

Notebooks keep their own route (`definitions_source`): cells are parsed one by one,
magics are dropped, and cells under a cell magic that runs Python (%%time, %%timeit,
%%capture, %%prun) are kept.
"""
import ast
import io
import re
import symtable
import tokenize
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Set, Tuple

from .kata.catalog import FUNCTION_NAMES
from .text import say

MAX_REPAIRS = 200  # blocks blanked for syntax errors in one file before giving up
PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")
_MAGIC = re.compile(r"^\s*[%!]|^\s*\w[\w.]*\?\??\s*$|\?\?\s*$")
_CONTINUATION = ("else", "elif", "except", "finally", ")", "]", "}")


@dataclass
class Binding:
    """Where a module binds a top-level name: a def, a class, or an assignment."""

    name: str
    line: int
    how: str  # "def", "class" or "assignment"
    under_main: bool = False
    stub: bool = False  # a def whose body only raises NotImplementedError, passes or is `...`


@dataclass
class Broken:
    """A top-level block Python could not parse, blanked so the rest could be."""

    line: int
    message: str
    defines: Optional[str] = None  # the function or class the block defines, if any
    cell: Optional[int] = None  # in a notebook, the cell it is in


@dataclass
class Parsed:
    """One source file, parsed leniently: the tree of what parses, and what did not."""

    path: str
    lines: List[str]  # the source's lines without line ends, broken blocks blanked
    tree: ast.Module
    broken: List[Broken] = field(default_factory=list)


@dataclass
class Module:
    """One source file made definitions-only."""

    path: str
    text: str
    bindings: List[Binding] = field(default_factory=list)
    skipped: List[Tuple[int, str]] = field(default_factory=list)  # (line, first line of the statement)
    broken: List[Broken] = field(default_factory=list)
    imports: Set[str] = field(default_factory=set)  # absolute module names it imports (for precedence)
    uses: Dict[str, Set[str]] = field(default_factory=dict)  # top-level function -> names it uses

    def defines(self, name: str, top_level: Optional[bool] = None) -> List[Binding]:
        return [b for b in self.bindings
                if b.name == name and (top_level is None or top_level != b.under_main)]


# --- parsing what parses ---------------------------------------------------------

def parse_leniently(text: str, path: str) -> Parsed:
    """Parse text; each top-level block with a syntax error is blanked (and recorded) until the rest parses.

    Raises SyntaxError when that does not converge (the first error, as Python reported it).
    """
    lines = text.splitlines()
    blocks = _token_blocks(text, len(lines))
    broken: List[Broken] = []
    first_error: Optional[SyntaxError] = None
    for _ in range(MAX_REPAIRS):
        try:
            tree = ast.parse("\n".join(lines) + "\n", filename=path)
            return Parsed(path, lines, tree, broken)
        except SyntaxError as error:
            first_error = first_error or error
            # "expected an indented block after function definition on line 22": line 22 is the culprit.
            culprit = re.search(r"\bon line (\d+)", error.msg or "")
            number = int(culprit.group(1)) if culprit else (error.lineno or len(lines))
            span = _block_around(lines, number, blocks)
            if span is None:
                raise first_error from None
            start, end = span
            line = min(max(error.lineno or start, start), end) if not culprit else number
            broken.append(Broken(line, _syntax_message(error), _defined_by(lines[start - 1:end])))
            for number in range(start, end + 1):
                lines[number - 1] = ""
        except (RecursionError, MemoryError, ValueError):
            raise SyntaxError(say("load.too_deeply_nested", where=path), (path, 1, 0, "")) from None
    raise first_error  # type: ignore[misc]


def _syntax_message(error: SyntaxError) -> str:
    message = error.msg
    if "print" in message or re.match(r"\s*print\s+[^\s(=]", error.text or ""):
        message += " (Python 2 code?)"
    return message


def _token_blocks(text: str, count: int) -> Optional[List[Tuple[int, int]]]:
    """The top-level blocks of a file as (first line, last line), found with the tokenizer.

    The tokenizer reads Python 2 code (`print "x"`) and sees a triple-quoted string as one
    token, so these blocks are right where the line-by-line guess is not. None when the
    file does not even tokenize.
    """
    starts: List[int] = []
    depth, at_start, after_decorator = 0, True, False
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = token.type
            if kind == tokenize.INDENT:
                depth += 1
            elif kind == tokenize.DEDENT:
                depth -= 1
            elif kind == tokenize.NEWLINE:
                at_start = True
            elif kind in (tokenize.NL, tokenize.COMMENT, tokenize.ENCODING, tokenize.ENDMARKER):
                continue
            elif at_start:
                at_start = False
                if depth == 0 and token.string not in ("else", "elif", "except", "finally"):
                    if not after_decorator:
                        starts.append(token.start[0])
                    after_decorator = token.string == "@"
    except (tokenize.TokenError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if not starts:
        return None
    return [(start, (starts[i + 1] - 1) if i + 1 < len(starts) else count) for i, start in enumerate(starts)]


def _block_around(lines: List[str], number: int,
                  blocks: Optional[List[Tuple[int, int]]] = None) -> Optional[Tuple[int, int]]:
    """The top-level block (first, last line, from 1) holding line `number`, decorators included."""
    if not lines:
        return None
    number = min(max(number, 1), len(lines))
    start = number
    while start > 1 and not _starts_block(lines[start - 1]):
        start -= 1
    while start > 1 and lines[start - 2].startswith("@"):
        start -= 1
    end = number
    while end < len(lines) and not _starts_block(lines[end]):
        end += 1
    by_tokens = next(((a, b) for a, b in blocks or [] if a <= number <= b), None)
    for span in (by_tokens, (start, end)):
        if span is not None and any(line.strip() for line in lines[span[0] - 1:span[1]]):
            return span
    return None  # nothing left to blank: the error is not in one block


def _starts_block(line: str) -> bool:
    return bool(line) and not line[0].isspace() and not line.startswith(("#",) + _CONTINUATION)


def _defined_by(block: List[str]) -> Optional[str]:
    for line in block:
        found = re.match(r"\s*(?:async\s+)?(?:def|class)\s+(\w+)", line)
        if found:
            return found.group(1)
        if line.strip() and not line.lstrip().startswith(("@", "#")):
            return None
    return None


# --- what a statement is ---------------------------------------------------------

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
IMPORTS = (ast.Import, ast.ImportFrom)
ASSIGNMENTS = (ast.Assign, ast.AnnAssign)


def is_main_guard(node: ast.stmt) -> bool:
    """`if __name__ == "__main__":` (either order of the comparison)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare) or len(node.test.ops) != 1:
        return False
    sides = [node.test.left, node.test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return isinstance(node.test.ops[0], ast.Eq) and len(names) == 1 and len(mains) == 1


def _definition_like(node: ast.stmt) -> bool:
    """A statement made only of definitions, imports, assignments and pass (a `try: import ...` block)."""
    if isinstance(node, DEFINITIONS + IMPORTS + ASSIGNMENTS + (ast.Pass,)):
        return True
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        return True
    if isinstance(node, ast.Try):
        parts = node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body]
        return all(_definition_like(s) for s in parts)
    if isinstance(node, ast.If) and not is_main_guard(node):
        calls = any(isinstance(n, ast.Call) for n in ast.walk(node.test))
        return not calls and all(_definition_like(s) for s in node.body + node.orelse)
    return False


def bound_names(node: ast.stmt) -> Set[str]:
    """The top-level names a statement binds."""
    if isinstance(node, DEFINITIONS):
        return {node.name}
    if isinstance(node, IMPORTS):
        return {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    if isinstance(node, (ast.If, ast.Try)):
        parts = node.body + node.orelse + (node.finalbody + [s for h in node.handlers for s in h.body]
                                           if isinstance(node, ast.Try) else [])
        return {name for child in parts for name in bound_names(child)}
    return set()


def global_names(node: ast.stmt) -> Set[str]:
    """The module-level names a statement reads when it runs or when what it defines is called.

    Parameters and local variables of a function are not included, so a top-level
    `v = train()` is not kept just because some function has a local `v`.
    """
    try:
        table = symtable.symtable(ast.unparse(node), "<statement>", "exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    names: Set[str] = set()
    pending = [table]
    while pending:
        current = pending.pop()
        for symbol in current.get_symbols():
            if current.get_type() == "module":
                if symbol.is_referenced():
                    names.add(symbol.get_name())
            elif symbol.is_global() and symbol.is_referenced():
                names.add(symbol.get_name())
        pending.extend(current.get_children())
    return names


def used_names(node: ast.stmt) -> Set[str]:
    """Every name and attribute a definition mentions (for which exercise functions it may call)."""
    found = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            found.add(child.id)
        elif isinstance(child, ast.Attribute):
            found.add(child.attr)
    return found


def is_stub(node: ast.stmt) -> bool:
    """A def that does nothing yet: only a docstring, pass, `...` or `raise NotImplementedError`."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    for statement in node.body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue
        if isinstance(statement, ast.Raise) and statement.exc is not None:
            exc = statement.exc.func if isinstance(statement.exc, ast.Call) else statement.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                continue
        return False
    return True


def imported_modules(node: ast.stmt) -> Set[str]:
    """Absolute module names an import statement names (relative ones are left out)."""
    if isinstance(node, ast.Import):
        return {a.name for a in node.names}
    if isinstance(node, ast.ImportFrom) and not node.level and node.module:
        return {node.module} | {f"{node.module}.{a.name}" for a in node.names if a.name != "*"}
    return set()


# --- choosing what to keep --------------------------------------------------------

@dataclass
class _Plan:
    """What one file keeps: top-level statements, and for a main guard, the statements of its body."""

    keep: List[ast.stmt] = field(default_factory=list)
    main: Dict[int, List[ast.stmt]] = field(default_factory=dict)  # id(guard) -> kept body statements
    skipped: List[ast.stmt] = field(default_factory=list)
    assignments: List[ast.stmt] = field(default_factory=list)  # candidates, kept if needed


def _plan(tree: ast.Module, flatten_main: bool) -> Tuple[_Plan, List[Binding]]:
    plan = _Plan()
    bindings: List[Binding] = []
    top_names = {n for s in tree.body if isinstance(s, DEFINITIONS) for n in bound_names(s)}
    for index, statement in enumerate(tree.body):
        if isinstance(statement, DEFINITIONS + IMPORTS) or (
                index == 0 and isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)):
            plan.keep.append(statement)
        elif isinstance(statement, ASSIGNMENTS):
            plan.assignments.append(statement)
        elif is_main_guard(statement):
            body = [s for s in statement.body if isinstance(s, DEFINITIONS + IMPORTS) and
                    (flatten_main or not (bound_names(s) & top_names) or isinstance(s, IMPORTS))]
            if any(isinstance(s, DEFINITIONS) for s in body):
                plan.main[id(statement)] = body
                plan.assignments.extend(s for s in statement.body if isinstance(s, ASSIGNMENTS))
                plan.keep.append(statement)
                for s in body:
                    if isinstance(s, DEFINITIONS):
                        bindings.append(Binding(s.name, s.lineno, "class" if isinstance(s, ast.ClassDef) else
                                                "def", under_main=not flatten_main, stub=is_stub(s)))
            if len(body) < len(statement.body) or statement.orelse:
                plan.skipped.append(statement)
            continue
        elif _definition_like(statement):
            plan.keep.append(statement)
            for inner in _block_definitions(statement):  # `try: from fastlib import dot` / `except: def dot`
                bindings.append(Binding(inner.name, inner.lineno, "def", stub=is_stub(inner)))
            continue
        else:
            plan.skipped.append(statement)
            continue
        if isinstance(statement, DEFINITIONS):
            bindings.append(Binding(statement.name, statement.lineno,
                                    "class" if isinstance(statement, ast.ClassDef) else "def",
                                    stub=is_stub(statement)))
    return plan, bindings


def _block_definitions(statement: ast.stmt) -> List[ast.stmt]:
    """The defs and classes directly inside an `if` or `try` block (not inside functions)."""
    found: List[ast.stmt] = []
    if not isinstance(statement, (ast.If, ast.Try)):
        return found
    parts = statement.body + statement.orelse
    if isinstance(statement, ast.Try):
        parts += statement.finalbody + [s for h in statement.handlers for s in h.body]
    for child in parts:
        if isinstance(child, DEFINITIONS):
            found.append(child)
        elif isinstance(child, (ast.If, ast.Try)):
            found.extend(_block_definitions(child))
    return found


def needed_by(statements: Iterable[ast.stmt]) -> Set[str]:
    """The module-level names that kept definitions read."""
    names: Set[str] = set()
    for statement in statements:
        names |= global_names(statement)
    return names


def keep_assignments(candidates: List[ast.stmt], needed: Set[str]) -> Tuple[Set[int], Set[str]]:
    """The assignments (by id) that bind a needed name, closed under what they read in turn."""
    needed = set(needed) | set(FUNCTION_NAMES) | {"__all__"}
    chosen: Set[int] = set()
    changed = True
    while changed:
        changed = False
        for statement in candidates:
            wanted = bound_names(statement) & needed and not _rebinds_a_result(statement)
            if id(statement) not in chosen and wanted:
                chosen.add(id(statement))
                needed |= global_names(statement)
                changed = True
    return chosen, needed


def _rebinds_a_result(statement: ast.stmt) -> bool:
    """`distance = distance(v, w)` in scratch code: a result stored under the function's own name."""
    value = getattr(statement, "value", None)
    if value is None:
        return False
    bound = bound_names(statement) & set(FUNCTION_NAMES)
    return bool(bound) and any(isinstance(n, ast.Name) and n.id in bound for n in ast.walk(value))


# --- source files ---------------------------------------------------------------

class Source:
    """One .py file on its way to definitions-only: parse, then (knowing every file's needs) render."""

    def __init__(self, text: str, path: str):
        self.path = path
        self.parsed = parse_leniently(text, path)
        self.plan, self.bindings = _plan(self.parsed.tree, flatten_main=False)
        kept_definitions = [s for s in self.plan.keep if isinstance(s, DEFINITIONS)]
        kept_definitions += [s for body in self.plan.main.values() for s in body
                             if isinstance(s, DEFINITIONS)]
        kept_definitions += [d for s in self.plan.keep if isinstance(s, (ast.If, ast.Try))
                             for d in _block_definitions(s)]
        self.needs = needed_by(kept_definitions) | needed_by(
            s for s in self.plan.keep if not isinstance(s, DEFINITIONS + IMPORTS) and not is_main_guard(s))

    def render(self, needed: Set[str]) -> Module:
        """The definitions-only module; `needed` is every name any file's kept definitions read."""
        chosen, _ = keep_assignments(self.plan.assignments, needed)
        lines = self.parsed.lines
        out = [""] * len(lines)
        module = Module(self.path, "", broken=list(self.parsed.broken))
        body = self.parsed.tree.body
        kept_ids = {id(s) for s in self.plan.keep} | chosen
        skipped_ids = {id(s) for s in self.plan.skipped}
        graded: List[ast.stmt] = []
        for statement in body:
            if id(statement) in self.plan.main:
                inner = self.plan.main[id(statement)] + [s for s in statement.body if id(s) in chosen]
                out[statement.lineno - 1] = "if True:"
                _copy(lines, out, statement.body, {id(s) for s in inner}, indent=True)
                graded.extend(inner)
            elif id(statement) in kept_ids:
                _copy(lines, out, [statement], kept_ids, indent=False, siblings=body)
                graded.append(statement)
            comment = isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
            left_out = id(statement) in skipped_ids or id(statement) not in kept_ids | set(self.plan.main)
            if left_out and not comment:
                module.skipped.append((statement.lineno, _first_line(lines, statement)))
        for statement in graded:
            if isinstance(statement, ASSIGNMENTS):
                for name in bound_names(statement):
                    module.bindings.append(Binding(name, statement.lineno, "assignment"))
                    module.uses[name] = used_names(statement)
            for node in ast.walk(statement) if not isinstance(statement, DEFINITIONS) else [statement]:
                if isinstance(node, ast.stmt):
                    module.imports |= imported_modules(node)
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                module.uses[statement.name] = used_names(statement)
            elif isinstance(statement, (ast.If, ast.Try)):
                for inner in _block_definitions(statement):
                    module.uses[inner.name] = used_names(inner)
        module.bindings = sorted(self.bindings + module.bindings, key=lambda b: b.line)
        module.text = "\n".join(out).rstrip("\n") + "\n"
        return module


def _first_line(lines: List[str], statement: ast.stmt) -> str:
    text = lines[statement.lineno - 1].strip() if statement.lineno <= len(lines) else ""
    return text if len(text) <= 60 else text[:57] + "..."


def _span(statement: ast.stmt) -> Tuple[int, int]:
    start = statement.lineno
    for decorator in getattr(statement, "decorator_list", []):
        start = min(start, decorator.lineno)
    return start, statement.end_lineno or statement.lineno


def _copy(lines: List[str], out: List[str], statements: List[ast.stmt], kept: Set[int], indent: bool,
          siblings: Optional[List[ast.stmt]] = None) -> None:
    """Copy the kept statements among `statements` to their own lines of `out`.

    A line shared by kept and left-out statements (`import x; print(x)`) is rewritten
    with the kept ones only, when they all fit on that line.
    """
    siblings = siblings if siblings is not None else statements
    for statement in statements:
        if id(statement) not in kept:
            continue
        start, end = _span(statement)
        sharing = [s for s in siblings if s is not statement and _span(s)[0] <= end and _span(s)[1] >= start]
        if sharing and start == end and all(_span(s)[0] == _span(s)[1] == start for s in sharing):
            kept_here = [s for s in [statement] + sharing if id(s) in kept]
            kept_here.sort(key=lambda s: s.col_offset)
            prefix = re.match(r"[ \t]*", lines[start - 1]).group(0) if indent else ""
            out[start - 1] = prefix + "; ".join(ast.unparse(s) for s in kept_here)
            continue
        for number in range(start, end + 1):
            out[number - 1] = lines[number - 1]


# --- notebooks ---------------------------------------------------------------------

def notebook_cells(sources: List[str], numbers: List[int]) -> Tuple[List[Tuple[int, ast.stmt]], List[str],
                                                                     List[Broken]]:
    """The statements of a notebook's code cells, as (cell number, statement), and notes on skipped cells."""
    statements: List[Tuple[int, ast.stmt]] = []
    notes: List[str] = []
    broken: List[Broken] = []
    from .text import say
    for number, source in zip(numbers, sources):
        stripped = source.lstrip()
        if stripped.startswith("%%"):
            magic = re.match(r"%%(\w+)", stripped)
            if not magic or magic.group(1) not in PYTHON_CELL_MAGICS:
                continue  # %%bash, %%html, %%writefile...: the cell is not Python
            source = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        text = "\n".join("" if _MAGIC.search(line) else line for line in source.splitlines())
        try:
            tree = ast.parse(text)
        except (RecursionError, MemoryError, ValueError):
            notes.append(say("load.cell_too_nested", cell=number))
            continue
        except SyntaxError as error:
            defines = _defined_by(text.splitlines())
            if defines or any(re.search(rf"^\s*def\s+{fn}\b", text, re.M) for fn in FUNCTION_NAMES):
                broken.append(Broken(error.lineno or 1, error.msg, defines or next(
                    fn for fn in FUNCTION_NAMES if re.search(rf"^\s*def\s+{fn}\b", text, re.M)), cell=number))
            notes.append(say("load.notebook_cell_skipped", cell=number, line=error.lineno))
            continue
        statements.extend((number, s) for s in tree.body)
    return statements, notes, broken


def notebook_definitions(statements: List[Tuple[int, ast.stmt]]) -> Tuple[List[ast.stmt], List[Binding]]:
    """The kept statements of a notebook, in order, and where exercise names are bound (line = cell number).

    In a notebook `__name__` is "__main__", so the body of a main guard did run: its
    definitions are kept like any other.
    """
    flat: List[Tuple[int, ast.stmt]] = []
    for cell, statement in statements:
        if is_main_guard(statement):
            flat.extend((cell, s) for s in statement.body)
        else:
            flat.append((cell, statement))
    tree = ast.Module(body=[s for _, s in flat], type_ignores=[])
    plan, _ = _plan(tree, flatten_main=True)
    kept_definitions = [s for s in plan.keep if isinstance(s, DEFINITIONS)]
    chosen, _ = keep_assignments(plan.assignments, needed_by(kept_definitions))
    kept_ids = {id(s) for s in plan.keep} | chosen
    kept = [s for _, s in flat if id(s) in kept_ids and not (
        isinstance(s, ast.Expr) and isinstance(getattr(s, "value", None), ast.Constant))]
    bindings = [Binding(n, cell, "def" if isinstance(s, DEFINITIONS) else "assignment")
                for cell, s in flat if id(s) in kept_ids and isinstance(s, DEFINITIONS + ASSIGNMENTS)
                for n in bound_names(s) if n in FUNCTION_NAMES]
    return kept, bindings
