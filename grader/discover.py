"""One way in: from what a user points at to the source files of one submission.

Every route (the CLI, batch, the Gradescope runner, the notebook's check()) finds
and reads a submission here, and only here. The paths come from learners, so this
module trusts none of them: it reads regular files only, never through a symbolic
link, and bounds each file, the total, the number of files and the depth of folders.
It only reads; load.py parses what it returns, and nothing here runs any of it.
"""
import os
import stat
import tempfile
import zipfile
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
SKIPPED_FOLDERS = {"__pycache__", ".ipynb_checkpoints", "__MACOSX", ".git", ".hg", ".svn", ".venv", "venv",
                   "env", "node_modules", "site-packages", ".tox", ".mypy_cache", ".pytest_cache"}
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


# --- zip uploads -----------------------------------------------------------------

MAX_ZIP_BYTES = 64 * 1024 * 1024  # a zip upload, as stored
MAX_ZIP_MEMBERS = 2000
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # everything it holds, unpacked
MAX_RATIO = 200  # a member that unpacks to more than 200 times its size (and 1 MiB) is a bomb
ZIP_SUFFIXES = (".zip",)


def extract_zip(path: Path, into: Path) -> Path:
    """Unpack the zip upload at path into the new folder `into`; returns it. Raises DiscoveryError.

    Safe against hostile archives: no member may be absolute, climb out with `..`, or be a
    link (they are refused, not skipped: such an upload is not a learner's work); the
    number of members, the declared sizes and the bytes actually unpacked are bounded,
    and so is each member's compression ratio (zip bombs). Folders no learner means to
    hand in (__MACOSX, caches) are left out. Nothing unpacked is run here.
    """
    name = path.name
    try:
        info = os.lstat(path)
    except OSError as error:
        raise DiscoveryError(f"{name}: cannot be read ({error.strerror or error})") from None
    if not stat.S_ISREG(info.st_mode):
        raise DiscoveryError(f"{name}: not an ordinary file")
    if info.st_size > MAX_ZIP_BYTES:
        raise DiscoveryError(f"{name}: the zip is larger than {MAX_ZIP_BYTES // 1024 // 1024} MiB")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise DiscoveryError(f"{name}: not a readable zip file ({error})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise DiscoveryError(f"{name}: the zip holds more than {MAX_ZIP_MEMBERS} files")
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise DiscoveryError(f"{name}: the zip unpacks to more than "
                                 f"{MAX_UNPACKED_BYTES // 1024 // 1024} MiB")
        plan = []
        for member in members:
            parts = _member_parts(name, member)
            if parts is None:
                continue
            ratio = member.file_size / max(member.compress_size, 1)
            if (member.file_size > MAX_FILE_BYTES * 8
                    or (member.file_size > 1024 * 1024 and ratio > MAX_RATIO)):
                raise DiscoveryError(f"{name}: {member.filename} unpacks to {member.file_size} bytes from "
                                     f"{member.compress_size}: refused as a zip bomb")
            plan.append((member, parts))
        into = Path(into)
        into.mkdir(parents=True, exist_ok=False)
        unpacked = 0
        for member, parts in plan:
            target = into.joinpath(*parts)
            if member.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
            fd = os.open(target, flags, 0o600)
            written = 0
            try:
                with archive.open(member) as source:
                    while True:  # the declared size may lie: count what actually comes out
                        chunk = source.read(1 << 16)
                        if not chunk:
                            break
                        written += len(chunk)
                        unpacked += len(chunk)
                        if written > member.file_size or unpacked > MAX_UNPACKED_BYTES:
                            raise DiscoveryError(f"{name}: {member.filename} unpacks to more than it "
                                                 f"declares: refused as a zip bomb")
                        os.write(fd, chunk)
            except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
                    OSError) as error:
                raise DiscoveryError(f"{name}: {member.filename} cannot be unpacked ({error})") from None
            finally:
                os.close(fd)
    return into


def _member_parts(name: str, member: zipfile.ZipInfo) -> Optional[List[str]]:
    """The safe relative path of a member as parts, None to leave it out; raises for a hostile one."""
    raw = member.filename.replace("\\", "/")
    mode = member.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise DiscoveryError(f"{name}: {member.filename} is a symbolic link; hand in the files themselves")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise DiscoveryError(f"{name}: {member.filename} has an absolute path: refused")
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise DiscoveryError(f"{name}: {member.filename} climbs out of the zip with '..': refused")
    if not parts or any(p in SKIPPED_FOLDERS or p.startswith("._") for p in parts):
        return None
    if len(parts) > MAX_DEPTH or any("\0" in p for p in parts):
        raise DiscoveryError(f"{name}: {member.filename}: too deep or a strange name")
    return parts


# --- a class of learners --------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One learner's submission in a class folder."""

    learner: str
    path: Path


def learners(folder: Path, unpack_into: Optional[Path] = None) -> Tuple[List[Entry], List[Tuple[str, str]]]:
    """The learners' entries of a class folder, sorted by name, and (entry name, why) for entries passed over.

    Each .py file, notebook or folder is one learner, named after the entry. A .zip is
    one learner too when unpack_into is given: it is unpacked there (extract_zip) and
    its folder graded; otherwise, or if it is refused, it is passed over with the reason.
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
        elif path.suffix.lower() in ZIP_SUFFIXES and entry.is_file(follow_symlinks=False):
            if unpack_into is None:
                passed_over.append((entry.name, "a .zip: batch grades zips only when it may unpack them"))
                continue
            try:
                Path(unpack_into).mkdir(parents=True, exist_ok=True)
                unpacked = Path(tempfile.mkdtemp(prefix="zip-", dir=unpack_into)) / entry.name
                entries.append(Entry(path.stem, extract_zip(path, unpacked)))
            except DiscoveryError as error:
                passed_over.append((entry.name, str(error)))
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
                passed_over.append((item.path.name,
                                    f"the learner {name} has several entries ({listed}): keep one"))
    return kept, passed_over


def only_source(found: Found) -> Optional[str]:
    """The relative path of the one file of a single-file submission, else None."""
    names = list(found.files) + list(found.notebooks)
    return names[0] if len(names) == 1 and found.path.is_file() else None
