"""The project's files as they were handed out, not as someone has since edited them.

A learner or an instructor fills in exercises/ in place; anything built from those stubs
(the notebook, the Gradescope zip, the Classroom starter) must start from the originals,
or an instructor who tried the kata would send out their answers. In a git checkout the
original is the committed one (`git show HEAD:PATH`).

Two uses, two strictnesses:
- the learner's notebook (`pristine_text`, `differs`): committed, else (an installed
  package, no git) the files on disk, which are all there is;
- artifacts for a class (`pristine_files`, `commit`, `changes`, `refuse_if_dirty`): git
  is required, and NotPristine says why when it cannot be read.

    pristine_text("exercises/linear_algebra.py") -> the original text
    differs("exercises/linear_algebra.py")       -> True when the working copy was edited
"""
import shutil
import subprocess
from pathlib import Path, PurePosixPath
from typing import Dict, List, Optional

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


# --- artifacts for a class: git required ----------------------------------------------

STUBS = "exercises"


class NotPristine(Exception):
    """The committed files cannot be read, or the working tree differs from them."""


def _git(*args: str, root: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise NotPristine(f"git is needed to read the committed files ({error})") from None


def _ok(result: subprocess.CompletedProcess, what: str) -> bytes:
    if result.returncode != 0:
        raise NotPristine(f"{what}: {result.stderr.decode(errors='replace').strip() or 'git failed'} "
                          f"(is {PROJECT_ROOT} a git clone with at least one commit?)")
    return result.stdout


def pristine_bytes(relative_path: str, root: Path = PROJECT_ROOT) -> bytes:
    """The committed content of a file of the project (relative to its root, with /)."""
    return _ok(_git("show", f"HEAD:{relative_path}", root=root), f"HEAD:{relative_path}")


def pristine_files(folder: str = STUBS, root: Path = PROJECT_ROOT) -> Dict[str, bytes]:
    """Every committed file under folder: {relative path: content}."""
    names = _ok(_git("ls-tree", "-r", "--name-only", "-z", "HEAD", "--", folder, root=root), f"HEAD:{folder}")
    return {name: pristine_bytes(name, root) for name in sorted(n for n in names.decode().split("\0") if n)}


def changes(relative_path: str, root: Path = PROJECT_ROOT) -> List[str]:
    """The files under relative_path whose working copy differs from HEAD (edited, added or deleted)."""
    out = _ok(_git("status", "--porcelain", "-z", "--untracked-files=all", "--", relative_path, root=root),
              "git status")
    changed = []
    for entry in out.decode(errors="replace").split("\0"):
        if len(entry) > 3 and not entry.endswith((".pyc", "__pycache__/")) and "__pycache__/" not in entry:
            changed.append(entry[3:])
    return changed


def commit(root: Path = PROJECT_ROOT) -> str:
    """The full id of the commit the artifacts are built from (HEAD)."""
    return _ok(_git("rev-parse", "HEAD", root=root), "git rev-parse HEAD").decode().strip()


def refuse_if_dirty(allow_dirty: bool, folder: str = STUBS, root: Path = PROJECT_ROOT) -> Optional[str]:
    """Raise NotPristine if folder has uncommitted changes, unless allow_dirty; then return a warning.

    Either way the artifact is built from the committed files."""
    edited = changes(folder, root)
    if not edited:
        return None
    listed = ", ".join(edited[:5]) + (", ..." if len(edited) > 5 else "")
    if not allow_dirty:
        raise NotPristine(f"{folder}/ has uncommitted changes ({listed}). Builds take the committed stubs, "
                          f"so these edits (your own answers?) would be left out: commit them if learners "
                          f"should get them, or restore them (git restore {folder} && git clean -fd "
                          f"{folder}), or pass --allow-dirty to build from the committed stubs anyway.")
    return f"warning: {folder}/ has uncommitted changes ({listed}); built from the committed stubs instead."
