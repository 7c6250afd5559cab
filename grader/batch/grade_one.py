"""Grade one learner of a class and write their files: what every executor runs."""
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Tuple

from ..discover import Entry
from .layout import fingerprint, learner_dir


def grade_one(job: Tuple) -> Tuple[str, float, int]:
    """Grade one entry, (learner, path, out, seed[, config]), and write its files; runs in a pool process
    or on a cluster's worker.

    Each file is written atomically (a temp file renamed over it), meta.json last: a job
    killed half-way leaves the learner not done, never a half-written file. The
    reference's recording, to replay, comes from disk (grader/recording.py).
    Returns (learner, seconds, this process's peak memory in KiB)."""
    learner, path, out, seed = job[0], Path(job[1]), Path(job[2]), job[3]
    config = job[4] if len(job) > 4 else None
    from ..exports import gradescope, terminal
    from ..grading import grade

    started = time.monotonic()
    entry = Entry(learner, path)
    run = grade(str(path), seed=seed, config=config)
    run.label = learner
    if run.load_error:  # the instructor's own path means nothing to the learner reading report.txt
        run.load_error = run.load_error.replace(str(path), path.name)
    folder = learner_dir(out, learner)
    folder.mkdir(parents=True, exist_ok=True)
    gradescope.write(run, folder / "results.json", config)  # atomic too
    _write(folder / "report.txt", terminal.plain_text(run, config))
    _write(folder / "run.json", json.dumps(run.to_dict(), default=repr))
    # Written last: its presence with this fingerprint is what "done" means.
    _write(folder / "meta.json", json.dumps({"fingerprint": fingerprint(entry), "source": path.name,
                                             "learner": learner}))
    import resource
    return learner, time.monotonic() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _write(path: Path, text: str) -> None:
    handle = tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp", delete=False)
    try:
        with handle:
            handle.write(text)
        os.replace(handle.name, path)
    except BaseException:
        try:
            os.unlink(handle.name)
        except OSError:
            pass
        raise
