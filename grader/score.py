"""From test records to points: each function's tests share its points; experiments carry their own.

The points come from a Config (grader.toml); without one, the catalog's defaults.
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


def score_lines(records: List[Record], only: Optional[List[str]] = None,
                config: Optional[Config] = None) -> List[Line]:
    points = (config or Config()).points
    worth = test_points(records, config)
    lines = []
    for exercise in catalog.EXERCISES:
        if only and exercise.name not in only:
            continue
        mine = [r for r in records if r.function == exercise.name]
        earned = sum(worth[r.nodeid] for r in mine if r.passed)
        lines.append(Line(exercise.name, exercise.name, points[exercise.name], round(earned, 2), mine, False))
    for experiment in catalog.EXPERIMENTS:
        if only:
            continue
        mine = [r for r in records if r.experiment == experiment.name]
        earned = sum(worth[r.nodeid] for r in mine if r.passed)
        lines.append(Line(experiment.name, experiment.title, points[experiment.name], round(earned, 2), mine,
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
