"""Replay: pass a test in one round trip when every answer is the reference's.

With derandomized inputs, a submission that answers every call of a test exactly as
the reference did takes the reference's path through it, so the test passes. Any
difference runs the test for real, with shrinking and feedback.

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

from ..sandbox.process import Raised, SubmissionFailure
from ..text import listed, say
from .impl import format_call, known_stub
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
    failing = sorted(submission.references.get(names[0], set()) & session.failed) if submission else []
    if failing:
        return _with_failing_helpers(item, session, target, calls, bounds, failing)
    if _own_helpers_passed(session, submission, names[0]):
        # The learner's own helpers, which passed all their tests: no round trip to the trusted side
        # for a correct stand-in at each of their calls. Where that gives the reference's answers, the
        # real run passes too (an example passes with the learner's own helpers: impl.py's rule).
        if _replay(item, session, target, calls, bounds, isolate=False) is not None:
            return True
        replies = _replay(item, session, target, calls, bounds, isolate=True, again=True)
        return True if replies is not None else None
    return True if _replay(item, session, target, calls, bounds, isolate=True) is not None else None


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
    stuck = [helper for helper in failing if helper in session.broken]
    if stuck:
        key = "report.dependency_timed_out" if session.broken[stuck[0]] == "timed out" \
            else "report.dependency_crashed"
        return _passed_with_note(item, say(key, function=name, dependency=stuck[0]))
    own_seed = session.call_seed(item.nodeid, -1)
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
                return _passed_with_note(item, say("report.dependency_breaks", function=name,
                                                   dependencies=listed(failing),
                                                   call=format_call(name, call["args"])))
    return True


def _passed_with_note(item, note: str) -> bool:
    impl = getattr(item, "funcargs", {}).get("impl")
    if impl is not None:
        impl.note = note
    return True


def _own_helpers_passed(session: KataSession, submission, name: str) -> bool:
    """Whether every other exercise function `name` may call has been graded in this run, and passed."""
    helpers = submission.references.get(name, set()) if submission is not None else set()
    return bool(helpers) and helpers <= session.graded and not helpers & session.failed


def _replay(item, session: KataSession, target, calls, bounds, isolate: bool,
            again: bool = False) -> Optional[List[Dict]]:
    """The replies, when the submission answers every call as the reference did (else None);
    raises for a known stub."""
    names = graded_names(item)
    replies: List[Dict] = []
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
        if any(answer_key(r) != c["answer"] for r, c in zip(answers, chunk)):
            return None
        replies.extend(answers)
    return replies
