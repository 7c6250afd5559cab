"""The typed records that flow from grading to every export: Failure, Record and Run.

Grading builds them; scoring, reports, platforms, batch and the notebook only read
them. They are plain data (numbers, strings, lists), so a Run survives a round trip
through JSON (`to_dict` / `from_dict`), which is how batch keeps results on disk.
"""
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Dict, List, Optional, Tuple

PASSED, FAILED = "passed", "failed"


@dataclass(frozen=True)
class Failure:
    """Why one test failed, in plain data.

    kind is "mismatch" (a wrong answer: call, expected, got, detail), "raised",
    "crashed" or "timed out" (the learner's code did not return: type, message,
    where, printed), or "error" (anything else: message).
    """

    kind: str
    call: str = ""
    expected: Any = None
    got: Any = None
    detail: str = ""
    type: str = ""
    message: str = ""
    where: Tuple[str, ...] = ()
    printed: str = ""
    mistake: Optional[str] = None  # a known mistake of the bank this answer matches

    @property
    def not_implemented(self) -> bool:
        return self.type == "NotImplementedError"


@dataclass(frozen=True)
class Record:
    """The outcome of one test of the kata.

    A test grades one exercise function (`function`) or one experiment
    (`experiment`); `tags` lists every exercise function it exercises.
    """

    nodeid: str
    test: str
    function: Optional[str]
    experiment: Optional[str]
    tags: Tuple[str, ...]
    status: str
    failure: Optional[Failure] = None
    note: Optional[str] = None
    trace: Optional[List] = None  # an experiment's snapshots of theta, for plots
    law: bool = False  # a property a trivial function can satisfy (see grader/score.py)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def graded(self) -> Optional[str]:
        """The name of the score line this record counts towards."""
        return self.experiment or self.function


@dataclass
class Run:
    """Everything the exports need about one grading: what was graded, how, and the records."""

    label: str
    seed: int = 0
    records: List[Record] = field(default_factory=list)
    isolation: List[str] = field(default_factory=list)
    versions: Dict[str, str] = field(default_factory=dict)
    missing: Dict[str, Optional[str]] = field(default_factory=dict)  # undefined exercise -> near miss
    notes: List[str] = field(default_factory=list)  # what loading skipped or chose
    load_error: Optional[str] = None  # set when nothing could be graded
    seconds: float = 0.0
    only: Optional[List[str]] = None

    @property
    def passed(self) -> bool:
        return bool(self.records) and all(r.passed for r in self.records)

    def to_dict(self) -> Dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Dict) -> "Run":
        data = dict(data)
        records = []
        for raw in data.pop("records", []):
            raw = dict(raw)
            failure = raw.pop("failure", None)
            if failure is not None:
                failure = Failure(**dict(failure, where=tuple(failure.get("where") or ())))
            records.append(Record(**dict(raw, failure=failure, tags=tuple(raw.get("tags") or ()))))
        known = {f.name for f in fields(cls)}
        return cls(records=records, **{k: v for k, v in data.items() if k in known})
