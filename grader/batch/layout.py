"""Where a class's results live on disk, and which learners are done already."""
import hashlib
import json
import re
from pathlib import Path
from typing import List, Optional

from ..discover import DiscoveryError, Entry, locate

LEARNERS = "learners"  # per-learner folders live here, apart from the class's own files


def shard(entries: List[Entry], spec: Optional[str]) -> List[Entry]:
    """Entries of shard I of N (1-based): every N-th entry starting at the I-th."""
    if not spec:
        return entries
    index, count = (int(x) for x in spec.split("/"))
    return entries[index - 1::count]


def parse_shard(spec: str) -> str:
    try:
        index, count = (int(x) for x in spec.split("/"))
    except ValueError:
        raise ValueError(f"--shard takes I/N, for example 1/3; got {spec!r}") from None
    if not 1 <= index <= count:
        raise ValueError(f"--shard I/N needs 1 <= I <= N; got {spec!r}")
    return spec


def folder_name(learner: str) -> str:
    """A safe folder name for a learner: no separators, dots or odd characters, never two alike."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", learner)[:60] or "_"
    if safe != learner:
        safe += "-" + hashlib.sha256(learner.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return safe


def learner_dir(out: Path, learner: str) -> Path:
    return out / LEARNERS / folder_name(learner)


def fingerprint(entry: Entry) -> str:
    """A digest of what discovery reads of the entry (never through links, bounded)."""
    digest = hashlib.sha256()
    try:
        found = locate(str(entry.path))
    except DiscoveryError as error:
        digest.update(str(error).encode())
        return digest.hexdigest()
    for name in sorted(found.files):
        digest.update(name.encode() + b"\0" + found.files[name].encode("utf-8", "surrogateescape") + b"\0")
    for name in sorted(found.notebooks):
        digest.update(name.encode() + b"\0" + found.notebooks[name] + b"\0")
    return digest.hexdigest()


def _done(out: Path, entry: Entry) -> bool:
    meta = learner_dir(out, entry.learner) / "meta.json"
    try:
        return json.loads(meta.read_text())["fingerprint"] == fingerprint(entry)
    except (OSError, ValueError, KeyError, TypeError):
        return False
