"""The `impl` proxy a test calls: the graded function, served by the target in plain data.

Fault isolation and its fairness rule. A test calls the graded function with the other
exercise functions replaced by correct stand-ins, so a bug in a helper costs only the
helper's points. A learner may also be consistently unconventional: `scalar_multiply(v, c)`
with its arguments swapped, called that way by `vector_mean` and `gradient_step`. A
correct stand-in then breaks those callers. So an example that fails with stand-ins is
tried again with the learner's own functions (whichever names the target stood in), and
the example passes if it passes either way: right with correct helpers, or right with the
learner's own. `install_retry` puts that rule around every Hypothesis test.
"""
import copy
import functools
from typing import Dict, Optional

from ..expect import Mismatch
from ..sandbox.process import Crashed, Raised, SubmissionFailure, TimedOut
from ..text import listed, say
from . import profile
from .session import KataSession


class Impl:
    """The one function a test grades: `impl.add(v, w)` calls the target's `add`.

    `last` is the reply of the last call (with "mutated" and "printed"), `last_call`
    that call written out for feedback, `note` what fault isolation found out.
    """

    def __init__(self, session: KataSession, name: str, nodeid: str):
        self.session, self.name, self.nodeid = session, name, nodeid
        self.calls = 0
        self.poisoned: Optional[SubmissionFailure] = None
        self.poisoned_traceback = None
        self.last: Dict = {}
        self.last_call = ""
        self.last_args: list = []
        self.last_seed = 0
        self.note: Optional[str] = None
        self.isolate = True  # False while an example is tried again with the learner's own helpers
        self.given: Optional[Dict] = None  # recording: the inputs of the example whose first call is next
        self.retry_stuck = False

    def __getattr__(self, attr):
        if attr != self.name:
            raise AttributeError(f"this test grades {self.name}, not {attr}")
        return self._call

    def _call(self, *args):
        self.calls += 1
        profile.count_call()
        self.last_call = format_call(self.name, args)
        if self.poisoned is not None:
            # A crash or timeout ends this test: later examples fail at once instead of waiting again.
            # Raised on its first traceback each time: Hypothesis sees one origin, and the traceback
            # (which pytest formats) does not grow with every example.
            raise self.poisoned.with_traceback(self.poisoned_traceback)
        session = self.session
        target = session.target
        self.last_args, self.last_seed = list(args), session.call_seed(self.nodeid, self.calls)
        requests = target.requests
        try:
            self.last = target.call(self.name, list(args), self.isolate, self.last_seed)
        except (Crashed, TimedOut) as failure:
            failure.call = self.last_call
            self.poisoned, self.poisoned_traceback = failure, failure.__traceback__
            session.broken.setdefault(self.name, failure.kind)
            raise
        except Raised as failure:
            failure.call = self.last_call
            self._record(args, failure.reply)
            if self.calls == 1 and failure.reply.get("type") == "NotImplementedError":
                # A stub (its very first call raised it): the rest of this test and the function's
                # later tests fail at once (known_stub), without waiting for the worker again.
                self.poisoned, self.poisoned_traceback = failure, failure.__traceback__
                session.not_implemented.setdefault(self.name, failure)
            raise
        finally:
            # Each request the call made of this side (a stand-in, the test's `f`) was a round trip
            # too: estimate_gradient's calls make 2n of them.
            profile.count_call(target.requests - requests)
        self._record(args, self.last)
        mutated = self.last.get("mutated") or []
        if mutated:  # its answer was withheld (runtime.invoke): the call fails in every test
            raise Mismatch(self.last_call, say("checks.unmodified.expected"), say("checks.unmodified.got"),
                           say("checks.unmodified.detail", function=self.name, position=mutated[0] + 1))
        if self.isolate:
            self._diagnose_dependencies(args)
        return self.last["value"]

    def _record(self, args, reply):
        if self.session.recording is not None:
            from ..recording import encode_given
            from .replay import answer_key
            entry = {"name": self.name, "args": copy.deepcopy(list(args)), "seed": self.last_seed,
                     "answer": answer_key(reply)}
            if self.given is not None:  # the first call of an example
                entry["given"], self.given = encode_given(self.given), None
            self.session.recording.setdefault(self.nodeid, []).append(entry)

    def _diagnose_dependencies(self, args):
        """With a dependency already failing, see whether the learner's own one changes this answer."""
        session = self.session
        submission = getattr(session.target, "submission", None)
        if self.note is not None or submission is None:
            return
        suspects = sorted(submission.references.get(self.name, set()) & session.failed)
        if not suspects:
            return
        self.note = stuck_helper_note(session, self.name, suspects)
        if self.note is not None:  # no need to wait for it again
            return
        try:
            own = session.target.call(self.name, list(args), False, own_helpers_seed(session, self.nodeid))
            differs = own["value"] != self.last["value"]
        except SubmissionFailure:
            differs = True
        if differs:
            self.note = helper_breaks_note(self.name, suspects, self.last_call)


    def helpers(self) -> list:
        """The other exercise functions the graded one may call (from the upload's source)."""
        submission = getattr(self.session.target, "submission", None)
        return sorted(submission.references.get(self.name, set())) if submission is not None else []

    def passes_with_own_helpers(self, example) -> bool:
        """Run `example` (one failed example of the test) again with the learner's own functions."""
        helpers = self.helpers()
        stuck = self.retry_stuck or set(helpers) & set(self.session.broken)
        if self.poisoned is not None or not helpers or stuck:
            return False
        saved = (self.last, self.last_call, self.last_args, self.last_seed, self.calls)
        broken = dict(self.session.broken)
        self.isolate = False
        try:
            example()
        except (Crashed, TimedOut):
            self.retry_stuck = True  # the learner's own helpers hang or crash: do not wait for them again
            return False
        except (AssertionError, SubmissionFailure):
            return False
        finally:
            # What the learner's own helpers did must not stand for the graded function's own failure.
            self.isolate, self.poisoned = True, None
            self.session.broken.clear()
            self.session.broken.update(broken)
            self.last, self.last_call, self.last_args, self.last_seed, self.calls = saved
        listed = " and ".join(f"`{h}`" for h in helpers)
        self.note = self.note or say("load.own_helpers", function=self.name, helpers=listed)
        return True


def known_stub(session: KataSession, name: str) -> Optional[Raised]:
    """The NotImplementedError `name` raised earlier in this run, to fail its next test without the worker."""
    stub = session.not_implemented.get(name)
    if stub is None:
        return None
    failure = Raised(stub.reply)
    failure.call = stub.call
    return failure


def own_helpers_seed(session: KataSession, nodeid: str) -> int:
    """The seed of a test's calls made again with the learner's own helpers, to compare answers."""
    return session.call_seed(nodeid, -1)


def stuck_helper_note(session: KataSession, name: str, suspects) -> Optional[str]:
    """The note for `name` when one of its failing helpers timed out or crashed (None if none did)."""
    stuck = [s for s in suspects if s in session.broken]
    if not stuck:
        return None
    key = "report.dependency_timed_out" if session.broken[stuck[0]] == "timed out" \
        else "report.dependency_crashed"
    return say(key, function=name, dependency=stuck[0])


def helper_breaks_note(name: str, suspects, call: str) -> str:
    """The note for `name` when the learner's own failing helpers change its answer to `call`."""
    return say("report.dependency_breaks", function=name, dependencies=listed(suspects), call=call)


def install_retry(test_function) -> None:
    """Make a Hypothesis test pass an example that fails with correct stand-ins but passes with the
    learner's own functions (see the module's docstring). Idempotent; other tests are left alone."""
    settings = getattr(test_function, "hypothesis", None)
    inner = getattr(settings, "inner_test", None)
    if inner is None or getattr(inner, "_kata_retry", False):
        return

    @functools.wraps(inner)
    def either_way(*args, **kwargs):
        impl = kwargs.get("impl")
        if isinstance(impl, Impl) and impl.session.recording is not None:
            # The example's inputs, for replay to run this body again on them (replay.py, `_tolerated`).
            impl.given = {"args": copy.deepcopy(list(args)),
                          "kwargs": {k: copy.deepcopy(v) for k, v in kwargs.items() if k != "impl"}}
        try:
            return inner(*args, **kwargs)
        except (AssertionError, SubmissionFailure):
            if isinstance(impl, Impl) and impl.passes_with_own_helpers(lambda: inner(*args, **kwargs)):
                return None
            raise

    either_way._kata_retry = True
    settings.inner_test = either_way


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
