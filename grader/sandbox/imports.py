"""How an upload is imported: each file statement by statement, and what is missing as a stand-in saying so.

Runs where the submission runs (the worker, or in-process for trusted code). The
trusted side has already reduced every file to its definitions (grader/definitions.py)
and written a manifest (grader/load.py): which folders go on sys.path, how each file is
imported, which file each exercise function is graded from, and the sentence a learner
reads when a module is not available.

* Every module whose file is in the upload is executed one top-level statement at a
  time: a statement that raises, exits or runs too long is skipped and reported (as
  plain data in `Upload.notes`), and the rest of the module still loads.
* An import, from the upload's own code, of a module that is not installed here, and
  of a plotting library (never needed to grade), gives a stand-in module: the import
  succeeds, and code that really uses the module raises ModuleNotFoundError with the
  manifest's sentence naming it.
* `from scratch.linear_algebra import dot` (the book's layout) resolves to the upload's
  `linear_algebra.py` when the upload has no `scratch` package, and an import through the
  upload folder's own name (`from Data_Science.vectors import dot`) resolves inside it.
"""
import __future__
import ast
import builtins
import contextlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import operator
import signal
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Callable, Dict, List, Optional

# Bound now: a learner's statement may replace the builtins before this module's code runs again.
_len, _all, _map, _max, _is = len, all, map, max, operator.is_

MANIFEST = ".kata_manifest.json"
STATEMENT_SECONDS = 10.0
# Plotting and display libraries: grading never needs them, and importing them costs seconds.
DISPLAY_ONLY = frozenset({"matplotlib", "pylab", "seaborn", "plotly", "bokeh", "altair"})
# The book's own package: `from scratch.linear_algebra import dot` means the learner's linear_algebra.py.
BOOK_PACKAGES = frozenset({"scratch"})


_SHOWN: Dict[str, str] = {}  # file in the scratch directory -> the learner's own name for it


def shown_name(filename: str) -> str:
    """The learner's name for a file of the upload (its own path in the upload), else the file's name."""
    return _SHOWN.get(str(filename)) or Path(str(filename)).name


class _TooSlow(BaseException):
    """A top-level statement ran past its time (BaseException: `except Exception` in it must not catch it)."""


class Modules(list):
    """The modules imported to grade an upload, with the function each exercise is graded from."""

    functions: Dict[str, Callable]
    notes: List[Dict]
    scratch: Optional[Path]
    stubs: List["StubModule"]  # the stand-in modules made so far (the list grows with later imports)


class Upload:
    """One upload under a scratch directory, as its manifest describes it."""

    def __init__(self, scratch: Path):
        self.scratch = Path(scratch).resolve()
        manifest = json.loads((self.scratch / MANIFEST).read_text(encoding="utf-8"))
        self.manifest = manifest
        self.root = (self.scratch / manifest.get("root", ".")).resolve()
        self.root_name = str(manifest.get("root_name") or "")
        self.names: Dict[Path, str] = {self._path(f): n for f, n in manifest["modules"].items()}
        self.shown: Dict[Path, str] = {self._path(f): s for f, s in manifest.get("shown", {}).items()}
        _SHOWN.update({str(path): name for path, name in self.shown.items()})
        self.missing_text = str(manifest.get("missing") or "No module named '{module}'")
        self.notes: List[Dict] = []
        self.stubs: List[StubModule] = []
        self.plain_imports = 0  # > 0 while a statement that handles ImportError itself runs
        self._first = _UploadFirst(self)
        self._last = _UploadLast(self)
        self._counter = 0

    def _path(self, relative: str) -> Path:
        return (self.scratch / relative).resolve()

    # --- what belongs to the upload ---------------------------------------------------
    def owns(self, filename) -> bool:
        if not filename or str(filename).startswith("<"):
            return False
        try:
            return Path(filename).resolve().is_relative_to(self.scratch)
        except (OSError, ValueError):
            return False

    def from_upload(self) -> bool:
        """Whether the import being resolved was started by the upload's own code."""
        frame = sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if not filename.startswith("<frozen") and "importlib" not in filename and filename != __file__:
                return self.owns(filename)
            frame = frame.f_back
        return False

    def alias(self, name: str) -> Optional[Path]:
        """The upload's file for `scratch.name` (the book's package) when there is no package `scratch`:
        by dotted suffix, then by file name. Other missing packages (`scipy.stats`) are not guessed at."""
        parts = name.split(".")
        if parts[0] not in BOOK_PACKAGES:
            return None
        for start in range(1, len(parts)):
            suffix = ".".join(parts[start:])
            for path, natural in sorted(self.names.items(), key=lambda item: len(item[0].parts)):
                if natural == suffix:
                    return path
        for path in sorted(self.names, key=lambda p: (len(p.parts), str(p))):
            if path.stem == parts[-1] and path.suffix == ".py":
                return path
        return None

    def missing(self, module: str) -> str:
        return self.missing_text.replace("{module}", module.split(".")[0])

    # --- loading ---------------------------------------------------------------
    def install(self) -> None:
        for folder in reversed(self.manifest.get("path", [])):
            entry = str((self.scratch / folder).resolve())
            if entry not in sys.path:
                sys.path.insert(0, entry)
        if str(self.scratch) not in sys.path:
            sys.path.insert(0, str(self.scratch))
        if self._first not in sys.meta_path:
            sys.meta_path.insert(0, self._first)
        if self._last not in sys.meta_path:
            sys.meta_path.append(self._last)

    def uninstall(self) -> None:
        for finder in (self._first, self._last):
            while finder in sys.meta_path:
                sys.meta_path.remove(finder)

    def load(self) -> Modules:
        """Import the files the exercise functions are graded from; the rest comes in by their imports."""
        self.install()
        modules = Modules()
        modules.functions, modules.notes = {}, self.notes
        modules.scratch, modules.stubs = self.scratch, self.stubs
        by_file: Dict[str, Optional[ModuleType]] = {}
        for function, file in sorted(self.manifest.get("functions", {}).items()):
            if file not in by_file:
                by_file[file] = self._import(file)
                if by_file[file] is not None and by_file[file] not in modules:
                    modules.append(by_file[file])
            module = by_file[file]
            value = module.__dict__.get(function) if module is not None else None
            if callable(value):
                modules.functions[function] = value
        return modules

    def _import(self, file: str) -> Optional[ModuleType]:
        path = (self.scratch / file).resolve()
        name = self.names.get(path, "")
        if name:
            try:
                module = importlib.import_module(name)
            except BaseException as error:  # noqa: B036 - reported, then loaded by its file below
                self.note(path, 1, "", error)
                module = None
            if module is not None and self.owns(getattr(module, "__file__", None)) and \
                    Path(module.__file__).resolve() == path:
                return module
        self._counter += 1
        alias = f"_kata_upload_{self._counter}"
        spec = importlib.util.spec_from_file_location(alias, path, loader=StatementLoader(self, path))
        module = importlib.util.module_from_spec(spec)
        sys.modules[alias] = module
        spec.loader.exec_module(module)
        return module

    def note(self, path: Path, line: int, code: str, error: BaseException) -> None:
        """Record, as plain data, a statement that failed while loading."""
        if isinstance(error, _TooSlow):
            kind = "slow"
        elif isinstance(error, SystemExit):
            kind = "exit"
        elif isinstance(error, ModuleNotFoundError):
            kind = "missing"
        else:
            kind = "raised"
        message = "maximum recursion depth exceeded" if isinstance(error, RecursionError) else str(error)
        self.notes.append({"file": self.shown.get(path, path.name), "line": int(line), "code": code[:80],
                           "kind": kind, "type": type(error).__name__, "message": message[:300],
                           "module": str(getattr(error, "name", "") or "") if kind == "missing" else "",
                           "seconds": STATEMENT_SECONDS})

    def forget(self) -> None:
        """Take the upload's modules out of sys.modules (in-process: the next upload may reuse the names)."""
        for name, module in list(sys.modules.items()):
            locations = list(getattr(module, "__path__", None) or [])
            if self.owns(getattr(module, "__file__", None)) or isinstance(module, StubModule) \
                    or name.startswith("_kata_upload_") or any(self.owns(p) for p in locations):
                del sys.modules[name]


class StatementLoader(importlib.abc.Loader):
    """Executes a module of the upload one top-level statement at a time."""

    def __init__(self, upload: Upload, path: Path):
        self.upload, self.path = upload, Path(path)

    def create_module(self, spec):
        return None

    def exec_module(self, module: ModuleType) -> None:
        self.pristine = dict(builtins.__dict__)
        source = self.path.read_text(encoding="utf-8")
        tree = ast.parse(source, filename=str(self.path))
        lines = source.splitlines()
        # Annotations are never evaluated: grading does not need them, and a notebook's `Vector = List[float]`
        # may come after the functions it annotates.
        flags = __future__.annotations.compiler_flag
        for statement in tree.body:
            if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
                for alias in statement.names:
                    feature = getattr(__future__, alias.name, None)
                    flags |= getattr(feature, "compiler_flag", 0)
        module.__dict__.setdefault("__file__", str(self.path))
        failed: List[ast.stmt] = []
        for statement in tree.body:
            if not self._run(module, statement, flags, lines, report=False):
                failed.append(statement)
        # Cells run out of order, or a constant defined after the function whose default uses it: once more.
        for statement in failed:
            self._run(module, statement, flags, lines, report=True)

    def _run(self, module: ModuleType, statement: ast.stmt, flags: int, lines: List[str],
             report: bool) -> bool:
        code = compile(ast.Module(body=[statement], type_ignores=[]), str(self.path), "exec", flags=flags,
                       dont_inherit=True)
        # `try: import fastlib ... except ImportError: <fallback>`: the learner's fallback, not a stand-in.
        fallback = _catches_import_error(statement)
        error = None
        try:
            self.upload.plain_imports += fallback
            with _deadline(STATEMENT_SECONDS):
                exec(code, module.__dict__)
        except BaseException as raised:  # noqa: B036 - the learner's statement, whatever it raised
            error = raised
        finally:
            # A statement may have patched builtins (isinstance, len...): this code and the next statement
            # run on the real ones. (The worker restores builtins after loading anyway.)
            _restore(builtins.__dict__, self.pristine)
            self.upload.plain_imports -= fallback
        if error is None:
            return True
        if isinstance(error, KeyboardInterrupt):
            raise error
        if report or not isinstance(error, (NameError, ImportError)):
            text = lines[statement.lineno - 1].strip() if statement.lineno <= len(lines) else ""
            self.upload.note(self.path, statement.lineno, text, error)
            return report  # reported: not worth a second try
        return False


def _restore(live: dict, saved: dict) -> None:
    """Put a namespace back as it was, by identity (as grader/sandbox/guard.py does), using no builtins."""
    if _len(live) != _len(saved) or not _all(_map(_is, live.values(), saved.values())) \
            or not _all(_map(_is, live.keys(), saved.keys())):
        live.clear()
        live.update(saved)


def _catches_import_error(statement: ast.stmt) -> int:
    """1 for a `try` whose handlers catch ImportError (or anything broader), else 0."""
    if not isinstance(statement, ast.Try):
        return 0
    broad = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
    for handler in statement.handlers:
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if handler.type is None or any(isinstance(t, ast.Name) and t.id in broad for t in types):
            return 1
    return 0


class _PackageLoader(importlib.abc.Loader):
    """An empty package whose submodules are found in the given folders."""

    def __init__(self, locations: List[str]):
        self.locations = locations

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__path__ = list(self.locations)


class _StubLoader(importlib.abc.Loader):
    def __init__(self, upload: Upload):
        self.upload = upload

    def create_module(self, spec):
        stub = StubModule(spec.name, self.upload)
        self.upload.stubs.append(stub)
        return stub

    def exec_module(self, module):
        pass


class StubModule(ModuleType):
    """Stands for a module that is not available: any use of what it holds raises, naming it."""

    def __init__(self, name: str, upload: Upload):
        super().__init__(name)
        self.__path__ = []
        object.__setattr__(self, "_kata_upload", upload)

    def __getattr__(self, attribute: str):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        upload = object.__getattribute__(self, "_kata_upload")
        if upload.alias(f"{self.__name__}.{attribute}") is not None:
            return importlib.import_module(f"{self.__name__}.{attribute}")
        return Missing(f"{self.__name__}.{attribute}", upload.missing(self.__name__))


class Missing:
    """Something from a module that is not available: harmless in an annotation, an error when used."""

    __slots__ = ("_name", "_message")

    def __init__(self, name: str, message: str):
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_message", message)

    def _fail(self, *args, **kwargs):
        raise ModuleNotFoundError(object.__getattribute__(self, "_message"),
                                  name=object.__getattribute__(self, "_name").split(".")[0])

    def __getattr__(self, attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        name = object.__getattribute__(self, "_name")
        return Missing(f"{name}.{attribute}", object.__getattribute__(self, "_message"))

    def __getitem__(self, item):  # `npt.NDArray[float]` in an annotation
        return self

    def __or__(self, other):  # `np.ndarray | None` in an annotation
        return self

    __ror__ = __or__
    __call__ = __iter__ = __len__ = __mro_entries__ = __float__ = __int__ = _fail

    def __repr__(self):
        return f"<{object.__getattribute__(self, '_name')}: not available>"


class _UploadFirst(importlib.abc.MetaPathFinder):
    """Finds the upload's own modules first, to load them statement by statement."""

    def __init__(self, upload: Upload):
        self.upload = upload

    def find_spec(self, name, path=None, target=None):
        upload = self.upload
        if name.split(".")[0] in DISPLAY_ONLY and upload.from_upload():
            return importlib.machinery.ModuleSpec(name, _StubLoader(upload), is_package=True)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or not spec.has_location or not upload.owns(spec.origin):
            return None
        spec.loader = StatementLoader(upload, Path(spec.origin))
        return spec


class _UploadLast(importlib.abc.MetaPathFinder):
    """After every other finder: the book's `scratch.` layout, the upload's own name, and stand-ins."""

    def __init__(self, upload: Upload):
        self.upload = upload

    def find_spec(self, name, path=None, target=None):
        upload = self.upload
        parent = name.rpartition(".")[0]
        under_stub = isinstance(sys.modules.get(parent), StubModule) if parent else False
        if parent and not under_stub:
            return None  # a submodule of a real package: its ImportError stands
        if not under_stub and (upload.plain_imports or not upload.from_upload()):
            return None  # a library probing for an optional module, or a learner's own fallback
        if not parent and name == upload.root_name:
            return importlib.machinery.ModuleSpec(name, _PackageLoader([str(upload.root)]), is_package=True)
        if under_stub:
            found = upload.alias(name)
            if found is not None:
                package = found.name == "__init__.py"
                return importlib.util.spec_from_file_location(
                    name, found, loader=StatementLoader(upload, found),
                    submodule_search_locations=[str(found.parent)] if package else None)
        return importlib.machinery.ModuleSpec(name, _StubLoader(upload), is_package=True)


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _too_slow(signum, frame):
    raise _TooSlow()


@contextlib.contextmanager
def _deadline(seconds: float):
    """Raise _TooSlow in the block after `seconds` (or sooner, if an enclosing deadline is sooner)."""
    if not _can_alarm():
        yield
        return
    previous_handler = signal.signal(signal.SIGALRM, _too_slow)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    if outer and outer < seconds:
        signal.setitimer(signal.ITIMER_REAL, outer)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, _max(outer - (time.monotonic() - started), 0.001))


def load(scratch: Path) -> Modules:
    """Import the upload laid out under scratch (with its manifest); keeps the import hooks installed."""
    return Upload(scratch).load()
