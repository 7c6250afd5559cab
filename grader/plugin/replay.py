"""Replay: pass a test in one round trip when every answer is the reference's.

With derandomized inputs, a submission that answers every call of a test exactly as
the reference did takes the reference's path through it, so the test passes. When an
answer differs (correct code that rounds otherwise: math.fsum, numpy), the test's own
body is run again on each recorded example's inputs with the submission's answers: if
every example passes, the real run would pass them too. Otherwise the test runs for
real, with shrinking and feedback.

Calls use the learner's own helpers once those passed all their tests (no round trip
for a correct stand-in at each of their calls), and correct stand-ins otherwise; with a
helper that failed, the calls are made with the learner's own too, for the note the
real run would add (impl.py, `_diagnose_dependencies`).

The same recording decides stubs early: a test's first call is the same with or
without replay (the first example is drawn before any answer is seen), so when the
submission answers it with NotImplementedError the test fails here, exactly as the
real run would (impl.py: a first call that raises it poisons the test), and the
function's later tests fail at once (impl.known_stub).
"""
import json
from typing import Dict, List, Optional

from ..recording import comparable, decode_given
from ..sandbox.process import Raised, SubmissionFailure
from .impl import format_call, helper_breaks_note, known_stub, own_helpers_seed, stuck_helper_note
from .ordering import experiment_of, graded_names
from .session import KataSession

CHUNK = 20  # calls per round trip


def answer_key(reply: Dict):
    """What of a reply can change a test's outcome; equal keys mean the test takes the same path."""
    if reply.get("op") == "return":
        return ["return", json.dumps(reply.get("value"), sort_keys=True), list(reply.get("mutated") or [])]
    return ["raise", bool(reply.get("is_exception")), reply.get("type") == "NotImplementedError"]


def replayed(item, session: KataSession) -> Optional[bool]:
    """True when the test passes by replay; None when it must run for real; raises for a known stub."""
    names = graded_names(item)
    if experiment_of(item) or not names:
        return None
    stub = known_stub(session, names[0])
    if stub is not None:
        raise stub
    if not session.golden or item.nodeid not in session.golden:
        return None
    target = session.opened_target
    if target is None or names[0] in session.broken:
        return None
    calls = session.golden[item.nodeid]
    submission = getattr(target, "submission", None)
    # In chunks: a batch's timeout grows only a little with its size, and a slow (loaded)
    # machine must not lose replay to it; a chunk that differs ends the replay early. The
    # first chunk is the first call alone: a wrong function usually differs there, and the
    # calls after it would be made for nothing (each one may take the worker its whole time).
    bounds = [0, *range(1, len(calls), CHUNK), len(calls)]
    helpers = submission.references.get(names[0], set()) if submission is not None else set()
    failing = sorted(helpers & session.failed)
    if failing:
        return _with_failing_helpers(item, session, target, calls, bounds, failing)
    if helpers and helpers <= session.graded:  # every helper graded in this run, and none failed
        # The learner's own helpers, which passed all their tests: no round trip to the trusted side
        # for a correct stand-in at each of their calls. Where that gives the reference's answers, the
        # real run passes too (an example passes with the learner's own helpers: impl.py's rule).
        if _replay(item, session, target, calls, bounds, isolate=False) is not None:
            return True
        replies = _replay(item, session, target, calls, bounds, isolate=True, again=True, tolerant=True)
        return True if replies is not None else None
    replies = _replay(item, session, target, calls, bounds, isolate=True, tolerant=True)
    return True if replies is not None else None


def _with_failing_helpers(item, session: KataSession, target, calls, bounds, failing) -> Optional[bool]:
    """A test of a function that calls a helper which failed a test: it passes by replay when every
    answer with correct stand-ins is the reference's, with the note the real run would give it.

    The real run compares each answer with the learner's own helpers' (Impl._diagnose_dependencies)
    and notes the first call where they differ; here the same calls, with the same seed, are made
    with the learner's own helpers after the replay. A helper that timed out or crashed is not
    asked again: the note says so."""
    name = graded_names(item)[0]
    replies = _replay(item, session, target, calls, bounds, isolate=True)
    if replies is None:
        return None
    stuck = stuck_helper_note(session, name, failing)
    if stuck is not None:
        return _passed_with_note(item, stuck)
    own_seed = own_helpers_seed(session, item.nodeid)
    own = [dict(c, seed=own_seed) for c in calls]
    for start, end in zip(bounds, bounds[1:]):
        try:
            theirs = target.call_many(own[start:end], isolate=False)
        except SubmissionFailure:
            return None
        if len(theirs) != end - start:
            return None
        for call, reply, mine in zip(calls[start:end], replies[start:end], theirs):
            if mine.get("op") != "return" or mine.get("value") != reply.get("value"):
                breaks = helper_breaks_note(name, failing, format_call(name, call["args"]))
                return _passed_with_note(item, breaks)
    return True


def _passed_with_note(item, note: str) -> bool:
    impl = getattr(item, "funcargs", {}).get("impl")
    if impl is not None:
        impl.note = note
    return True


def _replay(item, session: KataSession, target, calls, bounds, isolate: bool, again: bool = False,
            tolerant: bool = False) -> Optional[List[Dict]]:
    """The replies, when the submission answers every call as the reference did (else None);
    raises for a known stub.

    tolerant: an answer that differs is not the end. From there on, each recorded example
    whose calls have all been answered is run again through the test's own body, on its
    recorded inputs, with those answers (`_tolerated`): the replies count when every example
    passes its test's own checks, tolerances included."""
    names = graded_names(item)
    replies: List[Dict] = []
    examples = _examples(calls) if tolerant else []
    exact, checked = True, 0
    for start, end in zip(bounds, bounds[1:]):
        chunk = calls[start:end]
        try:
            answers = target.call_many(chunk, isolate=isolate, again=again and start == 0)
        except SubmissionFailure:
            return None
        if len(answers) != len(chunk):
            return None
        if start == 0 and answers and answers[0].get("op") == "raise" \
                and answers[0].get("type") == "NotImplementedError":
            failure = Raised(answers[0])
            failure.call = format_call(chunk[0]["name"], chunk[0]["args"])
            session.not_implemented.setdefault(names[0], failure)
            raise known_stub(session, names[0])
        replies.extend(answers)
        if exact and any(answer_key(r) != c["answer"] for r, c in zip(answers, chunk)):
            if not examples:
                return None
            exact = False
        if not exact:
            checked = _tolerated(item, names[0], calls, replies, examples, checked)
            if checked is None:
                return None
    return replies


def _examples(calls) -> List[tuple]:
    """[(first, end, given)]: the recorded examples, each with the range of its calls and its inputs
    ([] when the recording has none, or not for every call)."""
    starts = [i for i, call in enumerate(calls) if "given" in call]
    if not starts or starts[0] != 0:
        return []
    return [(first, end, calls[first]["given"]) for first, end in zip(starts, starts[1:] + [len(calls)])]


def _tolerated(item, name: str, calls, replies, examples, checked: int) -> Optional[int]:
    """How many examples have passed the test's own body on the submission's answers (from
    `checked` on, each example whose calls are all answered); None when one does not.

    The inputs are Hypothesis's own draws, recorded with the reference, which passed every one:
    the real run draws the same examples in the same order as long as they pass, and each makes
    the same calls and gets the same answers, so it passes exactly when these do."""
    body = _body(item)
    if body is None:
        return None
    while checked < len(examples) and examples[checked][1] <= len(replies):
        first, end, given = examples[checked]
        served = _Served(name, calls[first:end], replies[first:end])
        try:
            inputs = decode_given(given)
            body(*inputs["args"], impl=served, **inputs["kwargs"])
        except Exception:  # a wrong answer, a raise, a call not recorded: the real run says which
            return None
        if not served.done():
            return None
        checked += 1
    return checked


def _body(item):
    """The test's own body, as Hypothesis calls it with an example's inputs (without the retry
    with the learner's own helpers that impl.install_retry wraps around it)."""
    inner = getattr(getattr(getattr(item, "obj", None), "hypothesis", None), "inner_test", None)
    return getattr(inner, "__wrapped__", inner)


class _Unserved(Exception):
    """The body asked for a call that was not recorded, or got a reply the real run would refuse."""


class _Served:
    """An `impl` that answers a test's body from replies already received, in the recorded order."""

    def __init__(self, name: str, calls: List[Dict], replies: List[Dict]):
        self.name, self.calls, self.replies, self.next = name, calls, replies, 0
        self.last_call = ""

    def __getattr__(self, attr):
        if attr != self.name:
            raise AttributeError(attr)
        return self._call

    def _call(self, *args):
        self.last_call = format_call(self.name, args)
        asked = comparable(args)
        if self.next >= len(self.calls) or asked is None \
                or asked != comparable(self.calls[self.next]["args"]):
            raise _Unserved(self.last_call)
        reply = self.replies[self.next]
        self.next += 1
        if reply.get("op") == "return":
            if reply.get("mutated"):  # the real run fails such a call (Impl._call)
                raise _Unserved(self.last_call)
            return reply.get("value")
        failure = Raised(reply)
        failure.call = self.last_call
        raise failure

    def done(self) -> bool:
        return self.next == len(self.calls)
