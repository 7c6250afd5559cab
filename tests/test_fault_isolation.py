"""A bug costs the points of the function that has it, and the report says where it really is."""
from grader.grading import grade
from grader.kata.mistakes import MUTANTS, submission_source
from helpers import lost_points, run_grader


def test_a_dependency_bug_costs_only_its_own_points_and_is_pointed_out(write_submission):
    mutant = next(m for m in MUTANTS if m.id == "add-subtracts")
    path = write_submission(submission_source(mutant))
    run = grade(str(path))
    assert {k for k in lost_points(run) if k in ("add", "gradient_step")} == {"add"}
    notes = {r.note for r in run.records if r.note}
    assert any(n.startswith("`gradient_step` passes with a correct `add`; yours breaks it") for n in notes)
    assert "yours breaks it" in run_grader(path).stdout


def test_no_note_when_the_learners_dependency_does_not_change_the_answer(write_submission):
    # A reversed subtract squares to the same squared_distance: nothing to point out there.
    reversed_subtract = next(m for m in MUTANTS if m.id == "subtract-reversed")
    run = grade(str(write_submission(submission_source(reversed_subtract))))
    assert not any(r.note for r in run.records if r.function == "squared_distance")


def test_a_dependency_that_hangs_is_named_without_waiting_for_it_again(write_submission):
    source = submission_source(next(m for m in MUTANTS if m.id == "add-subtracts")).replace(
        "def add(v, w):\n    return [a - b for a, b in zip(v, w)]",
        "def add(v, w):\n    while True:\n        pass")
    run = grade(str(write_submission(source)))
    notes = {r.note for r in run.records if r.note}
    assert any("`gradient_step` passes with a correct `add`; yours timed out" in n for n in notes)
    assert lost_points(run).get("gradient_step") is None
