"""Run the kata's test suite against a target and collect one record per test.

This is the process that decides pass or fail. It runs pytest in-process on
tests/kata, and the target serves every call from its confined worker.
"""
import contextlib
import io
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from .paths import KATA_TESTS as KATA_DIR, PROJECT_ROOT
from .load import LoadError, Submission
from .sandbox.process import LoadFailed
from .target import Target, open_target



@dataclass
class Run:
    """Everything a report needs about one grading run."""

    label: str
    seed: int
    records: List[Dict] = field(default_factory=list)
    isolation: List[str] = field(default_factory=list)
    submission: Optional[Submission] = None
    load_error: Optional[str] = None  # set when nothing could be graded
    seconds: float = 0.0
    only: Optional[List[str]] = None

    @property
    def versions(self) -> Dict[str, str]:
        import hypothesis
        import pytest
        return {"python": platform.python_version(), "hypothesis": hypothesis.__version__,
                "pytest": pytest.__version__}


def grade(spec: str, seed: int = 0, only: Optional[List[str]] = None, in_process: Optional[bool] = False,
          golden: Optional[Dict] = None) -> Run:
    """Grade `spec` (see load.load_submission). Never raises for a bad submission: a Run with
    load_error says what went wrong."""
    started = time.monotonic()
    run = Run(label=spec, seed=seed, only=only)
    target = None
    try:
        # The worker loads the submission while this process imports pytest and Hypothesis.
        target = open_target(spec, in_process, wait=False)
        import pytest  # noqa: F401
        from . import plugin as pytest_plugin  # noqa: F401
        target.ready()
    except LoadError as error:
        run.load_error = str(error)
    except LoadFailed as error:
        if target is not None:
            target.close()
        run.load_error = describe_load_failure(spec, error.reply)
    else:
        run.submission = target.submission
        run.isolation = list(target.isolation)
        try:
            run.records = run_suite(target, seed, only, golden)
        finally:
            target.close()
    run.seconds = time.monotonic() - started
    return run


def describe_load_failure(spec: str, reply: Dict) -> str:
    where = "; ".join(reply.get("where") or [])
    return (f"{spec} could not be loaded: {reply.get('type', 'Error')}: {reply.get('message', '')}"
            + (f" ({where})" if where else "")
            + "\nCode at the top level of your file runs when it is loaded: move experiments into functions "
              "or under `if __name__ == \"__main__\":`, and fix the error above.")


def golden_recording(seed: int = 0) -> Dict:
    """The reference solutions' calls and answers, per test: what batch grading replays."""
    from . import plugin as pytest_plugin
    target = open_target("solutions", in_process=True)
    session = pytest_plugin.KataSession(target=target, seed=seed, record=True)
    passed = {r["nodeid"] for r in _run_pytest(session) if r["status"] == "passed"}
    return {nodeid: calls for nodeid, calls in session.recording.items() if nodeid in passed}


def run_suite(target: Target, seed: int = 0, only: Optional[List[str]] = None,
              golden: Optional[Dict] = None) -> List[Dict]:
    from . import plugin as pytest_plugin
    session = pytest_plugin.KataSession(target=target, seed=seed, only=only, golden=golden)
    return _run_pytest(session)


def _run_pytest(session) -> List[Dict]:
    import pytest
    from . import plugin as pytest_plugin
    pytest_plugin.PRESET = session
    args = [str(KATA_DIR), "-q", "-p", "no:cacheprovider", "--rootdir", str(PROJECT_ROOT),
            "-c", str(PROJECT_ROOT / "pyproject.toml"), "-W", "ignore"]
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            pytest.main(args)
    finally:
        pytest_plugin.PRESET = None
    return session.records
