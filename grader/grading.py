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
    except Exception as error:  # the grader's own failure on this submission: still a result, never a crash
        run.records = []
        run.load_error = (f"The grader could not finish grading this submission ({type(error).__name__}). "
                          f"Please tell your instructor.")
    finally:
        if target is not None:
            target.close()
    run.versions = versions()
    run.seconds = time.monotonic() - started
    return run


def describe_load_failure(spec: str, reply: Dict) -> str:
    """One message per cause (a missing module, a syntax error, an error, an exit, a timeout, a crash),
    each with its fix. Plain data from the worker: every field is untrusted text."""
    from .text import say
    kind = str(reply.get("type", "Error"))
    message = str(reply.get("message", ""))[:500]
    where = "; ".join(str(w) for w in reply.get("where") or [])[:300]
    fields = {"target": spec, "type": kind, "message": message,
              "where": say("load.at", where=where) if where else ""}
    if kind == "ModuleNotFoundError":
        quoted = message.split("'")[1] if message.count("'") >= 2 else message
        module = str(reply.get("module") or "") or quoted
        return say("load.failed_missing_module", module=module, **fields)
    key = {"SyntaxError": "load.failed_syntax", "IndentationError": "load.failed_syntax",
           "TabError": "load.failed_syntax", "SystemExit": "load.failed_exit", "Exit": "load.failed_exit",
           "TimeoutError": "load.failed_timeout", "Crash": "load.failed_crashed"}.get(kind)
    key = key or "load.failed_raised"
    return say(key, **fields)


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
