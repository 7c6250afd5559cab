"""Grade one submission: run the kata's suite against it and collect a typed Run.

This is the process that decides pass or fail. It runs pytest in-process on
tests/kata with a KataPlugin holding this grading's session; the target serves
every call from its confined worker. Nothing here depends on what ran before in the
same process: each grading has its own session, seed and Hypothesis profile.
"""
import contextlib
import io
import os
import platform
import sys
import time
from typing import Callable, Dict, List, Optional

from . import untrusted
from .discover import DiscoveryError
from .paths import KATA_TESTS, PROJECT_ROOT
from .result import Record, Run
from .sandbox import IsolationMissing
from .sandbox.process import LoadFailed
from .target import Target, open_target
from .text import say


def versions() -> Dict[str, str]:
    """The versions a grade depends on: derandomized inputs change with Hypothesis."""
    import hypothesis
    import pytest
    return {"python": platform.python_version(), "hypothesis": hypothesis.__version__,
            "pytest": pytest.__version__}


def grade(spec: str, seed: int = 0, only: Optional[List[str]] = None, in_process: Optional[bool] = False,
          golden: Optional[Dict] = None, replay: bool = True, config=None,
          notice: Optional[Callable[[str], None]] = None) -> Run:
    """Grade `spec` (see discover.locate). Never raises for a bad submission: a Run with
    load_error says what went wrong. config (grader/config.py) sets the worker's limits.

    With replay (the default) a test whose every answer is the reference's passes in one
    round trip; `golden` is the reference's recording to replay (default: the one on disk,
    see recording.py, built at the first grade). replay=False runs every test for real:
    the records are the same either way (tests/test_replay.py). notice(text), if given, is told
    in a sentence for the learner when this grade must first build that recording (once per
    version of the kata, 10-15 s)."""
    started = time.monotonic()
    run = Run(label=untrusted.text(spec, 300), seed=seed, only=only)
    target = None
    try:
        # The worker loads the submission while this process imports pytest and Hypothesis.
        target = open_target(spec, in_process, wait=False, config=config)
        if not only:  # the experiments' own worker loads the submission too, and their runs begin
            from .kata import catalog, experiments
            target.start_experiments(experiments.planned(seed, [e.name for e in catalog.EXPERIMENTS]))
        import pytest  # noqa: F401

        from . import plugin  # noqa: F401
        if replay and golden is None:
            golden = _recording(seed, notice)
        target.ready()
        run.missing = target.submission.missing if target.submission else {}
        run.notes = [untrusted.text(n, untrusted.MESSAGE) for n in target.submission.notes] \
            if target.submission else []
        run.isolation = list(target.isolation)
        run.records = run_suite(target, seed, only, golden if replay else None)
    except DiscoveryError as error:
        run.load_error = str(error)
    except LoadFailed as error:
        run.load_error = describe_load_failure(spec, error.reply)
    except IsolationMissing:  # the machine, not the submission: the caller refuses to grade
        raise
    except Exception:  # the grader's own failure on this submission: still a result, never a crash
        run.records = []
        run.load_error = say("load.grader_failed")
    finally:
        if target is not None:
            target.close()
    if run.load_error is not None:  # it quotes file names, code and messages the learner chose
        run.load_error = untrusted.lines(run.load_error, untrusted.DETAIL)
    run.versions = versions()
    run.seconds = time.monotonic() - started
    return run


def describe_load_failure(spec: str, reply: Dict) -> str:
    """One message per cause (a missing module, a syntax error, an error, an exit, a timeout, a crash),
    each with its fix. Plain data from the worker: every field is untrusted text."""
    from .text import say
    kind = untrusted.text(reply.get("type", "Error"), untrusted.TYPE)
    message = untrusted.text(reply.get("message", ""), untrusted.MESSAGE)
    where = "; ".join(untrusted.text(w, untrusted.WHERE) for w in list(reply.get("where") or [])[:5])
    fields = {"target": untrusted.text(spec, 300), "type": kind, "message": message,
              "where": say("load.at", where=where) if where else ""}
    if kind == "ModuleNotFoundError":
        quoted = message.split("'")[1] if message.count("'") >= 2 else message
        module = untrusted.text(reply.get("module") or "", untrusted.TYPE) or quoted
        return say("load.failed_missing_module", module=module, **fields)
    key = {"SyntaxError": "load.failed_syntax", "IndentationError": "load.failed_syntax",
           "TabError": "load.failed_syntax", "SystemExit": "load.failed_exit", "Exit": "load.failed_exit",
           "TimeoutError": "load.failed_timeout", "Crash": "load.failed_crashed"}.get(kind)
    key = key or "load.failed_raised"
    return say(key, **fields)


def _recording(seed: int, notice: Optional[Callable[[str], None]] = None) -> Optional[Dict]:
    """The reference's recording for seed; None (no replay) if it cannot be had."""
    from . import recording
    try:
        building = None if notice is None else lambda: notice(say("report.building_recording"))
        return recording.recording(seed, building)
    except Exception:  # replay only saves time: grading goes on without it
        return None


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


UNUSED_PLUGINS = ("unraisableexception", "threadexception", "junitxml", "pastebin", "doctest", "nose",
                  "logging", "faulthandler", "stepwise", "setuponly", "setupplan", "debugging")


def _run_pytest(session) -> List[Record]:
    import pytest

    from .plugin import KataPlugin
    # --tb=no: the records say why a test failed; pytest's own report of it is never read and
    # costs seconds for a submission that fails every test. Plugins are not autoloaded (scanning
    # the installed packages is slow, and a stray plugin must not change grades): Hypothesis's is named.
    # Of pytest's own plugins, those that only report, and unraisableexception, which collects
    # the garbage five times at the end of every run (0.1 s a grade), are not loaded.
    args = [str(KATA_TESTS), "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly",
            *(f"-pno:{name}" for name in UNUSED_PLUGINS),
            "-p", "_hypothesis_pytestplugin", "--rootdir", str(PROJECT_ROOT),
            "-c", str(PROJECT_ROOT / "pyproject.toml"), "-W", "ignore", "-o", "addopts=", "--tb=no"]
    path_before = list(sys.path)  # pytest puts the suite's folders on the path
    autoload = os.environ.get(_NO_AUTOLOAD)
    os.environ[_NO_AUTOLOAD] = "1"
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            pytest.main(args, plugins=[KataPlugin(session)])
    finally:
        sys.path[:] = path_before
        if autoload is None:
            os.environ.pop(_NO_AUTOLOAD, None)
        else:
            os.environ[_NO_AUTOLOAD] = autoload
    return session.records


_NO_AUTOLOAD = "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
