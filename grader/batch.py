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
import csv
import functools
import hashlib
import json
import multiprocessing
import os
import re
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .discover import DiscoveryError, Entry, learners, locate
from .kata import catalog
from .result import Run
from .score import points_by_line

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


@functools.lru_cache(maxsize=2)
def _golden(seed: int) -> Dict:
    """The reference's answers for seed, recorded once per pool process, to replay."""
    from .grading import golden_recording
    return golden_recording(seed)


def grade_one(job: Tuple[str, str, str, int]) -> Tuple[str, float, int]:
    """Grade one entry and write its files; runs in a pool process.

    Returns (learner, seconds, this pool process's peak memory in KiB)."""
    learner, path, out, seed = job[0], Path(job[1]), Path(job[2]), job[3]
    from .exports import gradescope, terminal
    from .grading import grade

    started = time.monotonic()
    entry = Entry(learner, path)
    run = grade(str(path), seed=seed, golden=_golden(seed))
    run.label = learner
    folder = learner_dir(out, learner)
    folder.mkdir(parents=True, exist_ok=True)
    gradescope.write(run, folder / "results.json")
    (folder / "report.txt").write_text(terminal.plain_text(run), encoding="utf-8")
    (folder / "run.json").write_text(json.dumps(run.to_dict(), default=repr), encoding="utf-8")
    # Written last: its presence with this fingerprint is what "done" means.
    (folder / "meta.json").write_text(json.dumps({"fingerprint": fingerprint(entry), "source": path.name,
                                                  "learner": learner}))
    import resource
    return learner, time.monotonic() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def spreadsheet_cell(value) -> str:
    """A CSV cell that no spreadsheet runs as a formula (OWASP's CSV injection advice)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def gradebook(out: Path, entries: List[Entry], passed_over: List[Tuple[str, str]] = ()) -> Path:
    """Write DIR/grades.csv from the runs on disk: learner, total, points per function, status, reason."""
    columns = list(catalog.FUNCTION_NAMES) + [e.name for e in catalog.EXPERIMENTS]
    path = out / "grades.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner", "total", *columns, "status", "reason"])
        for entry in entries:
            try:
                run = Run.from_dict(json.loads((learner_dir(out, entry.learner) / "run.json").read_text()))
            except (OSError, ValueError, TypeError):
                row = [entry.learner, "", *[""] * len(columns), "not graded", "no result on disk: run batch again"]
            else:
                points = points_by_line(run.records)
                if run.load_error:
                    status, reason = "could not be loaded", run.load_error.splitlines()[0]
                else:
                    status, reason = "graded", ""
                row = [entry.learner, _fmt(sum(points.values())), *[_fmt(points.get(c, 0.0)) for c in columns],
                       status, reason]
            writer.writerow([spreadsheet_cell(cell) for cell in row])
        for name, why in passed_over:
            writer.writerow([spreadsheet_cell(cell) for cell in [name, "", *[""] * len(columns), "not graded", why]])
    return path


def _fmt(x: float) -> str:
    return f"{round(x, 2):g}"


def run_batch(folder: Path, out: Path, jobs: int = 0, shard_spec: Optional[str] = None, seed: int = 0,
              progress=sys.stderr) -> Dict:
    """Grade every (remaining) submission of folder into out; returns counts and timings."""
    out.mkdir(parents=True, exist_ok=True)
    everyone, passed_over = learners(folder)
    entries = shard(everyone, shard_spec)
    todo = [e for e in entries if not _done(out, e)]
    jobs = jobs or os.cpu_count() or 1
    started = time.monotonic()
    bar = _Progress(len(entries), len(entries) - len(todo), progress)
    peaks: List[int] = []
    if todo:
        # Fresh processes (spawn): nothing of this process leaks into the graders; each
        # pool process is replaced after a few submissions, so memory stays flat.
        context = multiprocessing.get_context("spawn")
        jobs_list = [(e.learner, str(e.path), str(out), seed) for e in todo]
        with context.Pool(processes=min(jobs, len(todo)), maxtasksperchild=25) as pool:
            for _learner, _seconds, peak in pool.imap_unordered(grade_one, jobs_list):
                peaks.append(peak)
                bar.advance()
    bar.finish()
    book = gradebook(out, entries, passed_over if not shard_spec else [])
    return {"graded": len(todo), "skipped": len(entries) - len(todo), "seconds": time.monotonic() - started,
            "gradebook": str(book), "peak_kib": peaks, "passed_over": passed_over}


class _Progress:
    """A one-line progress bar with an estimate of the time left."""

    def __init__(self, total: int, done: int, stream):
        self.total, self.done, self.stream = total, done, stream
        self.start_done, self.started = done, time.monotonic()
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.show()

    def advance(self):
        self.done += 1
        self.show()

    def show(self):
        elapsed = time.monotonic() - self.started
        graded = self.done - self.start_done
        left = (self.total - self.done) * elapsed / graded if graded else float("nan")
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        eta = f"~{left:.0f} s left" if graded and self.done < self.total else ""
        line = f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} graded, {elapsed:.0f} s {eta}"
        if self.tty:
            self.stream.write("\r" + line.ljust(78))
        elif self.done == self.total or graded % 10 == 0:
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self):
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
