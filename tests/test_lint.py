"""The style the project states (pyproject.toml [tool.ruff]: pycodestyle and pyflakes, lines <= 110) holds
everywhere ruff is pointed at; a line that drifts past it fails here, not in review."""
import subprocess
import sys

from helpers import ROOT

LINTED = ["grader", "tests", "benchmarks", "solutions", "exercises"]


def test_ruff_finds_nothing():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--config", str(ROOT / "pyproject.toml"),
                             "--no-cache", "--output-format", "concise", *LINTED],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
