"""Grade a whole class: one submission per learner, in parallel, resumable, shardable.

    python -m grader batch SUBMISSIONS_DIR --out DIR [--jobs N] [--shard I/N]

Each entry of SUBMISSIONS_DIR (a .py file, a folder, or a .ipynb) is a learner, named
after the entry (discover.learners decides). For each, DIR/learners/<learner>/ gets
results.json (Gradescope's schema), report.txt and run.json (the typed Run); the
gradebook DIR/grades.csv is built from the run.json files. Each learner's code runs in
its own sandboxed worker with its own time limit, so a hostile or endless submission
delays only itself. A learner whose results are on disk for the same submission content
is not graded again, so an interrupted run resumes where it stopped.
"""
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

from ..discover import learners
from .gradebook import gradebook
from .executor import make_executor
from .layout import _done, parse_shard, shard
from .progress import Progress

__all__ = ["run_batch", "parse_shard", "gradebook"]


def run_batch(folder: Path, out: Path, jobs: int = 0, shard_spec: Optional[str] = None, seed: int = 0,
              progress=sys.stderr, scheduler: Optional[str] = None) -> Dict:
    """Grade every (remaining) submission of folder into out; returns counts and timings.

    scheduler: the address of a Dask scheduler to grade on its workers (executor.py);
    without it, a pool of `jobs` processes on this machine (default: one per core)."""
    out.mkdir(parents=True, exist_ok=True)
    everyone, passed_over = learners(folder)
    entries = shard(everyone, shard_spec)
    todo = [e for e in entries if not _done(out, e)]
    started = time.monotonic()
    bar = Progress(len(entries), len(entries) - len(todo), progress)
    peaks: List[int] = []
    executor = make_executor(jobs, scheduler)
    for _learner, _seconds, peak in executor.run([(e.learner, str(e.path), str(out), seed) for e in todo]):
        peaks.append(peak)
        bar.advance()
    bar.finish()
    book = gradebook(out, entries, passed_over if not shard_spec else [])
    return {"graded": len(todo) - len(executor.failed), "skipped": len(entries) - len(todo),
            "seconds": time.monotonic() - started, "gradebook": str(book), "peak_kib": peaks,
            "passed_over": passed_over, "failed": list(executor.failed)}
