"""Grade one learner of a class and write their files: what every executor runs."""
import functools
import json
import time
from pathlib import Path
from typing import Dict, Tuple

from ..discover import Entry
from .layout import fingerprint, learner_dir


@functools.lru_cache(maxsize=2)
def _golden(seed: int) -> Dict:
    """The reference's answers for seed, recorded once per pool process, to replay."""
    from ..grading import golden_recording
    return golden_recording(seed)


def grade_one(job: Tuple) -> Tuple[str, float, int]:
    """Grade one entry, (learner, path, out, seed[, config]), and write its files; runs in a pool process.

    Returns (learner, seconds, this pool process's peak memory in KiB)."""
    learner, path, out, seed = job[0], Path(job[1]), Path(job[2]), job[3]
    config = job[4] if len(job) > 4 else None
    from ..exports import gradescope, terminal
    from ..grading import grade

    started = time.monotonic()
    entry = Entry(learner, path)
    run = grade(str(path), seed=seed, golden=_golden(seed), config=config)
    run.label = learner
    if run.load_error:  # the instructor's own path means nothing to the learner reading report.txt
        run.load_error = run.load_error.replace(str(path), path.name)
    folder = learner_dir(out, learner)
    folder.mkdir(parents=True, exist_ok=True)
    gradescope.write(run, folder / "results.json", config)
    (folder / "report.txt").write_text(terminal.plain_text(run, config), encoding="utf-8")
    (folder / "run.json").write_text(json.dumps(run.to_dict(), default=repr), encoding="utf-8")
    # Written last: its presence with this fingerprint is what "done" means.
    (folder / "meta.json").write_text(json.dumps({"fingerprint": fingerprint(entry), "source": path.name,
                                                  "learner": learner}))
    import resource
    return learner, time.monotonic() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
