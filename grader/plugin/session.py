"""The state of one run of the kata's suite, kept in pytest's `config.stash`."""
import zlib
from typing import Dict, List, Optional

import pytest

from ..result import Record


class KataSession:
    """What one run grades (the target, the seed, `only`), and what it has learnt so far.

    A session given a target uses it and leaves it open; a session that opens its
    target from `target_spec` closes it at the end of the run.
    """

    def __init__(self, target_spec: str = "solutions", in_process: Optional[bool] = None, seed: int = 0,
                 target=None, only: Optional[List[str]] = None, golden: Optional[Dict] = None,
                 record: bool = False):
        self.target_spec, self.in_process, self.seed, self.only = target_spec, in_process, seed, only
        self._target = target
        self._owns_target = target is None
        self._target_error: Optional[BaseException] = None
        self.records: List[Record] = []
        self.graded: set = set()  # functions with a finished test so far
        self.failed: set = set()  # functions with a failing test so far
        self.broken: Dict[str, str] = {}  # functions that timed out or crashed: why
        self.not_implemented: Dict[str, Exception] = {}  # stubs: the NotImplementedError each raised
        # Replay: the reference's calls and answers per test (see replay.py).
        self.golden = golden
        self.recording: Optional[Dict[str, List[Dict]]] = {} if record else None

    @property
    def target(self):
        """The target, opened on first use; raises what opening it raised, every time."""
        if self._target is None:
            if self._target_error is not None:
                raise self._target_error
            from ..target import open_target
            try:
                self._target = open_target(self.target_spec, self.in_process)
            except Exception as error:  # reported once per test, attempted once per run
                self._target_error = error
                raise
        return self._target

    @property
    def opened_target(self):
        """The target if it is open already, else None (never opens it)."""
        return self._target

    def call_seed(self, nodeid: str, count: int) -> int:
        """The random seed of a call: the same for the same test, call and run seed, everywhere."""
        return zlib.crc32(f"{self.seed}:{nodeid}:{count}".encode())

    def test_seed(self, name: str) -> Optional[int]:
        """Hypothesis's seed for a test: None (derandomized) for seed 0."""
        return zlib.crc32(f"{self.seed}:{name}".encode()) if self.seed else None

    def close(self) -> None:
        if self._owns_target and self._target is not None:
            self._target.close()
            self._target = None


SESSION = pytest.StashKey[KataSession]()
