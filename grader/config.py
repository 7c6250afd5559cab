"""The instructor's configuration, grader.toml: points, limits, visibility and gradebook names.

    python -m grader TARGET --config grader.toml      (or a grader.toml in the current folder)

Every route takes a Config explicitly (CLI grade, batch, the Gradescope zip, the
Classroom starter); nothing here is global. Without a file, `Config()` holds the
defaults: the catalog's points (100 in all), the worker's default limits, every test
visible. A file only needs the keys it changes:

    [points]                 # any function or experiment of the catalog; >= 0
    minibatches = 12
    fit_sgd = 0              # worth nothing: still run and reported

    [limits]
    memory_mib = 512         # the worker's address-space limit
    submission_seconds = 300 # the time budget for one whole submission
    cpu_seconds = 300        # the worker's CPU-time limit

    [visibility]             # Gradescope's values: visible, hidden, after_due_date, after_published
    default = "visible"      # every test, unless its function or experiment is named below
    minibatches = "after_due_date"

    [gradebook]
    assignment = "Gradient descent kata"   # the column name in the LMS gradebooks
    canvas_assignment_id = 0               # Canvas's assignment id; 0: a new assignment

A mistake (an unknown section or key, a wrong type, negative points) raises
ConfigError naming the file and the key.
"""
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Dict, Mapping, Optional

from .kata import catalog

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

FILE_NAME = "grader.toml"
# https://gradescope-autograders.readthedocs.io/en/latest/specs/#controlling-test-case-visibility
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
DEFAULT_LIMITS = {"memory_mib": 2048, "submission_seconds": 300, "cpu_seconds": 300}
LINE_NAMES = tuple(catalog.FUNCTION_NAMES) + tuple(e.name for e in catalog.EXPERIMENTS)


class ConfigError(ValueError):
    """grader.toml is wrong; the message names the file and the key."""


def _default_points() -> Mapping[str, float]:
    points = {e.name: float(e.points) for e in catalog.EXERCISES}
    points.update({x.name: float(x.points) for x in catalog.EXPERIMENTS})
    return MappingProxyType(points)


@dataclass(frozen=True)
class Config:
    """What an instructor can change. Build it with load_config(), or Config() for the defaults."""

    points: Mapping[str, float] = field(default_factory=_default_points)
    memory_mib: int = DEFAULT_LIMITS["memory_mib"]
    submission_seconds: int = DEFAULT_LIMITS["submission_seconds"]
    cpu_seconds: int = DEFAULT_LIMITS["cpu_seconds"]
    visibility: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    default_visibility: str = "visible"
    assignment: str = "Gradient descent kata"
    canvas_assignment_id: int = 0
    source: Optional[Path] = None  # the file it came from, if any

    def __reduce__(self):  # MappingProxyType does not pickle; batch sends a Config to its pool processes
        plain = {f: getattr(self, f) for f in self.__dataclass_fields__}
        plain["points"], plain["visibility"] = dict(self.points), dict(self.visibility)
        return _rebuild, (plain,)

    @property
    def max_score(self) -> float:
        return round(sum(self.points.values()), 2)

    def visibility_of(self, line: Optional[str]) -> str:
        """Gradescope's visibility for a test of this function or experiment."""
        return self.visibility.get(line or "", self.default_visibility)

    def worker_limits(self) -> Dict[str, int]:
        """The sandbox worker's resource limits (see sandbox/process.py)."""
        return {"memory_bytes": self.memory_mib * 1024 * 1024}

    def to_toml(self) -> str:
        """This configuration as a complete grader.toml (what the built artifacts carry)."""
        lines = ["# The grading configuration this artifact was built with (python -m grader ... --config).",
                 "[points]"]
        lines += [f"{name} = {_number(self.points[name])}" for name in LINE_NAMES]
        lines += ["", "[limits]", f"memory_mib = {self.memory_mib}",
                  f"submission_seconds = {self.submission_seconds}", f"cpu_seconds = {self.cpu_seconds}",
                  "", "[visibility]", f'default = "{self.default_visibility}"']
        lines += [f'{name} = "{value}"' for name, value in sorted(self.visibility.items())]
        lines += ["", "[gradebook]", f"assignment = {_quote(self.assignment)}",
                  f"canvas_assignment_id = {self.canvas_assignment_id}", ""]
        return "\n".join(lines)


def _rebuild(plain: Dict[str, Any]) -> Config:
    return Config(**dict(plain, points=MappingProxyType(plain["points"]),
                         visibility=MappingProxyType(plain["visibility"])))


def load_config(path: Optional[Path] = None, cwd: Optional[Path] = None) -> Config:
    """The configuration in `path`, else in ./grader.toml if there is one, else the defaults.

    Raises ConfigError for a file that is missing (when named), unreadable or wrong."""
    if path is None:
        candidate = Path(cwd or Path.cwd()) / FILE_NAME
        if not candidate.is_file():
            return Config()
        path = candidate
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    return parse(data, path)


def parse(data: Mapping[str, Any], path: Path) -> Config:
    """A Config from the parsed TOML of `path` (named in errors)."""
    sections = {"points", "limits", "visibility", "gradebook"}
    for key, value in data.items():
        if key not in sections:
            raise ConfigError(f"{path}: unknown section [{key}]; the sections are "
                              f"{', '.join('[' + s + ']' for s in sorted(sections))}")
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: {key} must be a section ([{key}]), not a single value")
    values: Dict[str, Any] = {"source": path}

    points = dict(_default_points())
    for name, value in data.get("points", {}).items():
        where = f"{path}: [points] {name}"
        if name not in points:
            raise ConfigError(f"{where}: unknown function or experiment; the names are "
                              f"{', '.join(LINE_NAMES)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: must be a number, got {type(value).__name__} {value!r}")
        if not math.isfinite(value) or value < 0:
            raise ConfigError(f"{where}: must be zero or more, got {value!r}")
        points[name] = float(value)
    if sum(points.values()) <= 0:
        raise ConfigError(f"{path}: [points] the points add up to 0; give at least one function some points")
    values["points"] = MappingProxyType(points)

    for name, value in data.get("limits", {}).items():
        where = f"{path}: [limits] {name}"
        if name not in DEFAULT_LIMITS:
            raise ConfigError(f"{where}: unknown limit; the limits are {', '.join(DEFAULT_LIMITS)}")
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: must be a whole number, got {type(value).__name__} {value!r}")
        if value <= 0:
            raise ConfigError(f"{where}: must be more than 0, got {value!r}")
        if name == "memory_mib" and value < 64:
            raise ConfigError(f"{where}: {value} MiB is too little for Python itself; give at least 64")
        values[name] = value

    visibility = {}
    for name, value in data.get("visibility", {}).items():
        where = f"{path}: [visibility] {name}"
        if name != "default" and name not in LINE_NAMES:
            raise ConfigError(f"{where}: unknown function or experiment; use `default` or one of "
                              f"{', '.join(LINE_NAMES)}")
        if not isinstance(value, str) or value not in VISIBILITIES:
            raise ConfigError(f"{where}: must be one of {', '.join(VISIBILITIES)}, got {value!r}")
        if name == "default":
            values["default_visibility"] = value
        else:
            visibility[name] = value
    values["visibility"] = MappingProxyType(visibility)

    for name, value in data.get("gradebook", {}).items():
        where = f"{path}: [gradebook] {name}"
        if name == "assignment":
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{where}: must be a non-empty text, got {value!r}")
            values[name] = value.strip()
        elif name == "canvas_assignment_id":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(f"{where}: must be Canvas's numeric assignment id (or 0), got {value!r}")
            values[name] = value
        else:
            raise ConfigError(f"{where}: unknown key; the keys are assignment, canvas_assignment_id")
    return Config(**values)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
