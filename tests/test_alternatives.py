"""Every correct implementation gets full marks, whatever its style, graded through the sandbox."""
import pytest

from grader.grading import grade
from helpers import BANK, lost_points

ALTERNATIVES = sorted((BANK / "alternatives").glob("*.py"))


@pytest.mark.parametrize("path", ALTERNATIVES, ids=[p.stem for p in ALTERNATIVES])
def test_a_correct_implementation_in_another_style_gets_full_marks(path):
    run = grade(str(path))
    assert run.load_error is None
    assert lost_points(run) == {}, [r.failure for r in run.records if r.failure]


def test_the_reference_solutions_get_full_marks_in_the_sandbox():
    run = grade("solutions")
    assert lost_points(run) == {}
    assert any("Landlock" in i or "limits" in i for i in run.isolation)


def test_the_untouched_exercises_get_nothing():
    run = grade("exercises")
    assert run.records and not any(r.passed for r in run.records)
