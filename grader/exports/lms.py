"""Gradebooks an LMS imports as they are: Canvas's and Moodle's CSV files.

Canvas ("How do I import grades in the Gradebook?",
https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807;
also https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades):
the file has the columns of Canvas's own export, `Student, ID, SIS User ID, SIS Login ID,
Section`, then one column per assignment, named `Assignment name (assignment id)` for an
existing assignment or by its name alone to create one. Canvas's export puts a second
row whose Student cell is "Points Possible" with each assignment's points; the importer
skips it. Canvas finds each student by ID (its user id), else the SIS ids. A blank score
leaves the gradebook as it is.

Moodle (https://docs.moodle.org/en/Grade_import, "CSV import"): any header row; on import
the teacher maps an identifier column to a user field ("Email address" to useremail, or
"ID number" to useridnumber) and the grade column to the grade item. Importing feedback
with the grade is advised (a feedback column alone erases the grades). Grades above the
item's maximum need the site's "unlimitedgrades" setting.
"""
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from ..batch.roster import Learner

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "    Points Possible"  # as Canvas's export writes it (indented)
MOODLE_HEADER = ["ID number", "Email address", "Full name"]


@dataclass(frozen=True)
class Grade:
    """One learner's outcome, as the LMS gradebooks need it."""

    learner: Learner
    total: Optional[float]  # None: nothing to import (no submission, not graded)
    status: str
    reason: str


def cell(value) -> str:
    """A CSV cell that no spreadsheet runs as a formula (OWASP's CSV injection advice)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _points(x: Optional[float]) -> str:
    return "" if x is None else f"{round(x, 2):g}"


def sortable_name(name: str) -> str:
    """"John Smith" -> "Smith, John", as Canvas lists students (a name with a comma is kept)."""
    words = name.split()
    return name if "," in name or len(words) < 2 else f"{words[-1]}, {' '.join(words[:-1])}"


def canvas_column(assignment: str, assignment_id: int = 0) -> str:
    return f"{assignment} ({assignment_id})" if assignment_id else assignment


def write_canvas(path: Path, grades: List[Grade], assignment: str, max_score: float,
                 assignment_id: int = 0) -> Path:
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CANVAS_HEADER + [canvas_column(assignment, assignment_id)])
        writer.writerow([POINTS_POSSIBLE, "", "", "", "", _points(max_score)])
        for grade in grades:
            learner = grade.learner
            writer.writerow([cell(x) for x in (sortable_name(learner.name), learner.id, learner.sis_user_id,
                                               learner.sis_login_id, learner.section, _points(grade.total))])
    return Path(path)


def write_moodle(path: Path, grades: List[Grade], assignment: str) -> Path:
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(MOODLE_HEADER + [assignment, "Feedback"])
        for grade in grades:
            learner = grade.learner
            feedback = grade.status + (f": {grade.reason}" if grade.reason else "")
            writer.writerow([cell(x) for x in (learner.sis_user_id or learner.id, learner.email, learner.name,
                                               _points(grade.total), feedback)])
    return Path(path)
