"""Replay: pass a test in one round trip when every answer is the reference's.

With derandomized inputs, a submission that answers every call of a test exactly as
the reference did takes the reference's path through it, so the test passes. Any
difference runs the test for real, with shrinking and feedback.
"""
import json
from typing import Dict, Optional

from ..sandbox.process import SubmissionFailure
from .ordering import experiment_of, graded_names
from .session import KataSession


def answer_key(reply: Dict):
    """What of a reply can change a test's outcome; equal keys mean the test takes the same path."""
    if reply.get("op") == "return":
        return ["return", json.dumps(reply.get("value"), sort_keys=True), list(reply.get("mutated") or [])]
    return ["raise", bool(reply.get("is_exception")), reply.get("type") == "NotImplementedError"]


def replayed(item, session: KataSession) -> Optional[bool]:
    """True when the test passes by replay; None when it must run for real."""
    if not session.golden or experiment_of(item) or item.nodeid not in session.golden:
        return None
    names = graded_names(item)
    target = session.opened_target
    if not names or target is None or names[0] in session.broken:
        return None
    submission = getattr(target, "submission", None)
    if submission is not None and submission.references.get(names[0], set()) & session.failed:
        return None  # the real run may have something to say about a dependency
    calls = session.golden[item.nodeid]
    try:
        replies = target.call_many(calls)
    except SubmissionFailure:
        return None
    if len(replies) != len(calls) or any(answer_key(r) != c["answer"] for r, c in zip(replies, calls)):
        return None
    return True
