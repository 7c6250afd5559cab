"""What the kata's tests run against: the reference solutions, the exercises, or a submission.

Both kinds of target answer the same two questions in plain data: call an exercise
function (optionally with every other exercise function replaced by a correct
one), and run one of the chapter's experiments with the target's own functions.

* `InProcessTarget` imports trusted code into this process: the reference solutions,
  or anything when the caller explicitly asks for `--in-process` (fast, no isolation).
* `SandboxTarget` serves a submission from a confined worker process.
"""
import copy
import functools
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional

from .kata import catalog
from .load import Submission, load_submission
from .plain import to_plain
from .sandbox import imports, runtime
from .text import say
from .sandbox.process import LoadFailed, Raised, Worker

CALL_TIMEOUT = 1.0  # a correct call takes microseconds
EXPERIMENT_TIMEOUT = 20.0  # the reference needs about 0.1 s


class Target:
    label: str = ""
    isolation: List[str] = []
    present: List[str] = []
    submission: Optional[Submission] = None

    def call(self, name: str, args: list, isolate: bool, seed: int) -> Dict:
        """Return the reply of name(*args): {"value", "mutated", "printed"}; raise SubmissionFailure."""
        raise NotImplementedError

    def experiment(self, name: str, kwargs: Dict, seed: int) -> Dict:
        raise NotImplementedError

    def call_many(self, calls: List[Dict]) -> List[Dict]:
        """Replies to [{"name", "args", "seed"}] (isolated calls); raises SubmissionFailure."""
        return [self.call(c["name"], copy.deepcopy(c["args"]), True, c["seed"]) for c in calls]

    def ready(self) -> None:
        pass

    def close(self) -> None:
        pass


@functools.lru_cache(maxsize=None)
def reference() -> runtime.Loaded:
    """The reference solutions, imported once (trusted code that no grading changes)."""
    return runtime.load_trusted("solutions")


def call_reference(name: str, args: list):
    """A correct stand-in, run here on plain data."""
    return to_plain(reference().functions[name](*args))


class InProcessTarget(Target):
    """Trusted code imported into this process (the reference, the project's own tests)."""

    def __init__(self, loaded: runtime.Loaded, label: str):
        self.loaded, self.label = loaded, label
        self.cleanup = None
        self.isolation = ["none: in-process (trusted code only)"]
        self.present = sorted(loaded.functions)
        ref = reference().functions
        self.stand_ins = {name: ref[name] for name in catalog.FUNCTION_NAMES}

    def call(self, name, args, isolate, seed):
        function = self.loaded.functions.get(name)
        if function is None:
            raise Raised({"type": "NameError", "message": f"name '{name}' is not defined", "where": [],
                          "is_exception": False})
        # Copies, as the sandbox's boundary makes them: code that changes its arguments
        # must not change the test's own data.
        args = copy.deepcopy(list(args))
        with runtime.isolated(self.loaded, name if isolate else None, self.stand_ins):
            reply = runtime.invoke(function, args, seed)
        if reply["op"] != "return":
            raise Raised(reply)
        return reply

    def experiment(self, name, kwargs, seed):
        reply = runtime.run_experiment(self.loaded, name, kwargs, seed)
        if reply["op"] != "return":
            raise Raised(reply)
        return reply

    def close(self):
        if self.cleanup is not None:
            self.cleanup()
            self.cleanup = None


class SandboxTarget(Target):
    def __init__(self, submission: Submission, total_seconds: float = 300, wait: bool = True,
                 limits: Optional[Dict[str, int]] = None, cpu_seconds: int = 300):
        self.submission, self.label = submission, submission.label
        self.worker = Worker(submission.files, submission.kind, list(catalog.FUNCTION_NAMES), call_reference,
                             total_seconds=total_seconds, limits=limits, cpu_seconds=cpu_seconds)
        self._noted = False
        self.worker.start(wait=False)
        if wait:
            self.ready()

    def ready(self) -> None:
        """Wait until the submission is loaded; raises LoadFailed."""
        self.worker.wait_ready()
        self.isolation = self.worker.isolation
        self.present = self.worker.present
        if not self._noted:
            self._noted = True
            _add_load_notes(self.submission, list(getattr(self.worker, "load_notes", [])))

    def call(self, name, args, isolate, seed):
        return self.worker.call({"exercise": name, "isolate": isolate}, args, CALL_TIMEOUT, seed)

    def experiment(self, name, kwargs, seed):
        return self.worker.call({"experiment": name}, [], EXPERIMENT_TIMEOUT, seed, kwargs=kwargs)

    def call_many(self, calls: List[Dict]) -> List[Dict]:
        """Replies to [{"name", "args", "seed"}] (isolated calls) in one round trip."""
        timeout = CALL_TIMEOUT + 0.005 * len(calls)  # the reference answers each in microseconds
        return self.worker.call_many([{"fn": {"exercise": c["name"], "isolate": True}, "args": c["args"],
                                       "seed": c["seed"]} for c in calls], timeout)

    def close(self):
        self.worker.close()


def open_target(spec: str, in_process: Optional[bool] = None, wait: bool = True, config=None) -> Target:
    """Open `solutions`, `exercises` or a path. Raises DiscoveryError (load.LoadError) or LoadFailed.

    The solutions run in-process unless in_process is False; anything else runs in
    the sandbox unless in_process is True, under config's limits (grader/config.py).
    """
    submission = load_submission(spec)
    if in_process is None:
        in_process = spec == "solutions"
    if not in_process:
        if config is None:
            return SandboxTarget(submission, wait=wait)
        return SandboxTarget(submission, wait=wait, total_seconds=config.submission_seconds,
                             limits=config.worker_limits(), cpu_seconds=config.cpu_seconds)
    if spec in ("solutions", "exercises"):
        return InProcessTarget(runtime.load_trusted(spec), spec)
    return _in_process_from_files(submission)


def _in_process_from_files(submission: Submission) -> InProcessTarget:
    """Load a submission's files into this process (trusted code, or the caller's explicit wish).

    The files are laid out as the worker would lay them out; once imported, the
    upload's modules leave sys.modules and its import hooks are removed, so the next
    in-process load starts clean (the Loaded keeps what it needs)."""
    scratch = Path(tempfile.mkdtemp(prefix="grader-inproc-")).resolve()
    path_before, meta_before = list(sys.path), list(sys.meta_path)
    upload = None
    try:
        for relative, text in submission.files.items():
            (scratch / relative).parent.mkdir(parents=True, exist_ok=True)
            (scratch / relative).write_text(text, encoding="utf-8")
        upload = imports.Upload(scratch)
        loaded = runtime.Loaded(upload.load())
    except BaseException as error:
        _forget(upload, scratch)
        raise LoadFailed(runtime.describe_exception(error)) from None
    finally:
        sys.path[:] = path_before
        sys.meta_path[:] = meta_before
    if upload is not None:
        upload.forget()
    target = InProcessTarget(loaded, submission.label)
    target.submission = submission
    target.load_notes = list(loaded.notes)
    _add_load_notes(submission, loaded.notes)
    target.cleanup = lambda: _forget(None, scratch)
    return target


def _add_load_notes(submission: Submission, notes: List[Dict]) -> None:
    """What loading skipped (plain data from the worker, so untrusted) as sentences for the report."""
    for note in notes[:20]:
        if not isinstance(note, dict):
            continue
        fields = {key: str(note.get(key, ""))[:300] for key in ("file", "line", "code", "type", "message",
                                                                  "module", "seconds")}
        kind = str(note.get("kind", "raised"))
        key = {"missing": "load.statement_missing_module", "exit": "load.statement_exit",
               "slow": "load.statement_slow"}.get(kind, "load.statement_raised")
        text = say(key, **fields)
        if text not in submission.notes:
            submission.notes.append(text)


def _forget(upload, scratch: Path) -> None:
    """Undo an in-process load: its modules, and its scratch directory."""
    if upload is not None:
        upload.forget()
    shutil.rmtree(scratch, ignore_errors=True)
