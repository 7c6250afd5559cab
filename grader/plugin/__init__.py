"""The pytest side of the kata: `--target`, the `impl` and `run_experiment` fixtures, and result records.

`pytest tests/kata --target solutions|exercises|PATH` runs the kata's tests against
any implementation. Tests declare what they grade with `@pytest.mark.grades("dot")`
(or `@pytest.mark.experiment("fit_batch")`); the `impl` fixture then gives them that
one function, with every other exercise function replaced by a correct one.

Hypothesis runs under the explicit profile "kata": derandomized, no example
database, no deadline, so a run is the same on any machine, with or without CI set.
"""
import copy
import json
import zlib
from typing import Dict, List, Optional

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, settings

from ..kata import catalog, experiments
from ..expect import Mismatch
from ..sandbox.process import Crashed, Raised, SubmissionFailure, TimedOut

MAX_EXAMPLES = 40

settings.register_profile(
    "kata", derandomize=True, database=None, deadline=None, max_examples=MAX_EXAMPLES, print_blob=False,
    report_multiple_bugs=False, suppress_health_check=list(HealthCheck),
    # No explain phase: it costs seconds per failing test and learners get our own report.
    phases=(Phase.explicit, Phase.generate, Phase.shrink))
settings.load_profile("kata")

PRESET = None  # a KataSession the grader prepares before calling pytest.main


class KataSession:
    """State shared by one run of the suite: the target, the seed, and what happened."""

    def __init__(self, target_spec: str = "solutions", in_process: Optional[bool] = None, seed: int = 0,
                 target=None, only: Optional[List[str]] = None, golden: Optional[Dict] = None,
                 record: bool = False):
        self.target_spec, self.in_process, self.seed = target_spec, in_process, seed
        self._target = target
        self._target_error: Optional[BaseException] = None
        self.only = only
        self.records: List[Dict] = []
        self.failed: set = set()  # functions with a failing test so far
        self.broken: Dict[str, str] = {}  # functions that timed out or crashed: why
        # Replay: the reference's calls and answers per test (see pytest_runtest_protocol).
        self.golden = golden
        self.recording: Optional[Dict[str, List[Dict]]] = {} if record else None

    @property
    def target(self):
        if self._target is None:
            if self._target_error is not None:
                raise self._target_error
            from ..target import open_target
            try:
                self._target = open_target(self.target_spec, self.in_process)
            except Exception as error:  # reported once per test, attempted once per run
                self._target_error = error
                raise
        return self._target

    def call_seed(self, nodeid: str, count: int) -> int:
        return zlib.crc32(f"{self.seed}:{nodeid}:{count}".encode())


def pytest_addoption(parser):
    group = parser.getgroup("kata", "gradient-descent kata")
    group.addoption("--target", default="solutions",
                    help="what to test: solutions, exercises, a .py file, a folder like exercises/, or a notebook")
    group.addoption("--in-process", action="store_true", default=None,
                    help="import the target into the test process (fast; only for code you trust)")
    group.addoption("--sandbox", dest="in_process", action="store_false",
                    help="run the target in the sandboxed worker, even the solutions")
    group.addoption("--kata-seed", type=int, default=0,
                    help="0 (the default) is the derandomized run; other seeds vary the inputs and the data")


def pytest_configure(config):
    config.addinivalue_line("markers", "grades(*names): the exercise functions this test grades")
    config.addinivalue_line("markers", "experiment(name): a convergence experiment from grader.kata.catalog")
    if PRESET is not None:
        config._kata = PRESET
    else:
        config._kata = KataSession(config.getoption("--target"), config.getoption("--in-process"),
                                   config.getoption("--kata-seed"))


def pytest_unconfigure(config):
    session = getattr(config, "_kata", None)
    if session is not None and PRESET is None and session._target is not None:
        session._target.close()


def graded_names(item) -> List[str]:
    marker = item.get_closest_marker("experiment")
    if marker:
        return list(catalog.EXPERIMENT_BY_NAME[marker.args[0]].uses)
    marker = item.get_closest_marker("grades")
    return list(marker.args) if marker else []


def pytest_collection_modifyitems(config, items):
    session = config._kata
    order = {name: i for i, name in enumerate(catalog.FUNCTION_NAMES)}

    def key(item):
        # Functions in learning order, so a dependency is graded before what uses it;
        # the slow experiments last.
        if item.get_closest_marker("experiment"):
            return (1, 0)
        names = graded_names(item)
        return (0, order.get(names[0], 99) if names else 99)

    items.sort(key=key)
    if session.only:
        items[:] = [i for i in items if not i.get_closest_marker("experiment")
                    and set(graded_names(i)) & set(session.only)]
    if session.seed:
        for item in items:
            if hasattr(getattr(item, "obj", None), "hypothesis"):
                hypothesis.seed(zlib.crc32(f"{session.seed}:{item.name}".encode()))(item.obj)


class Impl:
    """The function a test grades, served by the target, answering in plain data.

    `impl.last` is the reply of the last call (with "mutated" and "printed");
    `impl.last_call` is that call written out for feedback.
    """

    def __init__(self, session: KataSession, name: str, nodeid: str):
        self._session, self._name, self._nodeid = session, name, nodeid
        self.calls = 0
        self.poisoned: Optional[SubmissionFailure] = None
        self.last: Dict = {}
        self.last_call = ""
        self.last_args: list = []
        self.last_seed = 0
        self.note: Optional[str] = None

    def __getattr__(self, attr):
        if attr != self._name:
            raise AttributeError(f"this test grades {self._name}, not {attr}")
        return self._call

    def _call(self, *args):
        self.calls += 1
        self.last_call = format_call(self._name, args)
        if self.poisoned is not None:
            # A crash or timeout ends this test: later examples fail at once instead of waiting again.
            raise self.poisoned
        target = self._session.target
        self.last_args, self.last_seed = list(args), self._session.call_seed(self._nodeid, self.calls)
        try:
            self.last = target.call(self._name, list(args), True, self.last_seed)
        except (Crashed, TimedOut) as failure:
            failure.call = self.last_call
            self.poisoned = failure
            self._session.broken.setdefault(self._name, failure.kind)
            raise
        except Raised as failure:
            failure.call = self.last_call
            self._record(args, failure.reply)
            raise
        self._record(args, self.last)
        self._diagnose_dependencies(args)
        return self.last["value"]

    def _record(self, args, reply):
        if self._session.recording is not None:
            self._session.recording.setdefault(self._nodeid, []).append(
                {"name": self._name, "args": copy.deepcopy(list(args)), "seed": self.last_seed,
                 "answer": answer_key(reply)})

    def _diagnose_dependencies(self, args):
        """With a dependency already failing, see whether the learner's own one changes this answer."""
        submission = getattr(self._session.target, "submission", None)
        if self.note is not None or submission is None:
            return
        suspects = sorted(submission.references.get(self._name, set()) & self._session.failed)
        if not suspects:
            return
        stuck = [s for s in suspects if s in self._session.broken]
        if stuck:  # no need to wait for it again
            self.note = (f"`{self._name}` passes with a correct `{stuck[0]}`; yours {self._session.broken[stuck[0]]} "
                         f"in its own tests, and would here too.")
            return
        try:
            own = self._session.target.call(self._name, list(args), False, self._session.call_seed(self._nodeid, -1))
            differs = own["value"] != self.last["value"]
        except SubmissionFailure:
            differs = True
        if differs:
            listed = " and ".join(f"`{s}`" for s in suspects)
            self.note = (f"`{self._name}` passes with a correct {listed}; yours breaks it "
                         f"(for example {self.last_call}).")


def answer_key(reply: Dict):
    """What of a reply can change a test's outcome; equal keys mean the test takes the same path."""
    if reply.get("op") == "return":
        return ["return", json.dumps(reply.get("value"), sort_keys=True), list(reply.get("mutated") or [])]
    return ["raise", bool(reply.get("is_exception")), reply.get("type") == "NotImplementedError"]


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Replay: with derandomized inputs, a submission that answers every call of a test exactly
    as the reference did takes the reference's path through it, so the test passes. Checked in
    one round trip; any difference runs the test for real (with shrinking and feedback)."""
    item = pyfuncitem
    session = item.config._kata
    if not session.golden or item.get_closest_marker("experiment") or item.nodeid not in session.golden:
        return None
    names = graded_names(item)
    target = session.target if session._target is not None else None
    submission = getattr(target, "submission", None)
    if not names or not hasattr(target, "call_many") or names[0] in session.broken:
        return None
    if submission is not None and submission.references.get(names[0], set()) & session.failed:
        return None  # the real run may have something to say about a dependency
    calls = session.golden[item.nodeid]
    try:
        replies = target.call_many(calls)
    except SubmissionFailure:
        return None
    if len(replies) != len(calls) or any(answer_key(r) != c["answer"] for r, c in zip(replies, calls)):
        return None
    return True  # the same answers as the reference: the test passes without running again


def format_call(name: str, args) -> str:
    return f"{name}({', '.join(format_value(a) for a in args)})"


def format_value(value, limit: int = 8) -> str:
    if callable(value):
        return getattr(value, "description", getattr(value, "__name__", "f"))
    if isinstance(value, (list, tuple)):
        shown = ", ".join(format_value(v, limit) for v in list(value)[:limit])
        more = f", ... ({len(value)} items)" if len(value) > limit else ""
        return f"[{shown}{more}]"
    return repr(value)


@pytest.fixture
def impl(request) -> Impl:
    names = graded_names(request.node)
    session = request.config._kata
    if names and names[0] in session.broken and session.broken[names[0]] == "timed out":
        pytest.fail(f"skipped: `{names[0]}` already timed out in an earlier test")
    return Impl(session, names[0], request.node.nodeid)


@pytest.fixture
def run_experiment(request):
    """run_experiment(name) -> (result, kwargs): run a convergence experiment with the target's own functions."""
    session = request.config._kata

    def run(name: str):
        uses = catalog.EXPERIMENT_BY_NAME[name].uses
        missing = [n for n in uses if n not in session.target.present]
        if missing:
            raise Mismatch(f"the {name} experiment", "all its functions", "missing functions",
                           f"It needs {', '.join(f'`{m}`' for m in missing)}, which your code does not define.")
        stuck = [n for n in uses if session.broken.get(n) == "timed out"]
        if stuck:
            raise Mismatch(f"the {name} experiment", "a result", "not run",
                           f"Not run, because {', '.join(f'`{s}`' for s in stuck)} timed out in its own tests.")
        kwargs = experiments.arguments(name, session.seed)
        try:
            reply = session.target.experiment(name, kwargs, session.call_seed(request.node.nodeid, 0))
        except SubmissionFailure as failure:
            failure.call = f"the {name} experiment"
            raise
        request.node._kata_trace = reply["value"].get("trace") if isinstance(reply["value"], dict) else None
        return reply["value"], kwargs

    return run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" or (report.when == "setup" and report.failed):
        session = item.config._kata
        names = graded_names(item)
        marker = item.get_closest_marker("experiment")
        record = {"nodeid": item.nodeid, "test": item.name, "function": None if marker else (names or [None])[0],
                  "experiment": marker.args[0] if marker else None, "tags": names,
                  "status": "passed" if report.passed else "failed", "failure": None, "note": None}
        impl_ = item.funcargs.get("impl") if hasattr(item, "funcargs") else None
        if report.failed:
            record["failure"] = describe_failure(call.excinfo.value if call.excinfo else None, impl_)
            mistake = recognise_mistake(record["failure"], impl_)
            if mistake:
                record["failure"]["mistake"] = mistake
            if record["function"]:
                session.failed.add(record["function"])
        if impl_ is not None and impl_.note:
            record["note"] = impl_.note
        trace = getattr(item, "_kata_trace", None)
        if marker and trace:
            record["trace"] = trace
        session.records.append(record)


def recognise_mistake(failure: Dict, impl_: Optional[Impl]) -> Optional[str]:
    """Name a known mistake when the learner's last answer matches a mutant of the bank."""
    if impl_ is None or failure.get("kind") != "mismatch" or not impl_.last:
        return None
    from ..kata.mistakes import recognise
    mutated = bool(impl_.last.get("mutated"))
    mutant = recognise(impl_._name, impl_.last_args, impl_.last.get("value"), mutated, impl_.last_seed)
    return mutant.mistake if mutant else None


def describe_failure(error, impl_: Optional[Impl]) -> Dict:
    """Plain data about why a test failed, for the reports."""
    printed = (impl_.last.get("printed") if impl_ else "") or ""
    if isinstance(error, Mismatch):
        detail = error.detail
        if error.got is None and printed.strip():
            detail = "Your function printed its answer but returned None: use `return`, not `print`."
        return {"kind": "mismatch", "call": error.call, "expected": error.expected, "got": error.got,
                "detail": detail}
    if isinstance(error, SubmissionFailure):
        reply = error.reply
        return {"kind": error.kind, "call": getattr(error, "call", ""), "type": reply.get("type", ""),
                "message": reply.get("message", ""), "where": reply.get("where", []),
                "printed": reply.get("printed", "")}
    if error is None:
        return {"kind": "error", "message": "the test failed"}
    return {"kind": "error", "message": f"{type(error).__name__}: {error}"[:2000]}
