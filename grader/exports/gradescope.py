"""Gradescope's results.json (https://gradescope-autograders.readthedocs.io/en/latest/specs/).

One entry per test of the kata, tagged with the exercise functions it grades; a
function's tests share its points. Written for a submission that could not be
loaded too: score 0 and the reason in `output`.
"""
import json
from pathlib import Path
from typing import Dict

from ..kata import catalog
from ..result import Run
from ..score import earned, max_total, score_lines, test_points, total
from .feedback import explain, hint
from .terminal import plain_text


def results(run: Run) -> Dict:
    if run.load_error:
        return {"score": 0, "max_score": catalog.MAX_SCORE, "execution_time": round(run.seconds, 2),
                "output": plain_text(run), "visibility": "visible", "stdout_visibility": "hidden",
                "tests": []}
    worth = test_points(run.records)
    got = earned(run.records)  # a law test counts only beside a passed value test (grader/score.py)
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
                lines.append(hint(record.function))
            output = "\n".join(lines)
        points = worth[record.nodeid]
        tests.append({"name": f"{label}: {readable}", "score": round(got[record.nodeid], 4),
                      "max_score": round(points, 4), "status": record.status, "output": output,
                      "visibility": "visible", "tags": list(record.tags)})
    lines = score_lines(run.records, run.only)
    return {"score": total(lines), "max_score": max_total(lines), "execution_time": round(run.seconds, 2),
            "output": plain_text(run), "visibility": "visible", "stdout_visibility": "hidden",
            "tests": tests}


def write(run: Run, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(results(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    temporary.replace(path)
