"""GitHub Classroom: results for the autograding grading reporter, as step outputs.

The reporter (github.com/classroom-resources/autograding-grading-reporter, read at commit
43c2d9f) reads, for each runner id listed in its `runners` input, a base64-encoded JSON
object from the environment variable <RUNNER>_RESULTS (src/main.js), in the format the
official runners write (autograding-command-grader, src/main.js): {"version": 1, "status",
"max_score", "tests": [{"name", "status", "score", "message", "test_code", "filename",
"line_no", "duration"}]}. It reports two things, both of which must be right:

* the console table: a runner scores (passed tests / tests) * max_score
  (src/helpers/test-helpers.js, getTestScore);
* the points GitHub Classroom records: the sum of every test's `score` out of the sum of
  the runners' max_score (src/notify-classroom.js). A test without `score` makes it NaN.

So each exercise function and each experiment is one runner whose tests share its points
(equally, as in this grader), and each test's `score` is its share when it passes.
`--classroom FILE` appends `<runner>=<base64>` lines to FILE (the step's $GITHUB_OUTPUT).
"""
import base64
import json
from pathlib import Path
from typing import Dict, Optional

from ..config import Config
from ..result import Run
from ..score import score_lines
from ..text import say
from .feedback import explain


def runner_results(run: Run, config: Optional[Config] = None) -> Dict[str, Dict]:
    missing = run.missing
    results = {}
    for line in score_lines(run.records, run.only, config):
        tests = []
        share = line.max_points / len(line.records) if line.records else 0.0
        for record in line.records:
            message = "\n".join(explain(record.failure, record.function, missing)) if record.failure else ""
            passed = record.passed
            tests.append(_test(record.test, "pass" if passed else "fail", share if passed else 0, message))
        if not tests:  # nothing could run (the submission did not load)
            tests = [_test(line.name, "error", 0, run.load_error or say("report.not_run"))]
        status = "pass" if all(t["status"] == "pass" for t in tests) else (
            "error" if any(t["status"] == "error" for t in tests) else "fail")
        results[line.name] = {"version": 1, "status": status, "max_score": line.max_points, "tests": tests}
    return results


def _test(name: str, status: str, score: float, message: str) -> Dict:
    return {"name": name, "status": status, "score": round(score, 4), "message": message, "test_code": "",
            "filename": "", "line_no": 0, "duration": 0}


def write_outputs(run: Run, path: Path, config: Optional[Config] = None) -> None:
    with Path(path).open("a", encoding="utf-8") as handle:
        for name, result in runner_results(run, config).items():
            encoded = base64.b64encode(json.dumps(result).encode()).decode()
            handle.write(f"{name}={encoded}\n")
