"""The pytest side of the kata: `--target`, the `impl` and `run_experiment` fixtures, and typed records.

`pytest tests/kata --target solutions|exercises|PATH` runs the kata's tests against
any implementation. Tests declare what they grade with `@pytest.mark.grades("dot")`
(or `@pytest.mark.experiment("fit_batch")`); the `impl` fixture then gives them that
one function, with every other exercise function replaced by a correct one.

The grader passes a `KataPlugin` holding its session to `pytest.main(plugins=[...])`;
run from the command line, the session is made from the options. Either way it lives
in `config.stash[SESSION]`, so runs in one process share nothing.

    profile.py   the Hypothesis profile and per-run seeds
    session.py   KataSession: the state of one run
    ordering.py  which tests run, in which order
    impl.py      the `impl` proxy and call formatting
    replay.py    passing a test in one round trip on the reference's answers
    records.py   finished tests -> Record and Failure
    wording.py   what ended a test, as a sentence about the learner's code
"""
import pytest

from ..expect import Mismatch
from ..kata import catalog, experiments
from ..sandbox.process import SubmissionFailure
from ..text import listed, say
from . import profile
from .impl import Impl, install_retry
from .ordering import experiment_of, graded_names, order
from .records import make_record
from .replay import replayed
from .session import SESSION, KataSession
from .wording import reword

__all__ = ["KataPlugin", "KataSession", "SESSION", "pytest_addoption", "pytest_configure",
           "pytest_unconfigure", "pytest_collection_modifyitems", "pytest_runtest_call", "pytest_pyfunc_call",
           "pytest_runtest_makereport", "impl", "run_experiment"]


class KataPlugin:
    """Hands a prepared session to one pytest run: `pytest.main(args, plugins=[KataPlugin(session)])`."""

    def __init__(self, session: KataSession):
        self.session = session


def pytest_addoption(parser):
    group = parser.getgroup("kata", "gradient-descent kata")
    group.addoption("--target", default="solutions",
                    help="what to test: solutions, exercises, a .py file, a folder like exercises/, "
                         "or a notebook")
    group.addoption("--in-process", action="store_true", default=None,
                    help="import the target into the test process (fast; only for code you trust)")
    group.addoption("--sandbox", dest="in_process", action="store_false",
                    help="run the target in the sandboxed worker, even the solutions")
    group.addoption("--kata-seed", type=int, default=0,
                    help="0 (the default) is the derandomized run; other seeds vary the inputs and the data")


def pytest_configure(config):
    config.addinivalue_line("markers", "grades(*names): the exercise functions this test grades")
    config.addinivalue_line("markers", "experiment(name): a convergence experiment from grader.kata.catalog")
    config.addinivalue_line("markers", "law: a property a trivial function can satisfy; it scores only "
                                       "beside a passed value test of the same function (grader/score.py)")
    given = [p for p in config.pluginmanager.get_plugins() if isinstance(p, KataPlugin)]
    config.stash[SESSION] = given[0].session if given else KataSession(
        config.getoption("--target"), config.getoption("--in-process"), config.getoption("--kata-seed"))
    config.stash[_PROFILE] = profile.kata_profile()
    config.stash[_PROFILE].__enter__()


_PROFILE = pytest.StashKey[object]()


def pytest_unconfigure(config):
    if _PROFILE in config.stash:
        config.stash[_PROFILE].__exit__(None, None, None)
    if SESSION in config.stash:
        config.stash[SESSION].close()


def pytest_collection_modifyitems(config, items):
    session = config.stash[SESSION]
    # pytest calls a conftest's collection hook for the whole session: run from the project's own
    # suite, `items` holds its tests beside the kata's. Those are left in their order, with pytest's
    # own failure reports.
    kata, others = [], []
    for item in items:
        (kata if graded_names(item) else others).append(item)
    order(kata, session.only)
    items[:] = kata + others
    for item in kata:
        # The records say why a test failed (records.py reads the exception itself); pytest's own
        # report of it, built for every failure even with --tb=no, walks each traceback with its
        # source: 0.4 s for a submission that fails every test.
        item.repr_failure = _failure_in_brief
    target = session.opened_target
    if target is not None:  # its experiments can start now (if grading has not started them already)
        target.start_experiments(experiments.planned(session.seed, [experiment_of(i) for i in items
                                                                    if experiment_of(i)]))


def _failure_in_brief(excinfo, style=None) -> str:
    return excinfo.typename


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    with profile.seeded(getattr(item, "obj", None), item.config.stash[SESSION].test_seed(item.name)):
        return (yield)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    return replayed(pyfuncitem, pyfuncitem.config.stash[SESSION])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" or (report.when == "setup" and report.failed):
        session = item.config.stash[SESSION]
        impl_ = item.funcargs.get("impl") if hasattr(item, "funcargs") else None
        record = make_record(item, call, report, impl_, item.stash.get(_TRACE, None))
        record = reword(record, call.excinfo.value if call.excinfo else None, impl_)
        if record.function:
            session.graded.add(record.function)
        if record.function and not record.passed:
            session.failed.add(record.function)
        session.records.append(record)
    return report


_TRACE = pytest.StashKey[list]()


@pytest.fixture
def impl(request) -> Impl:
    names = graded_names(request.node)
    session = request.config.stash[SESSION]
    if names and session.broken.get(names[0]) == "timed out":
        pytest.fail(say("report.skipped_after_timeout", function=names[0]))
    install_retry(request.function)  # an example passes with correct stand-ins, or with the learner's own
    return Impl(session, names[0], request.node.nodeid)


@pytest.fixture
def run_experiment(request):
    """run_experiment(name) -> (result, kwargs): run a convergence experiment with the target's own
    functions."""
    session = request.config.stash[SESSION]

    def run(name: str):
        uses = catalog.EXPERIMENT_BY_NAME[name].uses
        missing = [n for n in uses if n not in session.target.present]
        stuck = [n for n in uses if session.broken.get(n) == "timed out"]
        call = say("checks.experiment.call", experiment=name)
        (planned,) = experiments.planned(session.seed, [name])
        kwargs = planned["kwargs"]
        if missing or stuck:  # the test fails without the run: a run started early is stopped
            session.target.skip_experiment(name, kwargs, planned["seed"])
        if missing:
            raise Mismatch(call, say("checks.experiment.missing_expected"),
                           say("checks.experiment.missing_got"),
                           say("checks.experiment.missing_detail", functions=listed(missing)))
        if stuck:
            raise Mismatch(call, say("checks.experiment.not_run_expected"),
                           say("checks.experiment.not_run_got"),
                           say("checks.experiment.not_run_detail", functions=listed(stuck)))
        try:
            reply = session.target.experiment(name, kwargs, planned["seed"])
        except SubmissionFailure as failure:
            failure.call = call
            raise
        value = reply["value"]
        trace = value.get("trace") if isinstance(value, dict) else None
        if trace:
            request.node.stash[_TRACE] = trace
        return value, kwargs

    return run
