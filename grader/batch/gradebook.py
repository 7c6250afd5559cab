"""The class's gradebooks, built from the typed runs on disk.

    DIR/grades.csv    every learner and every entry of the class folder: total, points per
                      function and experiment, status and reason (always both)
    DIR/canvas.csv    with a roster: Canvas's gradebook import file (exports/lms.py)
    DIR/moodle.csv    with a roster: Moodle's grade import file

Statuses: "graded" (the reason says what lost points), "could not be loaded" (why),
"not graded" (no result on disk: run batch again), "passed over" (batch could not take
the entry: a .txt, a refused zip, two entries for one learner...), "no submission" (on
the roster, nothing handed in). An entry that matches no one on the roster is graded and
says so in its reason; it is left out of the LMS files, which only know roster learners.
"""
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from ..config import Config
from ..discover import Entry
from ..kata import catalog
from ..result import Run
from ..score import points_by_line
from .layout import learner_dir
from .roster import Learner, match, parse_name

COLUMNS = list(catalog.FUNCTION_NAMES) + [e.name for e in catalog.EXPERIMENTS]
GRADED, NOT_LOADED, NOT_GRADED, PASSED_OVER, NO_SUBMISSION = (
    "graded", "could not be loaded", "not graded", "passed over", "no submission")


def spreadsheet_cell(value) -> str:
    """A CSV cell that no spreadsheet runs as a formula (OWASP's CSV injection advice)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@dataclass
class Row:
    """One line of the gradebook."""

    learner: str
    status: str
    reason: str
    total: Optional[float] = None
    points: Dict[str, float] = field(default_factory=dict)
    run: Optional[Run] = None
    person: Optional[Learner] = None
    source: str = ""


def read_run(out: Path, learner: str) -> Optional[Run]:
    try:
        return Run.from_dict(json.loads((learner_dir(out, learner) / "run.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def rows(out: Path, entries: Sequence[Entry], passed_over: Sequence[Tuple[str, str]] = (),
         config: Optional[Config] = None, roster: Optional[List[Learner]] = None,
         owners: Optional[Dict[str, Learner]] = None) -> List[Row]:
    """Every row of the gradebook: graded entries, passed-over entries, roster learners with nothing."""
    config = config or Config()
    owners = dict(owners or {})
    table: List[Row] = []
    for entry in entries:
        run = read_run(out, entry.learner)
        person = owners.get(entry.learner)
        if run is None:
            row = Row(entry.learner, NOT_GRADED, "no result on disk: run batch again")
        else:
            points = points_by_line(run.records, config=config)
            if run.load_error:
                row = Row(entry.learner, NOT_LOADED, run.load_error.strip().splitlines()[0], 0.0, points, run)
            else:
                lost = [name for name in COLUMNS if points.get(name, 0) < config.points[name]]
                reason = "passed every test" if not lost else "lost points on " + ", ".join(lost)
                row = Row(entry.learner, GRADED, reason, round(sum(points.values()), 2), points, run)
        if roster is not None and person is None:
            row.reason = "not on the roster; " + row.reason
        row.person, row.source = person, entry.path.name
        table.append(row)
    claimed = {row.person.key for row in table if row.person}
    for name, why in passed_over:
        person = match(parse_name(name, True), roster) if roster else None
        if person is not None and person.key not in claimed:
            claimed.add(person.key)
            table.append(Row(person.key, PASSED_OVER, why, person=person, source=name))
        else:
            table.append(Row(name, PASSED_OVER, why, source=name))
    for person in roster or []:
        if person.key not in claimed:
            table.append(Row(person.key, NO_SUBMISSION, "nothing handed in under their id, email or name",
                             person=person))
    return table


def gradebook(out: Path, entries: Sequence[Entry], passed_over: Sequence[Tuple[str, str]] = (),
              config: Optional[Config] = None, roster: Optional[List[Learner]] = None,
              owners: Optional[Dict[str, Learner]] = None) -> Path:
    """Write DIR/grades.csv (and, with a roster, canvas.csv and moodle.csv); returns grades.csv's path."""
    config = config or Config()
    table = rows(out, entries, passed_over, config, roster, owners)
    path = out / "grades.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner", "name", "email", "section", "total", *COLUMNS,
                         "status", "reason", "source"])
        for row in table:
            person = row.person or Learner(id=row.learner)
            scores = [_fmt(row.points.get(c, 0.0)) if row.run else "" for c in COLUMNS]
            writer.writerow([spreadsheet_cell(cell) for cell in [
                row.learner, person.name, person.email, person.section,
                "" if row.total is None else _fmt(row.total), *scores, row.status, row.reason, row.source]])
    if roster is not None:
        from ..exports import lms
        grades = [lms.Grade(row.person, row.total, row.status, row.reason) for row in table if row.person]
        order = {p.key: i for i, p in enumerate(roster)}
        grades.sort(key=lambda g: order.get(g.learner.key, len(order)))
        lms.write_canvas(out / "canvas.csv", grades, config.assignment, config.max_score,
                         config.canvas_assignment_id)
        lms.write_moodle(out / "moodle.csv", grades, config.assignment)
    return path


def _fmt(x: float) -> str:
    return f"{round(x, 2):g}"
