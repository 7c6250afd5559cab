"""Tried as a new learner would: twelve classic mistakes, one at a time, each report leading to the fix.

Each case is exercises/ filled with the reference solutions except for one classic
mistake (from the mutant bank), graded with `python -m grader FOLDER --only FUNCTION` as
a learner runs it. The report must name the function, and say what is wrong in words
that point at the fix (the mistake's own text, or the pointed detail of the failing
check), without giving the solution's code.
"""
import shutil

import pytest
from helpers import ROOT, run_grader

from grader import text
from grader.kata import catalog
from grader.kata.mistakes import MUTANTS

CLASSIC = [
    "subtract-reversed",
    "add-no-length-check",
    "vector_mean-divides-by-length",
    "scalar_multiply-in-place",
    "dot-adds",
    "magnitude-no-root",
    "difference_quotient-central",
    "partial-moves-all",
    "estimate_gradient-ignores-h",
    "gradient_step-subtracts",
    "linear_gradient-no-factor-2",
    "minibatches-shuffles-dataset",
]
# Where the bank cannot tell this mistake from another on the smallest input, the check's own words.
POINTED = {
    "add-no-length-check": "checks.test_add_rejects_vectors_of_different_lengths",
    "scalar_multiply-in-place": "checks.unmodified.detail",
}


def learner_folder(tmp_path, mutant):
    folder = tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", folder)
    module = folder / f"{catalog.BY_NAME[mutant.function].module}.py"
    module.write_text(module.read_text() + f"\n\n# my attempt\n{mutant.source}")
    return folder


@pytest.mark.parametrize("mistake", CLASSIC)
def test_a_classic_mistake_leads_to_the_fix(mistake, tmp_path):
    mutant = next(m for m in MUTANTS if m.id == mistake)
    result = run_grader(learner_folder(tmp_path, mutant), "--only", mutant.function)
    report = result.stdout
    assert result.returncode == 1, result.stderr
    assert f"✗ {mutant.function}" in report
    told = [text.say("report.looks_like", mistake=text.mistake(mistake))]
    if mistake in POINTED:
        told.append(text.say(POINTED[mistake], function=mutant.function, position=1))
    assert any(words in report for words in told), report
    assert text.say("report.next_fix", function=mutant.function) in report
    assert "Traceback" not in report + result.stderr
