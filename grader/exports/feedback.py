"""Words for learners: one failure, explained in their terms. Shared by every report."""
from typing import Dict, List, Optional

from ..kata import catalog
from ..result import Failure


def is_not_implemented(failure: Optional[Failure]) -> bool:
    return failure is not None and failure.not_implemented


def explain(failure: Failure, function: Optional[str], missing: Dict[str, Optional[str]]) -> List[str]:
    """Lines that say what went wrong: the call, expected against got, and why."""
    kind = failure.kind
    if function and function in missing:
        near = missing[function]
        return [f"`{function}` is not defined in your code."
                + (f" Did you mean `{function}` where you wrote `{near}`? Rename it." if near else "")]
    if is_not_implemented(failure):
        return ["Not implemented yet: it still raises NotImplementedError."]
    call = failure.call
    if kind == "mismatch":
        lines = [call] if call else []
        lines += [f"  expected: {_short(failure.expected)}", f"  got:      {_short(failure.got)}"]
        if failure.mistake:
            lines.append(f"It looks like {failure.mistake[0].lower()}{failure.mistake[1:]}")
        elif failure.detail:
            lines.append(failure.detail)
        return lines
    if kind in ("raised", "crashed", "timed out"):
        verb = {"raised": "raised", "crashed": "crashed", "timed out": "timed out"}[kind]
        lines = [f"{call} {verb}: {failure.type}: {failure.message}".strip()]
        if failure.type == "SystemExit":
            lines.append("Your code called exit(): return a value instead.")
        where = list(failure.where)
        if where:
            lines.append("  at " + where[-1])
        if failure.printed:
            lines.append("  it printed: " + _short(failure.printed.strip(), 200))
        return lines
    return [failure.message or "the test failed"]


def hint(function: Optional[str]) -> str:
    exercise = catalog.BY_NAME.get(function or "")
    return f"Hint: {exercise.hint}" if exercise else ""


def _short(value, limit: int = 300) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
