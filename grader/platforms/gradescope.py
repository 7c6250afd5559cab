"""Gradescope's autograder: build the zip, and grade /autograder/submission inside it.

    python -m grader gradescope build [--out autograder.zip]
    python -m grader gradescope run [--root /autograder]

The zip holds setup.sh and run_autograder at its root and the project beside them
(Gradescope unpacks it into /autograder/source). setup.sh makes a virtual environment
and installs the project; run_autograder grades whatever the learner uploaded and
always writes /autograder/results/results.json.
"""
import zipfile
from pathlib import Path

from ..paths import PROJECT_ROOT

INCLUDED = ("pyproject.toml", "README.md", "grader", "solutions", "exercises", "tests/kata")

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source, when it builds the image.
set -euo pipefail
cd "$(dirname "$0")"
if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
  apt-get update
  apt-get install -y python3 python3-venv python3-pip
fi
python3 -m venv .venv
.venv/bin/pip install --upgrade pip
.venv/bin/pip install -e .
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT and KATA_PYTHON exist for tests.
root="${AUTOGRADER_ROOT:-/autograder}"
python="${KATA_PYTHON:-$root/source/.venv/bin/python}"
cd "$root/source"
exec "$python" -m grader gradescope run --root "$root"
"""


def build(out: Path) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            archive.writestr(info, text)
        for item in INCLUDED:
            path = PROJECT_ROOT / item
            files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
            for file in files:
                if "__pycache__" in file.parts or file.suffix == ".pyc":
                    continue
                archive.write(file, file.relative_to(PROJECT_ROOT).as_posix())
    return out


def run(root: Path) -> int:
    """Grade root/submission into root/results/results.json; always writes the file."""
    from ..exports import gradescope
    from ..grading import grade

    graded = grade(str(root / "submission"))
    graded.label = "your upload"
    gradescope.write(graded, root / "results" / "results.json")
    return 0
