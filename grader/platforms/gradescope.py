"""Gradescope's autograder: build the zip, and grade /autograder/submission inside it.

    python -m grader gradescope build [--out autograder.zip]
    python -m grader gradescope run [--root /autograder]

The zip holds setup.sh and run_autograder at its root and the project beside them
(Gradescope unpacks it into /autograder/source). setup.sh makes a virtual environment
and installs the project; run_autograder grades whatever the learner uploaded and
always writes /autograder/results/results.json.
"""
import json
import zipfile
from pathlib import Path
from typing import Optional

from ..kata import catalog
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


def find_target(submission: Path) -> Optional[Path]:
    """What to grade in an upload: a folder with the modules, else the notebook or .py file that
    defines the most exercise functions."""
    files = [p for p in submission.rglob("*") if p.is_file() and not any(
        part.startswith(".") or part in ("__pycache__", "__MACOSX") for part in p.relative_to(submission).parts)]
    modules = [p for p in files if p.name in ("linear_algebra.py", "gradient_descent.py")]
    if modules:
        return min((p.parent for p in modules), key=lambda d: len(d.parts))
    candidates = [p for p in files if p.suffix in (".py", ".ipynb")]
    if not candidates:
        return None
    return max(sorted(candidates), key=_exercises_defined)


def _exercises_defined(path: Path) -> int:
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ipynb":
            text = "\n".join("".join(c.get("source", "")) if isinstance(c.get("source"), list) else c.get("source", "")
                             for c in json.loads(text).get("cells", []) if c.get("cell_type") == "code")
        return sum(1 for name in catalog.FUNCTION_NAMES if f"def {name}(" in text)
    except (OSError, ValueError, UnicodeDecodeError, AttributeError):
        return 0


def run(root: Path) -> int:
    """Grade root/submission into root/results/results.json; always writes the file."""
    from ..grading import Run, grade
    from ..exports import gradescope

    results = root / "results" / "results.json"
    target = find_target(root / "submission")
    if target is None:
        empty = Run(label="your upload", seed=0)
        empty.load_error = ("No Python file (.py) or notebook (.ipynb) was found in your upload. Upload the file "
                            "that defines your functions, or your exercises folder.")
        gradescope.write(empty, results)
        return 0
    graded = grade(str(target))
    graded.label = target.name
    gradescope.write(graded, results)
    return 0
