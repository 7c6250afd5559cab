"""Helpers for the project's own tests (the kata's suite lives in tests/kata)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BANK = Path(__file__).resolve().parent / "bank"


@pytest.fixture
def write_submission(tmp_path):
    """write_submission(source, name="submission.py") -> path of a file holding source."""
    def write(source: str, name: str = "submission.py") -> Path:
        path = tmp_path / name
        path.write_text(source, encoding="utf-8")
        return path
    return write


def run_grader(*args, env=None, timeout=600):
    """Run `python -m grader ARGS` as a user would, from the project root."""
    environment = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=environment)


def lost_points(run):
    """{line name: points lost} for a graded Run."""
    from grader.score import score_lines
    return {l.name: round(l.max_points - l.points, 4) for l in score_lines(run.records) if l.points < l.max_points}
