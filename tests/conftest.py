"""Fixtures for the project's own tests; helpers.py has the rest."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def write_submission(tmp_path):
    """write_submission(source, name="submission.py") -> path of a file holding source."""
    def write(source: str, name: str = "submission.py") -> Path:
        path = tmp_path / name
        path.write_text(source, encoding="utf-8")
        return path
    return write
