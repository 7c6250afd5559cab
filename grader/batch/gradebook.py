"""The class's gradebook, grades.csv, built from the typed runs on disk."""
import csv
import json
from pathlib import Path
from typing import List, Tuple

from ..discover import Entry
from ..kata import catalog
from ..result import Run
from ..score import points_by_line
from .layout import learner_dir


def spreadsheet_cell(value) -> str:
    """A CSV cell that no spreadsheet runs as a formula (OWASP's CSV injection advice)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def gradebook(out: Path, entries: List[Entry], passed_over: List[Tuple[str, str]] = ()) -> Path:
    """Write DIR/grades.csv from the runs on disk: learner, total, points per function, status, reason."""
    columns = list(catalog.FUNCTION_NAMES) + [e.name for e in catalog.EXPERIMENTS]
    path = out / "grades.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["learner", "total", *columns, "status", "reason"])
        for entry in entries:
            try:
                run = Run.from_dict(json.loads((learner_dir(out, entry.learner) / "run.json").read_text()))
            except (OSError, ValueError, TypeError):
                row = [entry.learner, "", *[""] * len(columns), "not graded", "no result on disk: run batch again"]
            else:
                points = points_by_line(run.records)
                if run.load_error:
                    status, reason = "could not be loaded", run.load_error.splitlines()[0]
                else:
                    status, reason = "graded", ""
                row = [entry.learner, _fmt(sum(points.values())), *[_fmt(points.get(c, 0.0)) for c in columns],
                       status, reason]
            writer.writerow([spreadsheet_cell(cell) for cell in row])
        for name, why in passed_over:
            writer.writerow([spreadsheet_cell(cell) for cell in [name, "", *[""] * len(columns), "not graded", why]])
    return path


def _fmt(x: float) -> str:
    return f"{round(x, 2):g}"
