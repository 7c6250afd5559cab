"""Replay: pass a test in one round trip when every answer is the reference's.

With derandomized inputs, a submission that answers every call of a test exactly as
the reference did takes the reference's path through it, so the test passes. Any
difference runs the test for real, with shrinking and feedback.

The same recording decides stubs early: a test's first call is the same with or
without replay (the first example is drawn before any answer is seen), so when the
submission answers it with NotImplementedError the test fails here, exactly as the
real run would (impl.py: a first call that raises it poisons the test), and the
function's later tests fail at once (impl.known_stub).
"""
import json
from typing import Dict, Optional

from ..sandbox.process import Raised, SubmissionFailure
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
    # With a failing dependency the real run may have something to say about it: only the
    # first call is asked, to recognise a stub.
    blocked = submission is not None and bool(submission.references.get(names[0], set()) & session.failed)
    # In chunks: a batch's timeout grows only a little with its size, and a slow (loaded)
    # machine must not lose replay to it; a chunk that differs ends the replay early. The
    # first chunk is the first call alone: a wrong function usually differs there, and the
    # calls after it would be made for nothing (each one may take the worker its whole time).
    bounds = [0, 1] if blocked else [0, *range(1, len(calls), CHUNK), len(calls)]
    if not blocked and _own_helpers_passed(session, submission, names[0]):
        # The learner's own helpers, which passed all their tests: no round trip to the trusted side
        # for a correct stand-in at each of their calls. Where that gives the reference's answers, the
        # real run passes too (an example passes with the learner's own helpers: impl.py's rule).
        if _replay(item, session, target, calls, bounds, isolate=False):
            return True
        passed = _replay(item, session, target, calls, bounds, isolate=True, again=True)
    else:
        passed = _replay(item, session, target, calls, bounds, isolate=True)
    return None if blocked or not passed else True


def _own_helpers_passed(session: KataSession, submission, name: str) -> bool:
    """Whether every other exercise function `name` may call has been graded in this run, and passed."""
    helpers = submission.references.get(name, set()) if submission is not None else set()
    return bool(helpers) and helpers <= session.graded and not helpers & session.failed


def _replay(item, session: KataSession, target, calls, bounds, isolate: bool, again: bool = False) -> bool:
    """Whether the submission answers every call as the reference did; raises for a known stub."""
    names = graded_names(item)
    for start, end in zip(bounds, bounds[1:]):
        chunk = calls[start:end]
        try:
            replies = target.call_many(chunk, isolate=isolate, again=again and start == 0)
        except SubmissionFailure:
            return False
        if len(replies) != len(chunk):
            return False
        if start == 0 and replies and replies[0].get("op") == "raise" \
                and replies[0].get("type") == "NotImplementedError":
            failure = Raised(replies[0])
            failure.call = format_call(chunk[0]["name"], chunk[0]["args"])
            session.not_implemented.setdefault(names[0], failure)
            raise known_stub(session, names[0])
        if any(answer_key(r) != c["answer"] for r, c in zip(replies, chunk)):
            return False
    return True
