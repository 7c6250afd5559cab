"""Words for learners: one failure, explained in their terms. Shared by every report.

Every sentence comes from the text catalogue (grader/text). What came from the
learner's code (messages, printed output, returned strings) is shown bounded in size
and with control characters removed, so it cannot redraw a terminal or flood a page.
"""
import re
from typing import Dict, Hashable, List, Optional

from .. import text
from ..plain import describe as not_plain_reason
from ..result import Failure
from ..text import say

PRINTED_LINES = 8  # lines of a call's printed output shown under it
PRINTED_WIDTH = 160  # characters per printed line shown
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def is_not_implemented(failure: Optional[Failure]) -> bool:
    return failure is not None and failure.not_implemented


def explain(failure: Failure, function: Optional[str], missing: Dict[str, Optional[str]]) -> List[str]:
    """Lines that say what went wrong: the call, expected against got, and why."""
    if function and function in missing:
        near = missing[function]
        said = say("report.not_defined", function=function)
        return [said + (" " + say("report.near_miss", function=function, near=_clean(near)) if near else "")]
    if is_not_implemented(failure):
        return [say("report.not_implemented")]
    kind = failure.kind
    call = _clean(failure.call) or say("report.your_code")
    if kind == "mismatch":
        lines = [call] if failure.call else []
        lines += [say("report.expected", value=_short(failure.expected)),
                  say("report.got", value=_short(failure.got))]
        if failure.mistake:
            lines.append(say("report.looks_like", mistake=_mistake(failure.mistake)))
        elif failure.detail:
            lines.append(failure.detail)
    elif kind in ("raised", "crashed", "timed out"):
        lines = [_did_not_return(failure, call)]
        if failure.type == "SystemExit":
            lines.append(say("report.called_exit"))
        if failure.where:
            lines.append(say("report.at", where=_short(failure.where[-1], 200)))
        if failure.detail:
            lines.append(failure.detail)
    else:
        message = _clean(failure.message)
        lines = [message] if message else ([] if failure.detail else [say("report.test_failed")])
        if failure.detail:
            lines.append(failure.detail)
    return lines + printed(failure.printed)


def _did_not_return(failure: Failure, call: str) -> str:
    if failure.kind == "crashed":
        return say("report.crashed", call=call, message=_short(failure.message))
    if failure.kind == "timed out":
        return say("report.timed_out", call=call, message=_short(failure.message))
    if failure.type == "NotPlain":  # the worker could not turn the answer into plain data
        return say("report.unusable_value", call=call, reason=_unusable(failure.message))
    kind = _clean(failure.type)[:80] or say("report.an_exception")
    message = _short(failure.message)
    if not message:
        return say("report.raised_bare", call=call, type=kind)
    return say("report.raised", call=call, type=kind, message=message)


def _unusable(message: str) -> str:
    found = not_plain_reason(message)
    if found is None:
        return say("sandbox.not_plain_unknown")
    code, fields = found
    return say(f"sandbox.not_plain_{code}", **{k: _clean(str(v)) for k, v in fields.items()})


def _mistake(mutant_id: str) -> str:
    try:
        return text.mistake(mutant_id)
    except KeyError:  # a result stored before mistakes were keyed by id, or by another version
        return _clean(mutant_id)


def printed(output: str) -> List[str]:
    """What the learner's code printed during the call, bounded, under a heading; [] if nothing."""
    lines = [_clean(line)[:PRINTED_WIDTH] for line in (output or "").rstrip().splitlines()]
    if not any(line.strip() for line in lines):
        return []
    shown = ["  " + say("report.printed")] + ["    " + line for line in lines[:PRINTED_LINES]]
    if len(lines) > PRINTED_LINES:
        shown.append("    " + say("report.printed_more", count=len(lines) - PRINTED_LINES))
    return shown


def repeated_key(failure: Failure, lines: List[str]) -> Hashable:
    """Two failures of one function with the same key tell the learner the same thing."""
    if failure.mistake:
        return ("mistake", failure.mistake)
    if failure.kind in ("raised", "crashed", "timed out"):
        return (failure.kind, failure.type, failure.message)
    if failure.kind == "mismatch" and failure.detail:
        return ("detail", failure.detail)
    return tuple(lines)


def _clean(value) -> str:
    return _CONTROL.sub("?", value if isinstance(value, str) else str(value or ""))


def _short(value, limit: int = 300) -> str:
    """One line of at most limit characters."""
    shown = " ".join(_clean(value if isinstance(value, str) else repr(value)).splitlines())
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."
