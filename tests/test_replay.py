"""Batch grading's replay of the reference's answers changes no grade, only the time it takes."""
import dataclasses
import json

import pytest

from grader.grading import golden_recording, grade
from grader.kata.mistakes import MUTANTS, reference_source, submission_source
from helpers import BANK

CASES = {
    "reference": reference_source(),
    "numpy": (BANK / "alternatives" / "numpy_style.py").read_text(),
    "functional": (BANK / "alternatives" / "functional_style.py").read_text(),
    "endless-loop": reference_source() + "\ndef add(v, w):\n    while True:\n        pass\n",
    "exits": reference_source() + "\nimport os\ndef dot(v, w):\n    os._exit(0)\n",
    **{m.id: submission_source(m) for m in MUTANTS if m.id in (
        "subtract-reversed", "minibatches-shuffles-dataset", "estimate_gradient-ignores-h",
        "squared_distance-takes-root", "linear_gradient-no-factor-2")},
}


@pytest.fixture(scope="module")
def golden():
    return golden_recording(0)


def outcome(run):
    return json.dumps([dataclasses.asdict(r) for r in run.records], sort_keys=True, default=repr)


@pytest.mark.parametrize("name", sorted(CASES))
def test_replay_gives_the_very_same_records(golden, name, write_submission):
    path = str(write_submission(CASES[name]))
    assert outcome(grade(path, golden=golden)) == outcome(grade(path))


def test_the_recording_covers_every_property_test_and_no_experiment(golden):
    assert len(golden) == 38 and not any("convergence" in nodeid for nodeid in golden)
