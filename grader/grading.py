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

from . import untrusted
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
    run = Run(label=untrusted.text(spec, 300), seed=seed, only=only)
    target = None
    try:
        # The worker loads the submission while this process imports pytest and Hypothesis.
        target = open_target(spec, in_process, wait=False)
        import pytest  # noqa: F401

        from . import plugin  # noqa: F401
        target.ready()
        run.missing = target.submission.missing if target.submission else {}
        run.notes = [untrusted.text(n, untrusted.MESSAGE) for n in target.submission.notes] \
            if target.submission else []
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
    if run.load_error is not None:  # it quotes file names, code and messages the learner chose
        run.load_error = untrusted.lines(run.load_error, untrusted.DETAIL)
    run.versions = versions()
    run.seconds = time.monotonic() - started
    return run


def describe_load_failure(spec: str, reply: Dict) -> str:
    where = "; ".join(untrusted.text(w, untrusted.WHERE) for w in list(reply.get("where") or [])[:5])
    kind, message = untrusted.text(reply.get("type", "Error"), untrusted.TYPE), \
        untrusted.text(reply.get("message", ""), untrusted.MESSAGE)
    return (f"{untrusted.text(spec, 300)} could not be loaded: {kind}: {message}"
            + (f" ({where})" if where else "")
            + "\nCode at the top level of your file runs when it is loaded: move experiments into functions "
              "or under `if __name__ == \"__main__\":`, and fix the error above.")


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
