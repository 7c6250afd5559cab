"""From a finished test to its typed Record, with a Failure that says why in plain data."""
from typing import Optional

from ..expect import Mismatch
from ..result import FAILED, PASSED, Failure, Record
from ..sandbox.process import SubmissionFailure
from ..text import say
from .impl import Impl
from .ordering import experiment_of, graded_names


def make_record(item, call, report, impl: Optional[Impl], trace) -> Record:
    names = graded_names(item)
    experiment = experiment_of(item)
    failure = None
    if report.failed:
        failure = describe_failure(call.excinfo.value if call.excinfo else None, impl)
        mistake = recognise_mistake(failure, impl)
        if mistake:
            failure = Failure(**{**failure.__dict__, "mistake": mistake})
    return Record(nodeid=item.nodeid, test=item.name, function=None if experiment else (names or [None])[0],
                  experiment=experiment, tags=tuple(names), status=PASSED if report.passed else FAILED,
                  failure=failure, note=impl.note if impl is not None else None,
                  trace=trace if experiment else None, law=item.get_closest_marker("law") is not None)


def recognise_mistake(failure: Failure, impl: Optional[Impl]) -> Optional[str]:
    """Name a known mistake when the learner's last answer matches a mutant of the bank."""
    if impl is None or failure.kind != "mismatch" or not impl.last:
        return None
    from ..kata.mistakes import recognise
    mutated = bool(impl.last.get("mutated"))
    mutant = recognise(impl.name, impl.last_args, impl.last.get("value"), mutated, impl.last_seed)
    return mutant.id if mutant else None


def describe_failure(error, impl: Optional[Impl]) -> Failure:
    """Plain data about why a test failed, for the reports."""
    printed = (impl.last.get("printed") if impl else "") or ""
    if isinstance(error, Mismatch):
        detail = error.detail
        if error.got is None and printed.strip():
            detail = say("report.printed_instead_of_return")
        return Failure("mismatch", call=error.call, expected=error.expected, got=error.got, detail=detail)
    if isinstance(error, SubmissionFailure):
        reply = error.reply
        return Failure(error.kind, call=getattr(error, "call", ""), type=str(reply.get("type", "")),
                       message=str(reply.get("message", "")), where=tuple(str(w) for w in reply.get("where") or ()),
                       printed=str(reply.get("printed", "")))
    if error is None:
        return Failure("error", message=say("report.test_failed"))
    return Failure("error", message=f"{type(error).__name__}: {error}"[:2000])
