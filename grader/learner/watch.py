"""Grade again every time a file of the target is saved, until Ctrl-C."""
import time
from pathlib import Path
from typing import Callable, List, Tuple

from ..text import say

POLL_SECONDS = 0.2


def _stamps(target: Path) -> List[Tuple[Path, int]]:
    files = sorted(target.rglob("*.py")) + sorted(target.rglob("*.ipynb")) if target.is_dir() else [target]
    stamps = []
    for path in files:
        try:
            stamps.append((path, path.stat().st_mtime_ns))
        except OSError:
            pass
    return stamps


def watch(target: str, grade_once: Callable[[], int]) -> int:
    """Call grade_once, then again whenever a file of target changes; Ctrl-C stops with status 0."""
    path = Path(target)
    try:
        while True:
            seen = _stamps(path)
            grade_once()
            print(say("report.watching", target=target), flush=True)
            while _stamps(path) == seen:
                time.sleep(POLL_SECONDS)
            print("\n" + "-" * 60 + "\n" + say("report.changed"), flush=True)
    except KeyboardInterrupt:
        return 0
