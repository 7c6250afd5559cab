"""Grade one submission: run the kata's suite against it and collect a typed Run.

This is the process that decides pass or fail. It runs pytest in-process on
tests/kata with a KataPlugin holding this grading's session; the target serves
every call from its confined worker. Nothing here depends on what ran before in the
same process: each grading has its own session, seed and Hypothesis profile.
"""
import contextlib
import io
import platform
import sys
import time
from typing import Dict, List, Optional

from .discover import DiscoveryError
from .paths import KATA_TESTS, PROJECT_ROOT
from .result import Record, Run
from .sandbox.process import LoadFailed
from .target import Target, open_target
from .text import say


def versions() -> Dict[str, str]:
    """The versions a grade depends on: derandomized inputs change with Hypothesis."""
    import hypothesis
    import pytest
    return {"python": platform.python_version(), "hypothesis": hypothesis.__version__, "pytest": pytest.__version__}


def grade(spec: str, seed: int = 0, only: Optional[List[str]] = None, in_process: Optional[bool] = False,
          golden: Optional[Dict] = None) -> Run:
    """Grade `spec` (see discover.locate). Never raises for a bad submission: a Run with
    load_error says what went wrong."""
    started = time.monotonic()
    run = Run(label=spec, seed=seed, only=only)
    target = None
    try:
        # The worker loads the submission while this process imports pytest and Hypothesis.
        target = open_target(spec, in_process, wait=False)
        import pytest  # noqa: F401

        from . import plugin  # noqa: F401
        target.ready()
        run.missing = target.submission.missing if target.submission else {}
        run.notes = list(target.submission.notes) if target.submission else []
        run.isolation = list(target.isolation)
        run.records = run_suite(target, seed, only, golden)
    except DiscoveryError as error:
        run.load_error = str(error)
    except LoadFailed as error:
        run.load_error = describe_load_failure(spec, error.reply)
    except Exception:  # the grader's own failure on this submission: still a result, never a crash
        run.records = []
        run.load_error = say("load.grader_failed")
    finally:
        if target is not None:
            target.close()
    run.versions = versions()
    run.seconds = time.monotonic() - started
    return run


def describe_load_failure(spec: str, reply: Dict) -> str:
    """Why the submission could not be loaded, and what to do: from the worker's reply (untrusted data)."""
    where = "; ".join(str(w) for w in reply.get("where") or [])
    fields = {"target": spec, "type": str(reply.get("type", "Error"))[:80], "where": where[:400],
              "message": str(reply.get("message", ""))[:2000]}
    said = say("load.could_not_load_at" if where else "load.could_not_load", **fields)
    return said + "\n" + say("load.top_level_advice")


def golden_recording(seed: int = 0) -> Dict:
    """The reference solutions' calls and answers, per test: what replay compares against."""
    from .plugin import KataSession
    target = open_target("solutions", in_process=True)
    try:
        session = KataSession(target=target, seed=seed, record=True)
        passed = {r.nodeid for r in _run_pytest(session) if r.passed}
    finally:
        target.close()
    return {nodeid: calls for nodeid, calls in session.recording.items() if nodeid in passed}


def run_suite(target: Target, seed: int = 0, only: Optional[List[str]] = None,
              golden: Optional[Dict] = None) -> List[Record]:
    from .plugin import KataSession
    return _run_pytest(KataSession(target=target, seed=seed, only=only, golden=golden))


def _run_pytest(session) -> List[Record]:
    import pytest

    from .plugin import KataPlugin
    args = [str(KATA_TESTS), "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly",
            "--rootdir", str(PROJECT_ROOT), "-c", str(PROJECT_ROOT / "pyproject.toml"), "-W", "ignore",
            "-o", "addopts="]
    path_before = list(sys.path)  # pytest puts the suite's folders on the path
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            pytest.main(args, plugins=[KataPlugin(session)])
    finally:
        sys.path[:] = path_before
    return session.records
