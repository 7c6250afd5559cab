"""Grade a whole class: one submission per learner, in parallel, resumable, shardable.

    python -m grader batch SUBMISSIONS_DIR --out DIR [--jobs N] [--shard I/N]

Each entry of SUBMISSIONS_DIR (a .py file, a folder like exercises/, or a .ipynb) is a
learner, named after the entry. For each, DIR/<learner>/ gets results.json (Gradescope's
schema) and report.txt; DIR/grades.csv is the gradebook. Each learner's code runs in its
own sandboxed worker with its own time limit, so a hostile or endless submission delays
only itself. A learner whose results are on disk for the same submission content is not
graded again, so an interrupted run resumes where it stopped.
"""
import csv
import hashlib
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from .kata import catalog

IGNORED = {".DS_Store", "__pycache__", ".ipynb_checkpoints"}


def submissions(folder: Path) -> List[Path]:
    """The learners' entries, sorted by name (the order shards are cut from)."""
    entries = []
    for entry in sorted(Path(folder).iterdir()):
        if entry.name in IGNORED or entry.name.startswith("."):
            continue
        if entry.is_dir() or entry.suffix in (".py", ".ipynb"):
            entries.append(entry)
    return entries


def shard(entries: List[Path], spec: Optional[str]) -> List[Path]:
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


def learner_name(entry: Path) -> str:
    return entry.name if entry.is_dir() else entry.stem


def fingerprint(entry: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(p for p in entry.rglob("*") if p.is_file()) if entry.is_dir() else [entry]
    for path in files:
        digest.update(str(path.relative_to(entry) if entry.is_dir() else path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _done(out: Path, entry: Path) -> bool:
    meta = out / learner_name(entry) / "meta.json"
    try:
        return json.loads(meta.read_text())["fingerprint"] == fingerprint(entry)
    except (OSError, ValueError, KeyError):
        return False


_golden: Dict[int, Dict] = {}


def grade_one(job: Tuple[str, str, int]) -> Tuple[str, float, int]:
    """Grade one entry and write its files; runs in a pool process.

    Returns (learner, seconds, this pool process's peak memory in KiB)."""
    entry, out, seed = Path(job[0]), Path(job[1]), job[2]
    from .grading import golden_recording, grade
    from .exports import gradescope, terminal

    started = time.monotonic()
    if seed not in _golden:  # once per pool process: the reference's answers, to replay
        _golden[seed] = golden_recording(seed)
    run = grade(str(entry), seed=seed, golden=_golden[seed])
    folder = out / learner_name(entry)
    folder.mkdir(parents=True, exist_ok=True)
    gradescope.write(run, folder / "results.json")
    (folder / "report.txt").write_text(terminal.plain_text(run), encoding="utf-8")
    # Written last: its presence with this fingerprint is what "done" means.
    (folder / "meta.json").write_text(json.dumps({"fingerprint": fingerprint(entry), "source": entry.name}))
    import resource
    return learner_name(entry), time.monotonic() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def gradebook(out: Path, entries: List[Path]) -> Path:
    """Write DIR/grades.csv from the results on disk: learner, total, points per function, status."""
    columns = list(catalog.FUNCTION_NAMES) + [e.name for e in catalog.EXPERIMENTS]
    path = out / "grades.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner", "total", *columns, "status"])
        for entry in entries:
            name = learner_name(entry)
            try:
                data = json.loads((out / name / "results.json").read_text())
            except (OSError, ValueError):
                writer.writerow([name, "", *[""] * len(columns), "not graded"])
                continue
            points = dict.fromkeys(columns, 0.0)
            for test in data["tests"]:
                key = test["name"].split(":")[0]
                if key in points:
                    points[key] += test["score"]
            status = "graded" if data["tests"] else "could not be loaded"
            writer.writerow([name, _fmt(data["score"]), *[_fmt(points[c]) for c in columns], status])
    return path


def _fmt(x: float) -> str:
    return f"{round(x, 2):g}"


def run_batch(folder: Path, out: Path, jobs: int = 0, shard_spec: Optional[str] = None, seed: int = 0,
              progress=sys.stderr) -> Dict:
    """Grade every (remaining) submission of folder into out; returns counts and timings."""
    out.mkdir(parents=True, exist_ok=True)
    entries = shard(submissions(folder), shard_spec)
    todo = [e for e in entries if not _done(out, e)]
    jobs = jobs or os.cpu_count() or 1
    started = time.monotonic()
    bar = _Progress(len(entries), len(entries) - len(todo), progress)
    peaks: List[int] = []
    if todo:
        # Fresh processes (spawn): nothing of this process leaks into the graders; each
        # pool process is replaced after a few submissions, so memory stays flat.
        context = multiprocessing.get_context("spawn")
        with context.Pool(processes=min(jobs, len(todo)), maxtasksperchild=25) as pool:
            for _learner, _seconds, peak in pool.imap_unordered(grade_one, [(str(e), str(out), seed) for e in todo]):
                peaks.append(peak)
                bar.advance()
    bar.finish()
    book = gradebook(out, entries)
    return {"graded": len(todo), "skipped": len(entries) - len(todo), "seconds": time.monotonic() - started,
            "gradebook": str(book), "peak_kib": peaks}


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
