"""Gradescope's results.json.

The format: https://gradescope-autograders.readthedocs.io/en/latest/specs/#output-format
(source: github.com/gradescope/autograder_samples, docs/specs.md). Top level: score,
max_score, execution_time, output, visibility, stdout_visibility, tests; each test:
name, score, max_score, status, output, tags, visibility. Visibility is one of
visible, hidden, after_due_date, after_published.

One entry per test of the kata, tagged with the exercise functions it grades; a
function's tests share its points (grader.toml may change them, and each test's
visibility). Written for a submission that could not be loaded too: score 0 and the
reason in `output`, always visible so the learner can fix the upload. When some tests
are not `visible`, the top-level `output` (always shown) does not repeat their details.
"""
import json
from pathlib import Path
from typing import Dict, Optional

from ..config import Config
from ..result import Run
from ..score import earned, max_total, score_lines, test_points, total
from ..text import say
from .feedback import explain
from .terminal import plain_text


def results(run: Run, config: Optional[Config] = None) -> Dict:
    config = config or Config()
    if run.load_error:
        return {"score": 0, "max_score": config.max_score, "execution_time": round(run.seconds, 2),
                "output": plain_text(run, config), "visibility": "visible", "stdout_visibility": "hidden",
                "tests": []}
    worth = test_points(run.records, config)
    got = earned(run.records, config)  # a law test counts only beside a passed value test (grader/score.py)
    missing = run.missing
    tests = []
    for record in run.records:
        label = record.experiment or record.function or "kata"
        readable = record.test.removeprefix("test_").replace("_", " ")
        output = ""
        if record.failure:
            lines = explain(record.failure, record.function, missing)
            if record.note:
                lines.append(record.note)
            if record.function:
                lines.append(say("hints.offer", function=record.function))
            output = "\n".join(lines)
        points = worth[record.nodeid]
        tests.append({"name": f"{label}: {readable}", "score": round(got[record.nodeid], 4),
                      "max_score": round(points, 4), "status": record.status, "output": output,
                      "visibility": config.visibility_of(record.graded), "tags": list(record.tags)})
    lines = score_lines(run.records, run.only, config)
    everything_shown = all(t["visibility"] == "visible" for t in tests)
    output = plain_text(run, config) if everything_shown else say("platforms.gradescope_some_later")
    return {"score": total(lines), "max_score": max_total(lines), "execution_time": round(run.seconds, 2),
            "output": output, "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests}


def write(run: Run, path: Path, config: Optional[Config] = None) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    text = json.dumps(results(run, config), indent=2, ensure_ascii=False) + "\n"
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
