"""The suite's strength, proven: every mutant in the bank loses points on its own function, and on no
other."""
import re

import pytest

from grader.grading import grade
from grader.kata.mistakes import MUTANTS, submission_source
from grader.kata.catalog import FUNCTION_NAMES
from helpers import ROOT, lost_points


MUST_BE_NAMED = {"minibatches-shuffles-dataset", "subtract-reversed", "linear_gradient-no-factor-2",
                 "vector_mean-divides-by-length", "difference_quotient-central", "gradient_step-subtracts",
                 "partial-off-by-one", "estimate_gradient-ignores-h", "scalar_multiply-in-place",
                 # int inputs only: the suite's ints must reach them, and the feedback must say so
                 "partial-numpy-int-array", "estimate_gradient-zeros-like-int",
                 "gradient_step-zeros-like-int", "linear_gradient-zeros-like-int"}


def test_the_bank_covers_every_function_and_is_the_size_the_readme_says():
    promised = re.search(r"a bank of (\d+) realistic wrong implementations", (ROOT / "README.md").read_text())
    assert promised and int(promised.group(1)) == len(MUTANTS)
    assert {m.function for m in MUTANTS} == set(FUNCTION_NAMES)
    assert len({m.id for m in MUTANTS}) == len(MUTANTS)


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.id for m in MUTANTS])
def test_mutant_is_caught_by_a_test_of_its_own_function(mutant, write_submission):
    # Mutants are our own code, so they may run in-process (fast); the sandbox path is
    # exercised by the alternatives, the attacks and the CLI tests. Only the functions are
    # graded: what is asserted here is about them, and a wrong function fails the experiments
    # that use it anyway (tests/test_experiments.py), which would cost seconds per mutant.
    run = grade(str(write_submission(submission_source(mutant))), in_process=True, only=list(FUNCTION_NAMES))
    assert run.load_error is None
    lost = lost_points(run)
    assert mutant.function in lost, f"{mutant.id} was not caught"
    wrongly = {name for name in lost if name != mutant.function and name in FUNCTION_NAMES}
    assert not wrongly, f"{mutant.id} also cost points on {wrongly}: fault isolation failed"
    # Feedback names the mistake when the learner's answer matches it, and never names a wrong one.
    named = {r.failure.mistake for r in run.records if r.failure} - {None}
    assert named <= {mutant.id}
    if mutant.id in MUST_BE_NAMED:
        assert named == {mutant.id}
