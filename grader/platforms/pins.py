"""The exact versions a built artifact grades with: those that produced the reference recording.

Derandomized Hypothesis draws its inputs from the test's code and Hypothesis's own
version, so a learner who grades locally and the platform that grades the upload see the
same counterexamples only with the same Hypothesis (and pytest, which collects the
tests). pyproject.toml keeps version ranges for people installing the kata; every built
artifact instead carries requirements with `==` pins taken from the running environment,
and the name of the commit it was built from.
"""
import importlib.metadata
import re
from typing import Dict, Optional, Tuple

# The packages the grading depends on; numpy only matters to learners who use it.
PINNED = ("pytest", "hypothesis", "nbformat", "numpy")
OPTIONAL = ("numpy",)
PROJECT = "gradient-descent-kata"


def versions() -> Dict[str, str]:
    """{package: installed version} for the pinned packages that are installed."""
    found = {}
    for name in PINNED:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            if name not in OPTIONAL:
                raise
    return found


def minimum_python() -> Tuple[int, int]:
    """The oldest Python every pinned version installs on (from their Requires-Python)."""
    lowest = (3, 10)
    for name in versions():
        required = importlib.metadata.metadata(name).get("Requires-Python") or ""
        for major, minor in re.findall(r">=\s*(\d+)\.(\d+)", required):
            lowest = max(lowest, (int(major), int(minor)))
    return lowest


def kata_version() -> str:
    try:
        return importlib.metadata.version(PROJECT)
    except importlib.metadata.PackageNotFoundError:  # run from a clone that was never installed
        return "unknown"


def requirements(commit: Optional[str] = None) -> str:
    """A pip requirements file pinning every package the recording depends on (`pip install -r`)."""
    lines = [f"# The versions that produced the reference recording ({PROJECT} {kata_version()}"
             + (f", commit {commit}" if commit else "") + ").",
             f"# They need Python >= {'.'.join(map(str, minimum_python()))}. Written by python -m grader."]
    lines += [f"{name}=={version}" for name, version in versions().items()]
    return "\n".join(lines) + "\n"
