"""Hints in steps, opt-in: each `--hint NAME` (notebook: `hint("NAME")`) shows the next one.

The steps themselves are text (grader/text/<lang>/functions.toml, `grader.text.hints`).
How far a learner has asked is kept per target and function in the user's cache
directory ($XDG_CACHE_HOME, or ~/.cache), never in the project; `--hint-reset NAME`
(notebook: `hint("NAME", reset=True)`) starts over.
"""
import json
import os
from pathlib import Path
from typing import Dict

from .. import text


def levels(name: str) -> int:
    """How many steps the ladder of name has."""
    return len(text.hints(name))


def _state_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gradient-descent-kata" / "hints.json"


def _key(target: str, name: str) -> str:
    return f"{os.path.abspath(target) if os.path.exists(target) else target}::{name}"


def _load() -> Dict[str, int]:
    try:
        state = json.loads(_state_file().read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def _save(state: Dict[str, int]) -> None:
    path = _state_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state, indent=1, sort_keys=True))
    except OSError:
        pass  # a read-only home still gets its hints, just not remembered


def shown(target: str, name: str) -> int:
    """How many steps of name's ladder this learner has seen for target (0: none yet)."""
    try:
        return max(0, int(_load().get(_key(target, name), 0)))
    except (TypeError, ValueError):
        return 0


def next_level(target: str, name: str) -> int:
    """Record one more request for a hint on name; return the step to show (1, 2, ... up to the last)."""
    level = min(levels(name), shown(target, name) + 1)
    state = _load()
    state[_key(target, name)] = level
    _save(state)
    return level


def reset(target: str, name: str) -> None:
    """Forget how far the hints for name went: the next request shows the first step again."""
    state = _load()
    if state.pop(_key(target, name), None) is not None:
        _save(state)
