"""The committed (pristine) files of the project, never the working tree's edits.

Every artifact sent to learners (the Gradescope zip, the Classroom starter) takes the
exercise stubs from the last commit, `git show HEAD:exercises/...`: an instructor who
tried the kata in their own exercises/ must not send out their answers. Builds call
`refuse_if_dirty` first, so such edits are noticed rather than silently left out.

The API matches grader/pristine.py of the notebook's builder (pristine_text, differs).
"""
import subprocess
from pathlib import Path
from typing import Dict, List, Optional

from ..paths import PROJECT_ROOT

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


def pristine_text(relative_path: str, root: Path = PROJECT_ROOT) -> str:
    """The committed text of a file of the project, e.g. pristine_text("exercises/linear_algebra.py")."""
    return pristine_bytes(relative_path, root).decode("utf-8")


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


def differs(relative_path: str, root: Path = PROJECT_ROOT) -> bool:
    """Whether the working tree's copy of a file or folder differs from the last commit."""
    return bool(changes(relative_path, root))


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
