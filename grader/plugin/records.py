"""From a finished test to its typed Record, with a Failure that says why in plain data.

This is where what a submission sent becomes the grader's own record, so it is where
learner-controlled text is made safe, once, for every report (grader/untrusted.py):
exception types, messages, traceback lines, prints and returned values, one line each
and bounded. An experiment's trace is thinned to what a plot shows.
"""
from typing import Optional

from .. import untrusted
from ..expect import Mismatch
from ..kata import experiments
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
    note = impl.note if impl is not None else None
    return Record(nodeid=item.nodeid, test=item.name, function=None if experiment else (names or [None])[0],
                  experiment=experiment, tags=tuple(names), status=PASSED if report.passed else FAILED,
                  failure=failure, note=untrusted.text(note, untrusted.DETAIL) if note else None,
                  trace=_plot_trace(experiment, trace) if experiment else None,
                  law=item.get_closest_marker("law") is not None)


def _plot_trace(experiment: str, trace) -> Optional[list]:
    """The run's theta at about TRACE_POINTS epochs, if it is a list of vectors of numbers (else None)."""
    if not isinstance(trace, list) or not all(
            isinstance(t, list) and t and all(type(x) in (int, float) for x in t) for t in trace):
        return None
    thinned = experiments.downsample(trace, experiments.SETTINGS[experiment]["epochs"])
    return thinned[:10 * experiments.TRACE_POINTS]


def recognise_mistake(failure: Failure, impl: Optional[Impl]) -> Optional[str]:
    """Name a known mistake when the learner's last answer matches a mutant of the bank."""
    if impl is None or failure.kind != "mismatch" or not impl.last:
        return None
    from ..kata.mistakes import recognise
    mutated = bool(impl.last.get("mutated"))
    mutant = recognise(impl.name, impl.last_args, impl.last.get("value"), mutated, impl.last_seed)
    return mutant.id if mutant else None


def describe_failure(error, impl: Optional[Impl]) -> Failure:
    """Plain data about why a test failed, for the reports; learner text made safe (untrusted.py)."""
    printed = (impl.last.get("printed") if impl else "") or ""
    if isinstance(error, Mismatch):
        detail = error.detail
        if error.got is None and isinstance(printed, str) and printed.strip():
            detail = say("report.printed_instead_of_return")
        return Failure("mismatch", call=untrusted.text(error.call, untrusted.DETAIL),
                       expected=untrusted.value(error.expected), got=untrusted.value(error.got),
                       detail=untrusted.text(detail, untrusted.DETAIL))
    if isinstance(error, SubmissionFailure):
        reply = error.reply
        return Failure(error.kind, call=untrusted.text(getattr(error, "call", ""), untrusted.DETAIL),
                       type=untrusted.text(reply.get("type", ""), untrusted.TYPE),
                       message=untrusted.text(reply.get("message", ""), untrusted.MESSAGE),
                       where=tuple(untrusted.text(w, untrusted.WHERE)
                                   for w in list(reply.get("where") or ())[:5]),
                       printed=untrusted.text(reply.get("printed", ""), untrusted.PRINTED))
    if error is None:
        return Failure("error", message=say("report.test_failed"))
    return Failure("error", message=untrusted.text(f"{type(error).__name__}: {error}", untrusted.DETAIL))
