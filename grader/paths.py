"""Where the project's own files are: the one place that knows the layout on disk."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = PROJECT_ROOT / "solutions"
EXERCISES = PROJECT_ROOT / "exercises"
KATA_TESTS = PROJECT_ROOT / "tests" / "kata"
