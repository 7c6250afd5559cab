"""A failed test, said as a sentence about the learner's code: never the grader's internals.

records.py turns what a test raised into a Failure. Some of what can end a test is
the machinery's, not the learner's: Hypothesis's FlakyFailure (whose message holds
the test's name and `impl=<...Impl object at 0x...>`), pytest's `Failed`, an error of
the test itself, or the RemoteError with which the worker relays an error of the
trusted side. `reword` replaces those with what they mean for the learner, and adds
to a wrong answer what the learner's code printed while computing it.
"""
import dataclasses
from typing import Optional

import pytest
from hypothesis.errors import Flaky

from ..expect import Mismatch
from ..kata import catalog
from ..result import Failure, Record
from ..sandbox.process import SubmissionFailure
from ..text import say
from .impl import Impl
from .records import describe_failure


def reword(record: Record, error: Optional[BaseException], impl: Optional[Impl]) -> Record:
    """The record, with a failure every report can show a learner as it is."""
    failure = record.failure
    if failure is None:
        return record
    function = record.function or (record.tags[0] if record.tags else "")
    if isinstance(error, Flaky):
        failure = _flaky(error, impl, function)
    elif isinstance(error, pytest.fail.Exception):
        failure = Failure("error", message=str(error.msg))  # our own sentence, without "Failed: "
    elif failure.kind == "error" and error is not None \
            and not isinstance(error, (Mismatch, SubmissionFailure)):
        # The test itself stopped: almost always on an answer of a shape it did not foresee.
        call = impl.last_call if impl is not None and impl.last_call else f"`{function}`"
        failure = Failure("error", call=call, message=say("report.check_could_not_finish", call=call))
    elif failure.type == "RemoteError":
        failure = _relayed(failure)
    if failure.kind == "mismatch" and not failure.printed and impl is not None and impl.last:
        failure = dataclasses.replace(failure, printed=str(impl.last.get("printed") or ""))
    return dataclasses.replace(record, failure=failure)


def _flaky(error: Flaky, impl: Optional[Impl], function: str) -> Failure:
    """Hypothesis saw the same input fail and then pass: the learner's answers are not reproducible."""
    inner = _first_cause(error)
    base = describe_failure(inner, impl) if inner is not None else Failure("error")
    if base.kind == "error":  # nothing more specific to show than the flakiness itself
        base = Failure("error", call=impl.last_call if impl is not None else "")
    sentence = say("report.flaky", function=function)
    return dataclasses.replace(base, detail=sentence, mistake=None)


def _first_cause(error: BaseException) -> Optional[BaseException]:
    """The first wrong answer or failure of the learner's code inside Hypothesis's exception group."""
    pending = list(getattr(error, "exceptions", ()) or ())
    while pending:
        candidate = pending.pop(0)
        if isinstance(candidate, (Mismatch, SubmissionFailure)):
            return candidate
        pending.extend(getattr(candidate, "exceptions", ()) or ())
    return None


def _relayed(failure: Failure) -> Failure:
    """The learner's code called a correct stand-in or the test's own f, and that call raised.

    Its message is "Type: message" of the trusted side's error. When the reference
    solutions cannot serve the stand-in, that is the grader's problem, not the learner's.
    """
    if not _reference_complete():
        return Failure("error", call=failure.call, message=say("report.grader_problem"))
    inner_type, _, message = failure.message.partition(": ")
    if not message or not inner_type.isidentifier():
        inner_type, message = "", failure.message
    return dataclasses.replace(failure, type=inner_type, message=message)


def _reference_complete() -> bool:
    from .. import target
    try:
        functions = target.reference().functions
    except Exception:  # the reference cannot even be imported
        return False
    return all(name in functions for name in catalog.FUNCTION_NAMES)
