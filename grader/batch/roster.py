"""The class list, and which submission is whose: plain names, LMS download names, a roster.

    python -m grader batch SUBMISSIONS --out DIR --roster roster.csv

A roster is a CSV file with a header row. Columns are recognised by name (case,
spaces, dashes and underscores do not matter); the order is free and other columns
are ignored:

    id        id, learner id, learner, student id, user id, canvas id
    name      name, student, student name, full name (or first name + last name)
    email     email, email address, e-mail
    section   section, group
    SIS ids   sis user id / id number, sis login id / login id / username  (Canvas, Moodle)

Each row needs an id or an email. Canvas's own gradebook export is a valid roster
(Student, ID, SIS User ID, SIS Login ID, Section; its "Points Possible" row is skipped).

A submission is matched to a learner, in this order, by: its name being the learner's
id or the local part of their email (alice.py, alice@uni.edu -> alice); the user id in
a Canvas download name; or the learner's name in a Canvas or Moodle download name.

* Canvas's "Download Submissions" names each file `<name>[-late]_<user id>_<file id>_<file>`
  where <name> is the sortable name ("Smith, John") lowercased with spaces and other
  characters turned into "-" (canvas-lms app/models/content_zipper.rb, zip_assignment);
  newer versions drop the separators ("smithjohn") or write "_LATE_". A learner who
  handed in several files has several such entries: they are graded together.
* Moodle's "Download all submissions" makes one folder per learner,
  `<Firstname Lastname>_<participant id>_assignsubmission_file_` (the files inside).
"""
import csv
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ..discover import Entry

COLUMNS = {
    "id": ("id", "learnerid", "learner", "studentid", "userid", "canvasid"),
    "name": ("name", "student", "studentname", "fullname"),
    "first": ("firstname", "givenname"),
    "last": ("lastname", "surname", "familyname"),
    "email": ("email", "emailaddress"),
    "section": ("section", "group"),
    "sis_user_id": ("sisuserid", "idnumber"),
    "sis_login_id": ("sisloginid", "loginid", "username"),
}
MAX_ROSTER_BYTES = 4 * 1024 * 1024

CANVAS = re.compile(r"^(?P<name>.+?)(?:[-_ ]late)?_(?P<user>\d+)_(?P<file>\d+)_(?P<original>.+)$",
                    re.IGNORECASE)
MOODLE = re.compile(r"^(?P<name>.+?)_(?P<participant>\d+)_assign(?:submission|feedback)_[a-z]+_?$",
                    re.IGNORECASE)


class RosterError(ValueError):
    """The roster cannot be used; the message says why and where."""


@dataclass(frozen=True)
class Learner:
    """One row of the roster."""

    id: str
    name: str = ""
    email: str = ""
    section: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""

    @property
    def key(self) -> str:
        """The name batch files this learner under: the id, else the email."""
        return self.id or self.email


def _header_key(text: str) -> str:
    return re.sub(r"[\s_\-.]+", "", text.strip().lstrip("\ufeff").lower())


def read_roster(path: Path) -> List[Learner]:
    """The learners of a roster CSV (see the module's doc). Raises RosterError."""
    try:
        raw = Path(path).read_bytes()
    except OSError as error:
        raise RosterError(f"{path}: cannot be read ({error.strerror or error})") from None
    if len(raw) > MAX_ROSTER_BYTES:
        raise RosterError(f"{path}: larger than {MAX_ROSTER_BYTES // 1024 // 1024} MiB; is it the class "
                          f"list?")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # spreadsheets on Windows save in this one
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        raise RosterError(f"{path}: empty")
    header = [_header_key(h) for h in rows[0]]
    where: Dict[str, int] = {}
    for field_name, names in COLUMNS.items():
        for index, key in enumerate(header):
            if key in names and field_name not in where:
                where[field_name] = index
    if "id" not in where and "email" not in where:
        raise RosterError(f"{path}: no id or email column; the header is {', '.join(rows[0])}. Name a column "
                          f"`id` (or `student id`, `ID`) or `email`.")
    learners, seen = [], set()
    for number, row in enumerate(rows[1:], start=2):
        def cell(name: str) -> str:
            index = where.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""
        name = cell("name") or " ".join(x for x in (cell("first"), cell("last")) if x)
        if not any(value.strip() for value in row) or name.strip().lower() == "points possible":
            continue
        learner = Learner(id=cell("id"), name=name, email=cell("email"), section=cell("section"),
                          sis_user_id=cell("sis_user_id"), sis_login_id=cell("sis_login_id"))
        if not learner.key:
            raise RosterError(f"{path}, line {number}: no id and no email for {name or 'this learner'}")
        if learner.key in seen:
            raise RosterError(f"{path}, line {number}: {learner.key} is listed twice")
        seen.add(learner.key)
        learners.append(learner)
    if not learners:
        raise RosterError(f"{path}: the roster lists no learner")
    return learners


# --- which submission is whose ---------------------------------------------------

@dataclass(frozen=True)
class Parsed:
    """What a submission's name says about its author."""

    name: str  # as written: "smith--john", "John Smith", "alice"
    user_id: str = ""  # Canvas's user id
    lms: str = ""  # "canvas", "moodle" or ""


def parse_name(entry_name: str, is_file: bool) -> Parsed:
    """What an entry's name says: a Canvas download file, a Moodle download folder, or a plain name."""
    if is_file:
        match = CANVAS.match(entry_name)
        if match:
            return Parsed(match.group("name"), match.group("user"), "canvas")
        return Parsed(Path(entry_name).stem)
    match = MOODLE.match(entry_name)
    if match:
        return Parsed(match.group("name"), "", "moodle")
    match = CANVAS.match(entry_name)  # a Canvas-named .zip, unpacked into a folder
    if match:
        return Parsed(match.group("name"), match.group("user"), "canvas")
    return Parsed(entry_name)


def name_key(text: str) -> str:
    """Letters and digits only, accents dropped, lowercase: "Smith, John" -> "smithjohn"."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def _name_keys(learner: Learner) -> List[str]:
    """The learner's name as LMS downloads write it: "John Smith" and "Smith, John" (sortable)."""
    if not learner.name:
        return []
    words = learner.name.replace(",", " ").split()
    keys = {name_key(learner.name)}
    if "," in learner.name:  # already "Last, First": also "First Last"
        last, first = learner.name.split(",", 1)
        keys.add(name_key(first + last))
    elif len(words) > 1:
        keys.add(name_key(words[-1] + "".join(words[:-1])))
    return sorted(k for k in keys if k)


def match(parsed: Parsed, roster: List[Learner]) -> Optional[Learner]:
    """The roster's learner this submission belongs to, or None."""
    plain = parsed.name.strip().lower()
    for learner in roster:
        ids = {learner.id.lower(), learner.email.lower(), learner.email.split("@")[0].lower(),
               learner.sis_user_id.lower(), learner.sis_login_id.lower()} - {""}
        if plain in ids or (parsed.user_id and parsed.user_id == learner.id):
            return learner
    key = name_key(parsed.name)
    by_name = [learner for learner in roster if key and key in _name_keys(learner)]
    return by_name[0] if len(by_name) == 1 else None


def assign(entries: List[Entry], roster: Optional[List[Learner]], staging: Path
           ) -> Tuple[List[Entry], List[Tuple[str, str]], Dict[str, Learner]]:
    """Entries named after their learners, what was passed over and why, and {learner key: roster row}.

    Several Canvas files of one learner become one folder in staging (graded together).
    With a roster, an entry is named after the learner's key (id or email); entries that
    match no one keep their own name (the gradebook says they are not on the roster)."""
    groups: Dict[str, List[Tuple[Entry, Parsed]]] = {}
    owners: Dict[str, Learner] = {}
    for entry in entries:
        parsed = parse_name(entry.path.name if entry.path.is_file() else entry.learner, entry.path.is_file())
        learner = match(parsed, roster) if roster else None
        if learner is not None:
            key = learner.key
            owners[key] = learner
        elif parsed.lms == "canvas":
            key = f"{parsed.name}_{parsed.user_id}"
        else:
            key = parsed.name if parsed.lms else entry.learner
        groups.setdefault(key, []).append((entry, parsed))
    kept: List[Entry] = []
    passed_over: List[Tuple[str, str]] = []
    for key, items in sorted(groups.items()):
        if len(items) == 1:
            kept.append(Entry(key, items[0][0].path))
        elif all(parsed.lms == "canvas" and entry.path.is_file() for entry, parsed in items):
            kept.append(Entry(key, _together(key, items, staging)))
        else:
            listed = ", ".join(entry.path.name for entry, _ in items)
            for entry, _ in items:
                passed_over.append((entry.path.name, f"{key} has several submissions ({listed}): keep one"))
            owners.pop(key, None)
    return kept, passed_over, owners


def _together(key: str, items: List[Tuple[Entry, Parsed]], staging: Path) -> Path:
    """One folder holding a learner's Canvas files under their original names."""
    first = items[0][1]
    folder = Path(tempfile.mkdtemp(prefix="canvas-", dir=staging)) / f"{first.name}_{first.user_id}"
    folder.mkdir()
    for entry, _ in items:
        original = CANVAS.match(entry.path.name).group("original")
        target = folder / Path(original).name
        if target.exists():  # two uploads with one name: keep both, visibly
            target = folder / f"{target.stem}_{len(list(folder.iterdir()))}{target.suffix}"
        shutil.copyfile(entry.path, target, follow_symlinks=False)
    return folder
