"""PrairieLearn's external-grader results.json.

The format: https://prairielearn.readthedocs.io/en/latest/externalGrading/#grading-results
(source: github.com/PrairieLearn/PrairieLearn, docs/externalGrading.md). `score` is a
number in [0, 1]; `gradable: false` marks a submission that could not be graded (no
points lost, no attempt used) with the reasons in `format_errors`; `tests` lists each
test's `name`, `description`, `points`, `max_points`, `message` and `output`; `message`
and `output` at the top describe the whole submission. The file must stay under 1 MB,
so long texts are cut.

One entry per exercise function and per experiment (its tests together), worth its
points from grader.toml.
"""
import json
from pathlib import Path
from typing import Dict, Optional

from ..config import Config
from ..result import Run
from ..score import max_total, score_lines, total
from .feedback import explain
from .terminal import plain_text

MAX_TEXT = 20_000  # characters per text: 21 entries and the report stay far below 1 MB


def results(run: Run, config: Optional[Config] = None) -> Dict:
    config = config or Config()
    if run.load_error:
        return {"gradable": False, "format_errors": [_cut(run.load_error)], "message": _cut(run.load_error),
                "output": _cut(plain_text(run, config)), "tests": []}
    tests = []
    lines = score_lines(run.records, run.only, config)
    for line in lines:
        failed = [r for r in line.records if not r.passed]
        messages = []
        for record in failed[:2]:
            messages.extend(explain(record.failure, record.function, run.missing) if record.failure else [])
        passed = len(line.records) - len(failed)
        tests.append({"name": line.name, "description": line.title, "points": line.points,
                      "max_points": line.max_points,
                      "message": _cut("\n".join(messages)) if line.records else "not run",
                      "output": f"{passed}/{len(line.records)} checks passed"})
    maximum = max_total(lines)
    score = total(lines) / maximum if maximum else 0.0
    return {"gradable": True, "score": round(min(max(score, 0.0), 1.0), 6),
            "message": f"{total(lines):g}/{maximum:g} points", "output": _cut(plain_text(run, config)),
            "tests": tests}


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "\n[... cut]"


def write(run: Run, path: Path, config: Optional[Config] = None) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results(run, config), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
