"""Load a submission, call its functions, return plain data.

This module runs inside the worker (for learner code) and in-process (for the
trusted reference solutions). It never decides pass or fail: it only reports what
the code returned, printed, raised, and whether it modified its arguments.
"""
import contextlib
import importlib.util
import io
import random
import sys
import traceback
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Callable, Dict, FrozenSet, List, Optional

from ..kata import experiments
from ..kata.catalog import FUNCTION_NAMES
from ..plain import NotPlain, to_plain
from . import imports

PRINT_LIMIT = 4000
MODULES = ("linear_algebra", "gradient_descent")


class Loaded:
    """A submission's modules and the exercise functions found in them.

    Given what `import_modules` returns, each function is the one the manifest chose;
    given a plain list of modules (trusted packages), the first module defining it wins.
    `notes` are what loading skipped, as plain data; `scratch` is where the upload is.
    """

    def __init__(self, modules: List[ModuleType]):
        self.modules = list(modules)
        self.notes: List[Dict] = list(getattr(modules, "notes", []))
        self.scratch: Optional[Path] = getattr(modules, "scratch", None)
        self.stubs = getattr(modules, "stubs", [])  # stand-in modules for what the upload imports but lacks
        self._seen = (-1, [])
        chosen = getattr(modules, "functions", None)
        if chosen is not None:
            self.functions: Dict[str, Callable] = dict(chosen)
            return
        self.functions = {}
        for module in modules:
            for name in FUNCTION_NAMES:
                value = module.__dict__.get(name)
                if callable(value) and name not in self.functions:
                    self.functions[name] = value

    def submission_modules(self) -> List[ModuleType]:
        """Every module of the submission: those loaded, and any module whose file is in the upload."""
        if self.scratch is None:
            return self.modules
        count = len(sys.modules)
        if self._seen[0] != count:
            found = list(self.modules)
            for module in list(sys.modules.values()):
                filename = getattr(module, "__file__", None)
                if filename and module not in found and str(filename).startswith(str(self.scratch) + "/"):
                    found.append(module)
            self._seen = (count, found)
        return self._seen[1]


def load(root: Path, kind: str, package_name: str = "submission") -> Loaded:
    return Loaded(import_modules(root, kind, package_name))


def import_modules(root: Path, kind: str, package_name: str = "submission") -> List[ModuleType]:
    """Import a submission laid out under root; return its modules.

    With a manifest (every submission grader/load.py prepares): the upload's files are
    imported statement by statement (grader/sandbox/imports.py) and the result carries
    `functions` (the graded function of each exercise), `notes` and `scratch`.
    Without one (older layouts): kind "module" is root/<package_name>.py, kind "package"
    is root/<package_name>/ holding linear_algebra.py and gradient_descent.py, and
    exceptions raised by their top-level code propagate.
    """
    if (root / imports.MANIFEST).exists():
        return imports.load(root)
    if kind == "module":
        path = root / f"{package_name}.py"
        spec = importlib.util.spec_from_file_location(package_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[package_name] = module
        spec.loader.exec_module(module)
        return [module]
    package_dir = root / package_name
    sys.path.insert(0, str(package_dir))  # for `from linear_algebra import add` in a flat folder
    spec = importlib.util.spec_from_file_location(
        package_name, package_dir / "__init__.py", submodule_search_locations=[str(package_dir)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[package_name] = package
    if (package_dir / "__init__.py").exists():
        spec.loader.exec_module(package)
    modules = []
    # gradient_descent first: its own definitions take precedence over names it imports.
    for name in reversed(MODULES):
        if (package_dir / f"{name}.py").exists():
            modules.append(importlib.import_module(f"{package_name}.{name}"))
    return modules


def load_trusted(package: str) -> Loaded:
    """Import an installed package of trusted code (the reference solutions)."""
    return Loaded([importlib.import_module(f"{package}.{name}") for name in reversed(MODULES)])


def stand_ins_for(name: Optional[str]) -> FrozenSet[str]:
    """The functions a correct stand-in replaces while `name` is graded: those before it in the kata.

    Only earlier ones: the book's own dependencies all point that way, and two
    functions that call each other in a cycle must not each pass on the other's
    correct stand-in, when neither could return on its own.
    """
    if name not in FUNCTION_NAMES:
        return frozenset()
    return frozenset(FUNCTION_NAMES[:FUNCTION_NAMES.index(name)])


@contextlib.contextmanager
def isolated(loaded: Loaded, keep: Optional[str], stand_ins: Dict[str, Callable]):
    """Within the block, the exercise functions before `keep` resolve to their stand-ins.

    Fault isolation: a learner's `distance` calling `squared_distance` gets a correct
    one, so a bug there costs `squared_distance`'s points only. The names are replaced in
    every module of the submission, so `la.dot(...)` after `import linealg as la` is too.
    keep=None: no stand-in.
    """
    replaced = stand_ins_for(keep)
    if not replaced:
        yield
        return
    saved = []
    absent = object()
    done = set()

    def stand_in_for(namespace: Dict, fill: bool) -> None:
        for name, stand_in in stand_ins.items():
            if name in replaced and (id(namespace), name) not in done and (fill or name in namespace):
                done.add((id(namespace), name))
                saved.append((namespace, name, namespace.get(name, absent)))
                namespace[name] = stand_in

    for module in loaded.submission_modules():
        stand_in_for(module.__dict__, fill=False)
    # A module the upload imports but lacks (`import linear_algebra_vectors`) holds correct stand-ins too,
    # and so does the graded function's own module for a helper it calls but never defined.
    for stub in getattr(loaded, "stubs", []):
        stand_in_for(stub.__dict__, fill=True)
    home = getattr(loaded.functions.get(keep), "__globals__", None) if loaded.scratch is not None else None
    if isinstance(home, dict):
        stand_in_for(home, fill=True)
    try:
        yield
    finally:
        for namespace, name, value in reversed(saved):
            if value is absent:
                namespace.pop(name, None)
            else:
                namespace[name] = value


class _CappedText(io.TextIOBase):
    def __init__(self):
        self.parts: List[str] = []
        self.size = 0

    def writable(self):
        return True

    def write(self, text):
        text = str.__str__(text) if isinstance(text, str) else str(text)
        if self.size < PRINT_LIMIT:
            self.parts.append(text[: PRINT_LIMIT - self.size])
        self.size += len(text)
        return len(text)

    def value(self) -> str:
        return "".join(self.parts)


def seed_randomness(seed: int) -> None:
    random.seed(seed)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        try:
            numpy.random.seed(seed % 2 ** 32)
        except Exception:
            pass


def describe_exception(error: BaseException) -> Dict:
    """Plain data about an exception raised by submission code."""
    frames = traceback.extract_tb(error.__traceback__)
    # Keep the submission's own frames: the grader's are noise to a learner.
    frames = [f for f in frames if "/grader/" not in f.filename.replace("\\", "/")] or frames[-1:]
    where = [f"{imports.shown_name(f.filename)}, line {f.lineno}, in {f.name}" for f in frames[-3:]]
    return {
        "op": "raise",
        "type": type(error).__name__,
        "message": _message(error),
        # Running out of memory or of stack is no deliberate rejection of bad input: a function that
        # recurses forever (two that only call each other) must not pass the tests that expect an error.
        "is_exception": isinstance(error, Exception) and not isinstance(error, (MemoryError, RecursionError)),
        "where": where,
    }


def _message(error: BaseException) -> str:
    """str(error), bounded; the submission's own __str__ may raise or recurse, and then says nothing."""
    if isinstance(error, RecursionError):
        return "maximum recursion depth exceeded"
    try:
        text = str(error)
        return str.__str__(text)[:PRINT_LIMIT] if isinstance(text, str) else ""
    except BaseException:  # an exception whose __str__ fails is still reported, by its type
        return ""


def invoke(function: Callable, args: List, seed: int, answer_if_changed: bool = False) -> Dict:
    """Call function(*args) and report, as plain data, what happened.

    When the call changed an argument, "mutated" lists where and the value is withheld (None),
    unless answer_if_changed (a run's epoch replayed, where only the answer matters)."""
    before = [_snapshot(a) for a in args]
    printed = _CappedText()
    seed_randomness(seed)
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = printed
    try:
        result = to_plain(function(*args))
    except NotPlain as error:
        return {"op": "raise", "type": "NotPlain", "message": str(error), "is_exception": False,
                "where": [], "printed": printed.value()}
    except BaseException as error:  # the submission's exceptions, SystemExit included
        reply = describe_exception(error)
        reply["printed"] = printed.value()
        return reply
    finally:
        sys.stdout, sys.stderr = saved
    mutated = [i for i, (arg, old) in enumerate(zip(args, before))
               if old is not None and _snapshot(arg) != old]
    if mutated and not answer_if_changed:
        # A call that changed its arguments delivers no answer. The trusted side cannot verify a
        # claim that nothing changed (a submission that took the worker over could forge it), so it
        # must never rely on one: whatever a reply says, such a call has no value a test could accept.
        result = None
    return {"op": "return", "value": result, "mutated": mutated, "printed": printed.value()}


def _snapshot(arg):
    if callable(arg):
        return None
    try:
        return to_plain(arg)
    except NotPlain:
        return None


def run_experiment(loaded: Loaded, name: str, kwargs: Dict, seed: int) -> Dict:
    """Run one of the chapter's experiments with the submission's own functions."""
    driver = experiments.DRIVERS[name]
    fns = SimpleNamespace(**loaded.functions)
    return invoke(lambda: driver(fns, **kwargs), [], seed)
