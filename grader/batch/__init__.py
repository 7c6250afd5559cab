"""Grade a whole class: one submission per learner, in parallel, resumable, shardable.

    python -m grader batch SUBMISSIONS_DIR --out DIR [--jobs N] [--shard I/N] [--roster CSV] [--config TOML]

Each entry of SUBMISSIONS_DIR (a .py file, a folder, a .ipynb, or a .zip, unpacked
safely into a temporary folder) is a learner, named after the entry (discover.learners
decides); Canvas and Moodle download names, and a roster, map entries to learners
(roster.py). For each, DIR/learners/<learner>/ gets results.json (Gradescope's schema),
report.txt and run.json (the typed Run); the gradebooks (DIR/grades.csv, and with a
roster canvas.csv and moodle.csv) and the class summary (summary.txt, summary.png) are
built from the run.json files. Anything batch cannot grade still gets a row saying why.
Each learner's code runs in its own sandboxed worker with its own limits, so a hostile
or endless submission delays only itself. A learner whose results are on disk for the
same submission content is not graded again, so an interrupted run resumes where it stopped.
"""
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

from ..config import Config
from ..discover import learners
from . import summary
from .executor import make_executor
from .gradebook import gradebook, rows
from .layout import _done, parse_shard, shard
from .progress import Progress
from .roster import Learner, assign

__all__ = ["run_batch", "parse_shard", "gradebook"]


def run_batch(folder: Path, out: Path, jobs: int = 0, shard_spec: Optional[str] = None, seed: int = 0,
              progress=sys.stderr, config: Optional[Config] = None,
              roster: Optional[List[Learner]] = None, scheduler: Optional[str] = None) -> Dict:
    """Grade every (remaining) submission of folder into out; returns counts, timings and files written.

    scheduler: the address of a Dask scheduler to grade on its workers (executor.py);
    without it, a pool of `jobs` processes on this machine (default: one per core)."""
    config = config or Config()
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="grader-batch-"))  # unpacked zips, regrouped Canvas files
    try:
        found, passed_over = learners(folder, unpack_into=staging)
        everyone, doubles, owners = assign(found, roster, staging)
        passed_over = passed_over + doubles
        entries = shard(everyone, shard_spec)
        todo = [e for e in entries if not _done(out, e)]
        started = time.monotonic()
        bar = Progress(len(entries), len(entries) - len(todo), progress)
        peaks: List[int] = []
        executor = make_executor(jobs, scheduler)
        for _learner, _seconds, peak in executor.run([(e.learner, str(e.path), str(out), seed, config)
                                                      for e in todo]):
            peaks.append(peak)
            bar.advance()
        bar.finish()
        whole_class = not shard_spec
        book = gradebook(out, entries, passed_over if whole_class else [], config,
                         roster if whole_class else None, owners)
        written = [book] + ([out / "canvas.csv", out / "moodle.csv"] if roster and whole_class else [])
        written += summary.write(out, rows(out, entries, passed_over if whole_class else [], config,
                                           roster if whole_class else None, owners), config)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {"graded": len(todo) - len(executor.failed), "skipped": len(entries) - len(todo),
            "seconds": time.monotonic() - started, "gradebook": str(book), "peak_kib": peaks,
            "passed_over": passed_over, "written": written, "failed": list(executor.failed)}
