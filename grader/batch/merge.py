"""Merge the outputs of shards (`batch --shard I/N --out OUT_I` on separate machines) into one.

    python -m grader merge OUT_1 OUT_2 ... --out OUT [--submissions DIR]

Every learner's folder that a shard finished (its meta.json is there) is copied into
OUT/learners/, whole or not at all (copied beside, then renamed into place), and
OUT/grades.csv is written from all of them. Shards grade disjoint learners; a learner
found in several outputs (graded again after a change) is taken from the output named
last. With --submissions, the gradebook lists the whole class as `batch` would,
learners no shard graded included ("not graded"); without it, the learners found.
OUT may be one of the shard outputs, or the one output every shard wrote into.
"""
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Dict, List, Optional

from ..discover import Entry, learners
from .gradebook import gradebook
from .layout import LEARNERS, learner_dir


def finished(out: Path) -> Dict[str, Path]:
    """{learner: their folder} for every learner whose grading finished in out."""
    found = {}
    for meta in sorted((out / LEARNERS).glob("*/meta.json")):
        try:
            learner = json.loads(meta.read_text(encoding="utf-8"))["learner"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(learner, str) and meta.parent == learner_dir(out, learner):
            found[learner] = meta.parent
    return found


def merge(outputs: List[Path], out: Path, submissions: Optional[Path] = None) -> Dict:
    """Copy every finished learner of outputs into out and write out/grades.csv; returns counts."""
    out.mkdir(parents=True, exist_ok=True)
    (out / LEARNERS).mkdir(exist_ok=True)
    chosen: Dict[str, Path] = {}
    for output in outputs:
        chosen.update(finished(Path(output)))
    copied = 0
    for learner, source in chosen.items():
        target = learner_dir(out, learner)
        if source.resolve() == target.resolve():
            continue
        _replace_folder(source, target)
        copied += 1
    if submissions is not None:
        entries, passed_over = learners(submissions)
    else:
        entries, passed_over = [Entry(learner, Path(learner)) for learner in sorted(chosen)], []
    book = gradebook(out, entries, passed_over)
    missing = [e.learner for e in entries if e.learner not in chosen]
    return {"learners": len(chosen), "copied": copied, "missing": missing, "gradebook": str(book)}


def _replace_folder(source: Path, target: Path) -> None:
    """Put a copy of source at target, never leaving a half-copied folder at target."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        copy = staging / "copy"
        shutil.copytree(source, copy)
        if target.exists():
            old = staging / "old"
            os.replace(target, old)
        os.replace(copy, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
