"""Helpers for the project's own tests (the kata's suite lives in tests/kata)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BANK = Path(__file__).resolve().parent / "bank"


def run_grader(*args, env=None, timeout=600, cwd=ROOT):
    """Run `python -m grader ARGS` as a user would, from the project root."""
    environment = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=environment)


def lost_points(run):
    """{line name: points lost} for a graded Run."""
    from grader.score import score_lines
    return {line.name: round(line.max_points - line.points, 4)
            for line in score_lines(run.records) if line.points < line.max_points}
