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
from .sandbox import runtime
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
        self.worker.start(wait=False)
        if wait:
            self.ready()

    def ready(self) -> None:
        """Wait until the submission is loaded; raises LoadFailed."""
        self.worker.wait_ready()
        self.isolation = self.worker.isolation
        self.present = self.worker.present

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
    scratch = Path(tempfile.mkdtemp(prefix="grader-inproc-"))
    package = f"submission_{scratch.name.replace('-', '_')}"
    try:
        for relative, text in submission.files.items():
            (scratch / relative).parent.mkdir(parents=True, exist_ok=True)
            (scratch / relative).write_text(text, encoding="utf-8")
        if submission.kind == "module":
            (scratch / "submission.py").rename(scratch / f"{package}.py")
        else:
            (scratch / "submission").rename(scratch / package)
        path_before = list(sys.path)
        try:
            loaded = runtime.load(scratch, submission.kind, package)
        finally:
            sys.path[:] = path_before
    except BaseException as error:
        _forget(package, scratch)
        raise LoadFailed(runtime.describe_exception(error)) from None
    target = InProcessTarget(loaded, submission.label)
    target.submission = submission
    target.cleanup = lambda: _forget(package, scratch)
    return target


def _forget(package: str, scratch: Path) -> None:
    """Undo an in-process load: its modules, and its scratch directory."""
    for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
        del sys.modules[name]
    shutil.rmtree(scratch, ignore_errors=True)
