"""What the kata's tests run against: the reference solutions, the exercises, or a submission.

Both kinds of target answer the same two questions in plain data: call an exercise
function (optionally with every other exercise function replaced by a correct
one), and run one of the chapter's experiments with the target's own functions.

* `InProcessTarget` imports trusted code into this process: the reference solutions,
  or anything when the caller explicitly asks for `--in-process` (fast, no isolation).
* `SandboxTarget` serves a submission from a confined worker process.

Fault isolation replaces only the functions that come before the graded one in the
kata's order (runtime.stand_ins_for), and the worker is served exactly those stand-ins
during that call. An experiment's reported run is checked here (kata/runs.py) before
anyone reads it.

A sandboxed submission's experiments run in a worker of their own, started as soon as
grading knows its runs (`start_experiments`: grading.py, before it imports pytest) and
running beside the property tests on a second core; the experiment tests then collect
their runs. Every grade does it so, alone or in a batch, so a run never depends on what the
property tests left in a worker.

Time, for a submission in the sandbox, is what the worker is charged (sandbox/meter.py):
at most CALL_LIMIT per call, FUNCTION_BUDGET per exercise function across all its
tests (then its remaining tests fail at once), EXPERIMENT_LIMIT per experiment with
its checks, TOTAL_SECONDS in all, counting the trusted side's own reading and parsing.
"""
import copy
import functools
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List, Optional

from .expect import Mismatch
from .kata import catalog, experiments, runs
from .load import Submission, load_submission
from .plain import to_plain
from .sandbox import imports, runtime
from .sandbox.process import Crashed, LoadFailed, Raised, SubmissionFailure, TimedOut, Worker
from .text import say

CALL_LIMIT = 1.0  # charged seconds per call; a correct call takes microseconds
CALL_TIMEOUT = CALL_LIMIT  # the former name
FUNCTION_BUDGET = 8.0  # charged seconds per exercise function, across all its tests
EXPERIMENT_LIMIT = 20.0  # charged seconds per experiment and its checks; the reference needs about 1 s
EXPERIMENT_TIMEOUT = EXPERIMENT_LIMIT
TOTAL_SECONDS = 300.0  # charged seconds for the whole submission


class Target:
    label: str = ""
    # Requests the learner's code made of this side so far (stand-ins, the test's callables): work,
    # like calls, for the shrink budget (plugin/profile.py).
    requests: int = 0
    isolation: List[str] = []
    present: List[str] = []
    submission: Optional[Submission] = None

    def call(self, name: str, args: list, isolate: bool, seed: int) -> Dict:
        """Return the reply of name(*args): {"value", "mutated", "printed"}; raise SubmissionFailure."""
        raise NotImplementedError

    def experiment(self, name: str, kwargs: Dict, seed: int) -> Dict:
        """Run experiment `name` with the target's own functions; its reply, once its run is checked.

        Raises SubmissionFailure, or expect.Mismatch for a run that its own functions did
        not make (kata/runs.py)."""
        reply = self._experiment(name, kwargs, seed)
        runs.check(name, kwargs, reply.get("value"), functools.partial(self._replay_epoch, name, kwargs))
        return reply

    def _experiment(self, name: str, kwargs: Dict, seed: int) -> Dict:
        raise NotImplementedError

    def _replay_epoch(self, name: str, kwargs: Dict, epoch: int, theta):
        """One epoch of a run again, from theta, with the target's own functions.

        Each call's arguments are the data, or what earlier calls returned: the epoch's calls
        are gathered as a chain (_Calls) and made in one go (`replay_chain`)."""
        calls = _Calls(self, experiments.epoch_seed(kwargs.get("seed", 0), epoch))
        try:
            theta = calls.resolve(experiments.run_epoch(name, calls, kwargs, theta, epoch))
        except (SubmissionFailure, AssertionError):
            raise
        except Exception as error:  # what the learner's functions returned does not fit together
            raise Mismatch(say("sandbox.run_title", experiment=name) + f", epoch {epoch}", "an epoch",
                           type(error).__name__, say("sandbox.run_not_yours")) from None
        starts = None if calls.batches is None else experiments.batch_starts(calls.batches, kwargs["data"])
        return theta, starts

    def replay_chain(self, chain: List[tuple], seed: int) -> list:
        """The values of a chain of calls [(name, args)] whose args may hold _Pending(k), the value
        of the chain's k-th call: the target's own functions, no stand-ins. Raises SubmissionFailure
        at the first call that does not return."""
        values: list = []
        for name, args in chain:
            values.append(self.replay_call(name, _filled(args, values), seed))
        return values

    def replay_call(self, name: str, args: list, seed: int):
        """The value of name(*args), the target's own function with no stand-in, for checking a run."""
        return self.call(name, args, False, seed)["value"]

    def call_many(self, calls: List[Dict], isolate: bool = True, again: bool = False) -> List[Dict]:
        """Replies to [{"name", "args", "seed"}]: isolated calls, unless not isolate (see SandboxTarget).

        Raises SubmissionFailure. A call that raised is a reply like any other (op "raise"), as the
        sandbox's are: replay compares it with the reference's, which raised too in the tests of
        invalid input."""
        replies = []
        for c in calls:
            try:
                replies.append(self.call(c["name"], copy.deepcopy(c["args"]), isolate, c["seed"]))
            except Raised as failure:
                if type(failure) is not Raised:  # a crash or a timeout ends the replay
                    raise
                replies.append({**failure.reply, "op": "raise"})
        return replies

    def ready(self) -> None:
        pass

    def start_experiments(self, runs: List[Dict]) -> None:
        """The run's experiments, [{"name", "kwargs", "seed"}], in test order: start them early if
        the target can (only a sandboxed one does). `experiment` still decides what to report."""

    def skip_experiment(self, name: str, kwargs: Dict, seed: int) -> None:
        """That run is not needed: its test failed without it. A target that started it may stop it."""

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
        self.stand_ins = {name: self._counted(ref[name]) for name in catalog.FUNCTION_NAMES}

    def _counted(self, stand_in):
        @functools.wraps(stand_in)
        def counted(*args, **kwargs):
            self.requests += 1
            return stand_in(*args, **kwargs)
        return counted

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

    def _experiment(self, name, kwargs, seed):
        reply = runtime.run_experiment(self.loaded, name, kwargs, seed)
        if reply["op"] != "return":
            raise Raised(reply)
        return reply

    def close(self):
        if self.cleanup is not None:
            self.cleanup()
            self.cleanup = None


class SandboxTarget(Target):
    """A submission served by a confined worker, within the time budgets of the module docstring.

    charged: seconds of the trusted side's own work on the submission so far (reading
    and parsing it), counted against TOTAL_SECONDS."""

    def __init__(self, submission: Submission, total_seconds: float = TOTAL_SECONDS, wait: bool = True,
                 charged: float = 0.0, limits: Optional[Dict[str, int]] = None, cpu_seconds: int = 300):
        self.submission, self.label = submission, submission.label
        self.worker = Worker(submission.files, submission.kind, list(catalog.FUNCTION_NAMES), call_reference,
                             total_seconds=total_seconds, charged=charged, limits=limits,
                             cpu_seconds=cpu_seconds)
        self.spent: Dict[str, float] = {}  # exercise function -> seconds charged to its calls
        self._replayed = None  # (function, first seed, charge) of a replay whose outcome is not known yet
        self._noted = False
        self.worker.start(wait=False)
        self._runs: Optional[_ExperimentRuns] = None
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
        if self._replayed is not None and self._replayed[:2] == (name, seed):
            # The test's first call for real: its replay did not pass, and is not charged. So a test
            # costs the same whether or not it was tried by replay first (batch, or alone).
            self.worker.charged -= self._replayed[2]
            self._replayed = None
        self._settle()
        allowed = runtime.stand_ins_for(name) if isolate else frozenset()
        return self._budgeted(name, lambda limit: self.worker.call(
            {"exercise": name, "isolate": isolate}, args, limit, seed, allowed=allowed))

    def call_many(self, calls: List[Dict], isolate: bool = True, again: bool = False) -> List[Dict]:
        """Replies to [{"name", "args", "seed"}] (all of one function) in one round trip.

        This is replay (plugin/replay.py): when it passes, the test made exactly these
        calls, and they are charged to the function's budget; when it does not, the test
        runs for real, and only that is charged. isolate: with correct stand-ins for the
        other exercise functions (else the learner's own). again: the same test's calls asked
        once more, after a first try that did not pass; the tries are charged together."""
        earlier = 0.0
        if again and self._replayed is not None:
            earlier, self._replayed = self._replayed[2], None
        self._settle()
        names = {c["name"] for c in calls}
        if not calls:
            return []
        if len(names) != 1:
            return super().call_many(calls, isolate)
        name = calls[0]["name"]
        left = FUNCTION_BUDGET - self.spent.get(name, 0.0)
        if left <= 0:
            raise TimedOut({"type": "TooSlow", "where": [], "message": say(
                "sandbox.function_too_slow", function=name, seconds=FUNCTION_BUDGET)})
        fns = [{"fn": {"exercise": name, "isolate": isolate}, "args": c["args"], "seed": c["seed"]}
               for c in calls]
        allowed = runtime.stand_ins_for(name) if isolate else frozenset()
        try:
            replies = self.worker.call_many(fns, min(CALL_LIMIT, left), allowed=allowed)
        except SubmissionFailure:
            self.worker.charged -= self.worker.last_charge + earlier
            raise
        self._replayed = (name, calls[0]["seed"], self.worker.last_charge + earlier)
        return replies

    def _settle(self) -> None:
        """Charge the last replay to its function: its test passed by it."""
        if self._replayed is not None:
            name, _, charge = self._replayed
            self.spent[name] = self.spent.get(name, 0.0) + charge
            self._replayed = None

    def _budgeted(self, name: str, call):
        """call(limit) within what is left of name's FUNCTION_BUDGET; charge it what it used."""
        left = FUNCTION_BUDGET - self.spent.get(name, 0.0)
        if left <= 0:
            raise TimedOut({"type": "TooSlow", "where": [], "message": say(
                "sandbox.function_too_slow", function=name, seconds=FUNCTION_BUDGET)})
        limit = min(CALL_LIMIT, left)
        try:
            return call(limit)
        except TimedOut as failure:
            if limit < CALL_LIMIT:  # the budget, not the call's own limit, ran out
                failure.reply = dict(failure.reply, type="TooSlow", message=say(
                    "sandbox.function_too_slow", function=name, seconds=FUNCTION_BUDGET))
            raise
        finally:
            self.spent[name] = self.spent.get(name, 0.0) + self.worker.last_charge

    def start_experiments(self, runs):
        if runs and self._runs is None:
            worker = self.worker
            second = Worker(worker.files, worker.kind, worker.functions, worker.serve_reference,
                            total_seconds=worker.total_seconds, limits=worker.limits,
                            cpu_seconds=worker.cpu_seconds)
            self._runs = _ExperimentRuns(second, runs)

    def experiment(self, name, kwargs, seed):
        """The run, checked, from the experiments' own worker (see _ExperimentRuns)."""
        self._settle()
        if self._runs is None:  # not started early: start it now, in a worker of its own as well
            self.start_experiments([{"name": name, "kwargs": kwargs, "seed": seed}])
        outcome = self._runs.outcome(name, kwargs, seed)
        if outcome is None:  # not one of the runs started, or their worker could not load
            outcome = self._runs.run_now(name, kwargs, seed)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    @property
    def requests(self) -> int:
        return self.worker.requests

    def skip_experiment(self, name, kwargs, seed):
        if self._runs is not None:
            self._runs.skip(name, kwargs, seed)

    def close(self):
        if self._runs is not None:
            self._runs.close()
        self.worker.close()


class _ExperimentRuns(Target):
    """A submission's experiments, run and checked one after another by a thread, in a worker
    of their own.

    outcome(name, kwargs, seed) waits for that run: its checked reply, or what running or
    checking it raised. The epochs that checking replays (kata/runs.py) are calls to the
    same worker, charged to the run's EXPERIMENT_LIMIT. A worker that cannot load the
    submission runs nothing; the experiments are then run in a fresh one when asked (`run_now`)."""

    def __init__(self, worker: Worker, runs: List[Dict]):
        self.worker = worker
        self.runs = [dict(r) for r in runs]
        self.done: Dict[int, object] = {}
        self.left = 0.0  # what the run being checked may still be charged
        self.finished = False
        self.changed = threading.Condition()  # a run began or is done, or the thread is over
        self.skipped: set = set()  # runs whose tests failed without them (`skip`)
        self.current: Optional[int] = None  # the run in progress; changes only under `changed`
        self.stopping = False
        self.thread = threading.Thread(target=self._run_all, name="experiments", daemon=True)
        self.thread.start()

    def _run_all(self) -> None:
        try:
            self.worker.start(wait=True)
            for index, run in enumerate(self.runs):
                with self.changed:
                    if self.stopping:
                        break
                    if index in self.skipped:
                        continue
                    self.current = index
                    self.changed.notify_all()
                outcome = self._checked(run["name"], run["kwargs"], run["seed"])
                with self.changed:
                    self.current = None
                    self.done[index] = outcome
                    self.changed.notify_all()
        except Exception:  # LoadFailed, or the worker killed by close(): nothing more runs here
            pass
        finally:
            with self.changed:
                self.finished = True
                self.changed.notify_all()

    def _checked(self, name: str, kwargs: Dict, seed: int):
        """The experiment's reply once checked, or the exception the test will raise."""
        try:
            return Target.experiment(self, name, kwargs, seed)
        except LoadFailed as failure:  # it loaded in the first worker: it loads only now and then
            return Crashed(failure.reply)
        except Exception as error:  # SubmissionFailure, Mismatch: the test's to raise
            return error

    def _experiment(self, name, kwargs, seed):
        reply = self.worker.call({"experiment": name}, [], EXPERIMENT_LIMIT, seed, kwargs=kwargs)
        self.left = EXPERIMENT_LIMIT - self.worker.last_charge
        return reply

    def replay_call(self, name, args, seed):
        """One call for checking a run: no stand-in, charged to the experiment's EXPERIMENT_LIMIT."""
        self._time_left()
        try:
            return self.worker.call(_checks_a_run(name), args, min(CALL_LIMIT, self.left), seed)["value"]
        finally:
            self.left -= self.worker.last_charge

    def replay_chain(self, chain, seed):
        """The chain in one round trip: the worker fills in each _Pending ({"$value": k}) itself."""
        self._time_left()
        calls = [{"fn": _checks_a_run(name), "args": _placeholders(args), "seed": seed}
                 for name, args in chain]
        try:
            # One limit for the chain: each call had CALL_LIMIT, all of them what is left of the run's.
            replies = self.worker.call_many(calls, min(CALL_LIMIT * len(calls), self.left))
        finally:
            self.left -= self.worker.last_charge
        for reply in replies:
            if reply["op"] != "return":
                raise Raised(reply)
        return [reply["value"] for reply in replies]

    def _time_left(self) -> None:
        if self.left <= 0:
            raise TimedOut({"type": "TimeoutError", "where": [], "message": say(
                "sandbox.experiment_too_slow", seconds=EXPERIMENT_LIMIT)})

    def _index(self, name: str, kwargs: Dict, seed: int) -> Optional[int]:
        return next((index for index, run in enumerate(self.runs)
                     if (run["name"], run["seed"]) == (name, seed) and run["kwargs"] == kwargs), None)

    def outcome(self, name: str, kwargs: Dict, seed: int):
        """The outcome of that run, waiting for it; None if it is not one of the runs or never ran."""
        index = self._index(name, kwargs, seed)
        if index is None:
            return None
        with self.changed:
            self.changed.wait_for(lambda: index in self.done or self.finished)
        return self.done.get(index)

    def skip(self, name: str, kwargs: Dict, seed: int) -> None:
        """Do not run that run; if it is in progress, end it, and the thread goes on with the next
        in a fresh worker. A run stuck in a function that timed out would otherwise hold back the
        runs after it for the whole of its EXPERIMENT_LIMIT."""
        index = self._index(name, kwargs, seed)
        if index is None:
            return
        with self.changed:  # the thread cannot move to another run meanwhile: only that one is killed
            self.skipped.add(index)
            if self.current == index:
                self.worker.kill()

    def run_now(self, name: str, kwargs: Dict, seed: int):
        """Run and check it here, in this worker (restarted if need be), once the thread is over."""
        self.thread.join()
        return self._checked(name, kwargs, seed)

    def close(self) -> None:
        """Stop the thread (killing a run in progress) and the worker."""
        self.stopping = True
        if self.thread.is_alive():
            self.worker.kill()  # a run in progress ends at once: the thread sees its channel close
        self.thread.join(30)
        self.worker.close()


def _checks_a_run(name: str) -> Dict:
    """A call of the learner's own `name`, no stand-in, whose answer counts even if it changed its
    arguments (a run's epoch replayed: runtime.invoke)."""
    return {"exercise": name, "isolate": False, "checks_a_run": True}


def _placeholders(args):
    """args as the worker reads them: each _Pending as {"$value": k} (worker.py fills them in)."""
    if isinstance(args, _Pending):
        return {"$value": args.index}
    if isinstance(args, (list, tuple)):
        return [_placeholders(item) for item in args]
    return args


class _Pending:
    """The value the k-th call of a chain will return (see _Calls)."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


def _filled(args, values: list):
    """args with every _Pending replaced by a copy of its value."""
    if isinstance(args, _Pending):
        return copy.deepcopy(values[args.index])
    if isinstance(args, (list, tuple)):
        return [_filled(item, values) for item in args]
    return args


class _Calls:
    """A target's functions as the attributes experiments.run_epoch calls, gathered as a chain.

    A call returns _Pending, which later calls take as an argument; run_epoch only passes
    what the learner's functions return on to other calls, never reads it, so the epoch's
    calls can be made in one round trip (`resolve`). minibatches is the exception: the
    epoch iterates its batches, so it is called at once, and remembered (`batches`):
    checking a minibatch epoch needs its order."""

    def __init__(self, target: Target, seed: int):
        self._target, self._seed = target, seed
        self.batches = None
        self._chain: List[tuple] = []

    def minibatches(self, dataset, batch_size):
        self.batches = self._target.replay_call("minibatches", [dataset, batch_size], self._seed)
        if not isinstance(self.batches, list):
            raise TypeError(say("sandbox.run_not_batches"))
        return self.batches

    def each(self, name: str, arglists: List[tuple]) -> list:
        return [self._call(name, list(args)) for args in arglists]

    def __getattr__(self, name):
        if name not in catalog.FUNCTION_NAMES:
            raise AttributeError(name)
        return lambda *args: self._call(name, list(args))

    def _call(self, name: str, args: list) -> _Pending:
        self._chain.append((name, args))
        return _Pending(len(self._chain) - 1)

    def resolve(self, value):
        """value (what run_epoch returned), with the chain's calls made and their values filled in."""
        if not self._chain:
            return value
        return _filled(value, self._target.replay_chain(self._chain, self._seed))


def open_target(spec: str, in_process: Optional[bool] = None, wait: bool = True, config=None) -> Target:
    """Open `solutions`, `exercises` or a path. Raises DiscoveryError (load.LoadError) or LoadFailed.

    The solutions run in-process unless in_process is False; anything else runs in
    the sandbox unless in_process is True, under config's limits (grader/config.py).
    """
    reading = time.thread_time()
    submission = load_submission(spec)
    if in_process is None:
        in_process = spec == "solutions"
    if not in_process:
        # Reading and parsing the submission was work done for it: it counts against its budget.
        charged = time.thread_time() - reading
        if config is None:
            return SandboxTarget(submission, wait=wait, charged=charged)
        return SandboxTarget(submission, wait=wait, total_seconds=config.submission_seconds, charged=charged,
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
