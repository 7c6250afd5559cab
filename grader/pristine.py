"""The project's files as they were handed out, not as someone has since edited them.

A learner fills in exercises/ in place; anything built for learners from those stubs
(the notebook, the Gradescope starter, the Classroom template) must start from the
originals. In a git checkout the original is the committed one (`git show HEAD:PATH`);
outside git (an installed package) the files on disk are all there is.

    pristine_text("exercises/linear_algebra.py") -> the original text
    differs("exercises/linear_algebra.py")       -> True when the working copy was edited
"""
import shutil
import subprocess
from pathlib import PurePosixPath
from typing import Optional

from .paths import PROJECT_ROOT

GIT_TIMEOUT = 20  # seconds; git show of one small file takes milliseconds


class NotInProject(ValueError):
    """The path is not a relative path inside the project."""


def _checked(relative_path: str) -> str:
    path = PurePosixPath(str(relative_path).replace("\\", "/"))
    if path.is_absolute() or not path.parts or ".." in path.parts:
        raise NotInProject(f"{relative_path!r} is not a path inside the project")
    return path.as_posix()


def _committed(relative: str) -> Optional[str]:
    """The text of relative at HEAD, or None when there is no git checkout, no git, or no such file."""
    git = shutil.which("git")
    if git is None or not (PROJECT_ROOT / ".git").exists():
        return None
    try:
        done = subprocess.run([git, "-C", str(PROJECT_ROOT), "show", f"HEAD:{relative}"], capture_output=True,
                              timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    try:
        return done.stdout.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _on_disk(relative: str) -> Optional[str]:
    try:
        return (PROJECT_ROOT / relative).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def pristine_text(relative_path: str) -> str:
    """The original text of a file of the project (committed, else installed). Raises FileNotFoundError."""
    relative = _checked(relative_path)
    text = _committed(relative)
    if text is None:
        text = _on_disk(relative)
    if text is None:
        raise FileNotFoundError(f"{relative} is neither committed nor installed in {PROJECT_ROOT}")
    return text


def differs(relative_path: str) -> bool:
    """Whether the working copy of a file differs from its original (False when there is no way to tell)."""
    relative = _checked(relative_path)
    committed = _committed(relative)
    if committed is None:
        return False
    return _on_disk(relative) != committed
