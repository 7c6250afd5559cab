"""From test records to points: each function's tests share its points; experiments carry their own.

The points come from a Config (grader.toml); without one, the catalog's defaults.

A constant earns nothing. Some tests check a law that a trivial function satisfies
("distance to itself is zero", "dot is symmetric", "rejects vectors of different
lengths"): they are marked `@pytest.mark.law` in tests/kata. A passed law test earns its
points only when at least one of the same function's value tests (the tests that pin
its values down) passed too. A function that returns a constant, or always raises,
passes no value test and so earns exactly 0; a correct function passes them all and
earns full marks; a function with some values right keeps the laws it obeys.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional

from .config import Config
from .kata import catalog
from .result import Record


@dataclass
class Line:
    """One row of the score table: an exercise function or an experiment."""

    name: str
    title: str
    max_points: float
    points: float
    records: List[Record]
    is_experiment: bool

    @property
    def done(self) -> bool:
        return bool(self.records) and all(r.passed for r in self.records)


def test_points(records: List[Record], config: Optional[Config] = None) -> Dict[str, float]:
    """The points each test is worth, by nodeid."""
    points = (config or Config()).points
    per_function: Dict[str, int] = {}
    for r in records:
        if r.function:
            per_function[r.function] = per_function.get(r.function, 0) + 1
    worth = {}
    for r in records:
        if r.experiment:
            worth[r.nodeid] = points[r.experiment]
        elif r.function:
            worth[r.nodeid] = points[r.function] / per_function[r.function]
        else:
            worth[r.nodeid] = 0.0
    return worth


def earned(records: List[Record], config: Optional[Config] = None) -> Dict[str, float]:
    """The points each test earned, by nodeid: its worth if it passed and counts (see the docstring above)."""
    worth = test_points(records, config)
    pinned = {r.function for r in records if r.function and r.passed and not getattr(r, "law", False)}
    return {r.nodeid: worth[r.nodeid] if r.passed and (not getattr(r, "law", False) or r.function in pinned)
            else 0.0 for r in records}


def score_lines(records: List[Record], only: Optional[List[str]] = None,
                config: Optional[Config] = None) -> List[Line]:
    points = (config or Config()).points
    points_of = earned(records, config)
    lines = []
    for exercise in catalog.EXERCISES:
        if only and exercise.name not in only:
            continue
        mine = [r for r in records if r.function == exercise.name]
        got = sum(points_of[r.nodeid] for r in mine)
        lines.append(Line(exercise.name, exercise.name, points[exercise.name], round(got, 2), mine, False))
    for experiment in catalog.EXPERIMENTS:
        if only:
            continue
        mine = [r for r in records if r.experiment == experiment.name]
        got = sum(points_of[r.nodeid] for r in mine)
        lines.append(Line(experiment.name, experiment.title, points[experiment.name], round(got, 2), mine,
                          True))
    return lines


def total(lines: List[Line]) -> float:
    return round(sum(line.points for line in lines), 2)


def max_total(lines: List[Line]) -> float:
    return round(sum(line.max_points for line in lines), 2)


def points_by_line(records: List[Record], only: Optional[List[str]] = None,
                   config: Optional[Config] = None) -> Dict[str, float]:
    """{function or experiment: points earned}, for gradebooks."""
    return {line.name: line.points for line in score_lines(records, only, config)}
