"""One way in: from what a user points at to the source files of one submission.

Every route (the CLI, batch, the Gradescope runner, the notebook's check()) finds
and reads a submission here, and only here. The paths come from learners, so this
module trusts none of them: it reads regular files only, never through a symbolic
link, and bounds each file, the total, the number of files and the depth of folders.
It only reads; load.py parses what it returns, and nothing here runs any of it.
"""
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .paths import EXERCISES, SOLUTIONS
from .text import say

MAX_FILE_BYTES = 1024 * 1024
MAX_NOTEBOOK_BYTES = 8 * 1024 * 1024
MAX_TOTAL_BYTES = 16 * 1024 * 1024
MAX_FILES = 200  # source files kept from one upload
MAX_ENTRIES = 5000  # directory entries looked at in one upload
MAX_DEPTH = 12
SOURCE_SUFFIXES = (".py", ".ipynb")
# Folders no learner means to hand in: tools' caches, virtual environments, version control.
SKIPPED_FOLDERS = {"__pycache__", ".ipynb_checkpoints", "__MACOSX", ".git", ".hg", ".svn", ".venv", "venv", "env",
                   "node_modules", "site-packages", ".tox", ".mypy_cache", ".pytest_cache"}
PROJECT_WORDS = {"solutions": SOLUTIONS, "exercises": EXERCISES}


class DiscoveryError(Exception):
    """Nothing gradable was found. The message names the problem and the fix."""


@dataclass
class Found:
    """The source files of one submission, read: relative path -> text (or raw bytes for notebooks)."""

    label: str
    path: Path
    files: Dict[str, str]
    notebooks: Dict[str, bytes] = field(default_factory=dict)
    skipped: List[str] = field(default_factory=list)  # what was passed over, and why
    trusted: bool = False  # the project's own solutions or exercises


def locate(spec: str) -> Found:
    """Find and read the submission `spec` names: `solutions`, `exercises`, a .py file, a notebook, a folder.

    Raises DiscoveryError with a message for the learner.
    """
    if spec in PROJECT_WORDS:
        found = _folder(PROJECT_WORDS[spec], spec)
        found.trusted = True
        return found
    path = Path(spec)
    try:
        info = os.lstat(path)
    except OSError:
        raise DiscoveryError(say("load.no_such_target", target=spec)) from None
    if stat.S_ISLNK(info.st_mode):
        raise DiscoveryError(say("load.symbolic_link", target=spec))
    if stat.S_ISDIR(info.st_mode):
        return _folder(path, spec)
    if path.suffix not in SOURCE_SUFFIXES:
        suffix = path.suffix or say("load.no_suffix")
        raise DiscoveryError(say("load.wrong_suffix", target=spec, suffix=suffix))
    found = Found(spec, path, {})
    _take(found, path, path.name)
    return found


def read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, opened without following a link and without blocking on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise DiscoveryError(say("load.cannot_read", path=path.name, error=error.strerror or error)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DiscoveryError(say("load.not_ordinary_file", path=path.name))
        if info.st_size > limit:
            raise DiscoveryError(say("load.too_large", path=path.name, mib=limit // 1024 // 1024))
        chunks, size = [], 0
        while True:  # read at most limit + 1 bytes, whatever the size said
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise DiscoveryError(say("load.too_large", path=path.name, mib=limit // 1024 // 1024))
        return b"".join(chunks)
    finally:
        os.close(fd)


def decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DiscoveryError(say("load.not_utf8", path=name)) from None


def _take(found: Found, path: Path, relative: str) -> None:
    if path.suffix == ".ipynb":
        found.notebooks[relative] = read_bytes(path, MAX_NOTEBOOK_BYTES)
    else:
        found.files[relative] = decode(read_bytes(path, MAX_FILE_BYTES), relative)


def walk(root: Path) -> Tuple[List[Tuple[Path, str]], List[str]]:
    """The source files under root as (path, relative path), breadth first, and what was skipped.

    Iterative and bounded: no link is followed, no folder deeper than MAX_DEPTH is
    entered, and at most MAX_ENTRIES entries are looked at.
    """
    sources: List[Tuple[Path, str]] = []
    skipped: List[str] = []
    queue: List[Tuple[Path, str, int]] = [(root, "", 0)]
    seen = 0
    while queue:
        folder, prefix, depth = queue.pop(0)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            skipped.append(say("load.skipped_unreadable_folder", folder=prefix or "."))
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                skipped.append(say("load.skipped_too_many_entries", count=MAX_ENTRIES))
                return sources, skipped
            relative = f"{prefix}{entry.name}"
            if entry.is_symlink():
                skipped.append(say("load.skipped_symbolic_link", path=relative))
            elif entry.is_dir(follow_symlinks=False):
                if entry.name in SKIPPED_FOLDERS or entry.name.startswith("."):
                    continue
                if depth + 1 >= MAX_DEPTH:
                    skipped.append(say("load.skipped_too_deep", path=relative + "/", depth=MAX_DEPTH))
                else:
                    queue.append((Path(entry.path), relative + "/", depth + 1))
            elif entry.name.endswith(SOURCE_SUFFIXES) and not entry.name.startswith("."):
                if entry.is_file(follow_symlinks=False):
                    sources.append((Path(entry.path), relative))
                else:
                    skipped.append(say("load.skipped_not_ordinary", path=relative))
    return sources, skipped


def _folder(root: Path, label: str) -> Found:
    found = Found(label, root, {})
    sources, found.skipped = walk(root)
    total = 0
    for path, relative in sources:
        if len(found.files) + len(found.notebooks) >= MAX_FILES:
            found.skipped.append(say("load.skipped_too_many_files", count=MAX_FILES))
            break
        try:
            _take(found, path, relative)
        except DiscoveryError as error:
            found.skipped.append(str(error))
            continue
        total += len(found.files.get(relative, "")) + len(found.notebooks.get(relative, b""))
        if total > MAX_TOTAL_BYTES:
            raise DiscoveryError(say("load.folder_too_large", folder=label,
                                     mib=MAX_TOTAL_BYTES // 1024 // 1024))
    if not found.files and not found.notebooks:
        raise DiscoveryError(say("load.no_source_found", folder=label))
    return found


# --- a class of learners --------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One learner's submission in a class folder."""

    learner: str
    path: Path


def learners(folder: Path) -> Tuple[List[Entry], List[Tuple[str, str]]]:
    """The learners' entries of a class folder, sorted by name, and (entry name, why) for entries passed over.

    Each .py file, notebook or folder is one learner, named after the entry.
    Two entries with the same learner name (carol.py and carol.ipynb) are both
    passed over with a reason: which one counts is the instructor's call.
    """
    entries: List[Entry] = []
    passed_over: List[Tuple[str, str]] = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith(".") or entry.name in SKIPPED_FOLDERS:
            continue
        path = Path(entry.path)
        if entry.is_symlink():
            passed_over.append((entry.name, "a symbolic link: hand in the file or folder itself"))
        elif entry.is_dir(follow_symlinks=False):
            entries.append(Entry(entry.name, path))
        elif path.suffix in SOURCE_SUFFIXES and entry.is_file(follow_symlinks=False):
            entries.append(Entry(path.stem, path))
        else:
            passed_over.append((entry.name, "not a .py file, a notebook or a folder"))
    by_name: Dict[str, List[Entry]] = {}
    for item in entries:
        by_name.setdefault(item.learner, []).append(item)
    kept = []
    for name, items in sorted(by_name.items()):
        if len(items) == 1:
            kept.append(items[0])
        else:
            listed = ", ".join(i.path.name for i in items)
            for item in items:
                passed_over.append((item.path.name, f"the learner {name} has several entries ({listed}): keep one"))
    return kept, passed_over


def only_source(found: Found) -> Optional[str]:
    """The relative path of the one file of a single-file submission, else None."""
    names = list(found.files) + list(found.notebooks)
    return names[0] if len(names) == 1 and found.path.is_file() else None
