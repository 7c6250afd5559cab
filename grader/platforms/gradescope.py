"""Gradescope's autograder: build the zip, and grade /autograder/submission inside it.

    python -m grader gradescope build [--out autograder.zip] [--config grader.toml] [--allow-dirty]
    python -m grader gradescope run [--root /autograder] [--config FILE]

What Gradescope expects (https://gradescope-autograders.readthedocs.io/en/latest/specs/,
source github.com/gradescope/autograder_samples docs/specs.md): a zip with `setup.sh` and
`run_autograder` at its root; Gradescope unpacks it into /autograder/source, runs setup.sh
once when it builds the image, then run_autograder for every submission (uploaded into
/autograder/submission), which must write /autograder/results/results.json.

The zip holds, beside those two scripts:
  * the project: grader/, solutions/, tests/kata/, pyproject.toml, README.md, and the
    exercise stubs as committed (pristine.py), never the working tree's edits;
  * requirements.txt: `==` pins of pytest, Hypothesis, nbformat and numpy as installed
    where the zip was built (pins.py), which setup.sh installs with the kata;
  * grader.toml: the instructor's configuration, with the worker's memory limit lowered
    to fit Gradescope's default container (768 MB, 0.5 vCPU);
  * kata-build.json: the commit, the kata version and the pins, for the record.
"""
import json
import zipfile
from pathlib import Path
from typing import List, Optional, Tuple

from ..config import Config
from ..paths import PROJECT_ROOT
from .. import pristine
from . import pins

# Copied from the working tree (the grader itself); the stubs come from the last commit.
INCLUDED = ("pyproject.toml", "README.md", "grader", "solutions", "tests/kata")
# Gradescope's default container: 768 MB of memory and half a vCPU. The grading process
# (pytest, Hypothesis, the reference) stays under about 120 MB resident; the worker's
# address space is limited to 512 MiB, so both fit with room for the system.
CONTAINER_MEMORY_MB = 768
WORKER_MEMORY_MIB = 512

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source, when it builds the image.
# It installs the kata with the exact versions that produced the reference recording
# (requirements.txt); they need Python >= {python_min}.
set -euo pipefail
cd "$(dirname "$0")"
make_venv() {{
  rm -rf .venv
  for python in python3.13 python3.12 python3.11 python3; do
    if command -v "$python" >/dev/null 2>&1 \\
       && "$python" -c 'import sys; sys.exit(sys.version_info < ({major}, {minor}))' 2>/dev/null \\
       && "$python" -m venv .venv >/dev/null 2>&1; then
      echo "Using $("$python" --version) ($python)"
      return 0
    fi
  done
  return 1
}}
if ! make_venv; then
  # Ubuntu 22.04 (Gradescope's default image) has Python 3.10 only; 3.11 is in its packages.
  apt-get update
  apt-get install -y python{major}.{minor} python{major}.{minor}-venv
  make_venv || {{ echo "setup.sh: no Python >= {python_min} with venv could be installed" >&2; exit 1; }}
fi
.venv/bin/pip install --disable-pip-version-check -r requirements.txt -e .
.venv/bin/python -m grader --version
# Every submission is graded in a fresh container made from this image: what it would otherwise
# build each time goes into the image now. The reference's recording (replay; 15 s of CPU),
# shipped where the grader looks first, and the grader's compiled bytecode.
.venv/bin/python -m grader.recording --out grader/recordings \\
  || echo "setup.sh: the reference's answers could not be recorded; each grade will record them (slower)" >&2
.venv/bin/python -m compileall -q grader solutions tests/kata
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT and KATA_PYTHON exist for tests.
root="${AUTOGRADER_ROOT:-/autograder}"
python="${KATA_PYTHON:-$root/source/.venv/bin/python}"
cd "$root/source"
exec "$python" -m grader gradescope run --root "$root" --config "$root/source/grader.toml"
"""


def container_config(config: Config) -> Tuple[Config, List[str]]:
    """config with the worker's memory limit fitted to Gradescope's container; and what changed."""
    import dataclasses
    if config.memory_mib <= WORKER_MEMORY_MIB:
        return config, []
    notes = [f"the worker's memory limit is {WORKER_MEMORY_MIB} MiB in the zip (not {config.memory_mib}): "
             f"Gradescope's default container has {CONTAINER_MEMORY_MB} MB in all"]
    return dataclasses.replace(config, memory_mib=WORKER_MEMORY_MIB), notes


def build(out: Path, config: Optional[Config] = None, allow_dirty: bool = False) -> Tuple[Path, List[str]]:
    """Write the autograder zip; returns its path and notes for the instructor.

    Raises pristine.NotPristine if exercises/ has uncommitted changes (unless allow_dirty)."""
    notes = [w for w in [pristine.refuse_if_dirty(allow_dirty)] if w]
    config, changed = container_config(config or Config())
    notes += changed
    stubs = pristine.pristine_files(pristine.STUBS)
    commit = pristine.commit()
    major, minor = pins.minimum_python()
    manifest = {"kata": pins.kata_version(), "commit": commit, "pins": pins.versions(),
                "python_min": f"{major}.{minor}",
                "grader_edited_since_commit": pristine.changes("grader") + pristine.changes("solutions")
                + pristine.changes("tests/kata"),
                "max_score": config.max_score, "worker_memory_mib": config.memory_mib}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        scripts = {"setup.sh": SETUP_SH.format(python_min=f"{major}.{minor}", major=major, minor=minor),
                   "run_autograder": RUN_AUTOGRADER}
        for name, text in scripts.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            archive.writestr(info, text)
        archive.writestr("requirements.txt", pins.requirements(commit))
        archive.writestr("grader.toml", config.to_toml())
        archive.writestr("kata-build.json", json.dumps(manifest, indent=2) + "\n")
        for name, data in stubs.items():
            archive.writestr(name, data)
        for item in INCLUDED:
            path = PROJECT_ROOT / item
            files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
            for file in files:
                if "__pycache__" in file.parts or file.suffix == ".pyc":
                    continue
                archive.write(file, file.relative_to(PROJECT_ROOT).as_posix())
    return out, notes


def run(root: Path, config: Optional[Config] = None) -> int:
    """Grade root/submission into root/results/results.json; always writes the file."""
    from ..exports import gradescope
    from ..grading import grade

    graded = grade(str(root / "submission"), config=config)
    graded.label = "your upload"
    gradescope.write(graded, root / "results" / "results.json", config)
    return 0
