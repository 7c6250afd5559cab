"""GitHub Classroom: results for the autograding grading reporter, as step outputs.

The reporter (classroom-resources/autograding-grading-reporter) reads, for each runner
id listed in its `runners` input, a base64-encoded JSON object from the environment
variable <RUNNER>_RESULTS, and scores a runner as (passed tests / tests) * max_score.
So each exercise function and each experiment is one runner whose tests share its
points, exactly as in this grader. `--classroom FILE` appends `<runner>=<base64>`
lines to FILE (the step's $GITHUB_OUTPUT).
"""
import base64
import json
from pathlib import Path
from typing import Dict

from ..result import Run
from ..score import score_lines
from ..text import say
from .feedback import explain


def runner_results(run: Run) -> Dict[str, Dict]:
    missing = run.missing
    results = {}
    for line in score_lines(run.records, run.only):
        tests = []
        for record in line.records:
            message = "\n".join(explain(record.failure, record.function, missing)) if record.failure else ""
            tests.append({"name": record.test, "status": "pass" if record.passed else "fail",
                          "message": message})
        if not tests:  # nothing could run (the submission did not load)
            tests = [{"name": line.name, "status": "error",
                      "message": run.load_error or say("report.not_run")}]
        status = "pass" if all(t["status"] == "pass" for t in tests) else (
            "error" if any(t["status"] == "error" for t in tests) else "fail")
        results[line.name] = {"version": 1, "status": status, "max_score": line.max_points, "tests": tests}
    return results


def write_outputs(run: Run, path: Path) -> None:
    with Path(path).open("a", encoding="utf-8") as handle:
        for name, result in runner_results(run).items():
            encoded = base64.b64encode(json.dumps(result).encode()).decode()
            handle.write(f"{name}={encoded}\n")
