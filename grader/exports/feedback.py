"""Words for learners: one failure, explained in their terms. Shared by every report."""
from typing import Dict, List, Optional

from ..kata import catalog


def is_not_implemented(failure: Optional[Dict]) -> bool:
    return bool(failure) and failure.get("type") == "NotImplementedError"


def explain(failure: Dict, function: Optional[str], missing: Dict[str, Optional[str]]) -> List[str]:
    """Lines that say what went wrong: the call, expected against got, and why."""
    kind = failure.get("kind")
    if function and function in missing:
        near = missing[function]
        return [f"`{function}` is not defined in your code."
                + (f" Did you mean `{function}` where you wrote `{near}`? Rename it." if near else "")]
    if is_not_implemented(failure):
        return ["Not implemented yet: it still raises NotImplementedError."]
    call = failure.get("call") or ""
    if kind == "mismatch":
        lines = [call] if call else []
        lines += [f"  expected: {_short(failure.get('expected'))}", f"  got:      {_short(failure.get('got'))}"]
        if failure.get("mistake"):
            lines.append(f"It looks like {failure['mistake'][0].lower()}{failure['mistake'][1:]}")
        elif failure.get("detail"):
            lines.append(failure["detail"])
        return lines
    if kind in ("raised", "crashed", "timed out"):
        verb = {"raised": "raised", "crashed": "crashed", "timed out": "timed out"}[kind]
        lines = [f"{call} {verb}: {failure.get('type', '')}: {failure.get('message', '')}".strip()]
        if failure.get("type") == "SystemExit":
            lines.append("Your code called exit(): return a value instead.")
        where = failure.get("where") or []
        if where:
            lines.append("  at " + where[-1])
        if failure.get("printed"):
            lines.append("  it printed: " + _short(failure["printed"].strip(), 200))
        return lines
    return [failure.get("message", "the test failed")]


def hint(function: Optional[str]) -> str:
    exercise = catalog.BY_NAME.get(function or "")
    return f"Hint: {exercise.hint}" if exercise else ""


def _short(value, limit: int = 300) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
