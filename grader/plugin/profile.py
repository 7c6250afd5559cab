"""Hypothesis under the kata's own profile, entered and left around each run.

The profile "kata" is derandomized, keeps no example database and has no deadline,
so a run is the same on any machine, with or without CI set. It is loaded for the
length of one pytest run and the previous profile restored after, so grading never
changes Hypothesis for anything else in the same process.
"""
import contextlib

import hypothesis
from hypothesis import HealthCheck, Phase, settings

PROFILE = "kata"
MAX_EXAMPLES = 40
# Shrinking a failure has a budget per test, so that one pathological bug cannot cost 20 s of
# round trips to the sandbox: then the smallest failing example found so far is reported
# (Hypothesis runs it once more, so it is a genuine failure). The budget is counted in
# nominal seconds of an idle machine, from the work done (examples run, calls made to the
# learner's code), not read from a clock: a loaded machine must not change which example a
# report shows, or grades would stop being byte-identical from run to run.
SHRINK_SECONDS = 1.0
# One example, Hypothesis's own work: about 10 ms for the kata's larger inputs (up to 40
# coordinates, drawn through flatmap), about 1 ms for the smallest. At 1 ms, shrinking an
# estimate_gradient bug ran ten times its budget (2 s nominal, 5 s on an idle machine).
EXAMPLE_SECONDS = 0.01
CALL_SECONDS = 0.0005  # one call to the learner's code, or one request it made (a round trip)
_calls = [0]


def count_call(n: int = 1) -> None:
    """Impl calls this for every call to the learner's code, and for the requests each call made of
    the trusted side (stand-ins, the test's callables): the shrink budget's measure of work."""
    _calls[0] += n


settings.register_profile(
    PROFILE, derandomize=True, database=None, deadline=None, max_examples=MAX_EXAMPLES, print_blob=False,
    report_multiple_bugs=False, suppress_health_check=list(HealthCheck),
    # No explain phase: it costs seconds per failing test and learners get our own report.
    phases=(Phase.explicit, Phase.generate, Phase.shrink))

# hypothesis.seed() marks the test function with these two attributes for good; we
# save and restore them so that a seed lasts for one run only.
_SEED_ATTRIBUTES = ("_hypothesis_internal_use_seed", "_hypothesis_internal_use_settings")
_MISSING = object()


@contextlib.contextmanager
def kata_profile():
    """Load the kata profile for the block; restore the one that was loaded before.

    Within the block shrinking stops after SHRINK_SECONDS per test (see above).

    Within the block Hypothesis draws no "local constants". It otherwise mines the
    literals of every non-library module the process has imported and mixes them into
    generated inputs, so the same test would meet other inputs in a process that had
    imported other modules (a batch pool, a notebook kernel, a learner's own module).
    No public setting turns that off, hence the patch of a private name; if a later
    Hypothesis renames it, tests/test_reentrancy.py fails rather than grades drifting.
    """
    previous = settings.get_current_profile_name()
    settings.load_profile(PROFILE)
    try:
        with _no_local_constants(), _shrink_budget(SHRINK_SECONDS):
            yield
    finally:
        settings.load_profile(previous)


@contextlib.contextmanager
def _shrink_budget(seconds: float):
    """Hypothesis stops shrinking after engine.MAX_SHRINKING_SECONDS (a constant it documents as
    patchable) by engine.time.perf_counter(), which is used for nothing else but statistics: for
    the block, that clock counts work (see SHRINK_SECONDS) instead of time."""
    try:
        from hypothesis.internal.conjecture import engine
        original, clock = engine.MAX_SHRINKING_SECONDS, engine.time
    except (ImportError, AttributeError):  # a Hypothesis without them: shrinking is unbounded
        yield
        return
    engine.MAX_SHRINKING_SECONDS, engine.time = seconds, _WorkClock(clock)
    try:
        yield
    finally:
        engine.MAX_SHRINKING_SECONDS, engine.time = original, clock


class _WorkClock:
    """The `time` module as engine.py sees it, but perf_counter() measures work done in nominal seconds."""

    def __init__(self, real):
        self._real, self._examples = real, 0

    def perf_counter(self) -> float:
        self._examples += 1  # engine.py reads it once per example (and twice per phase)
        return self._examples * EXAMPLE_SECONDS + _calls[0] * CALL_SECONDS

    def __getattr__(self, name):
        return getattr(self._real, name)


@contextlib.contextmanager
def _no_local_constants():
    try:
        from hypothesis.internal.conjecture import providers
        original = providers._get_local_constants
    except (ImportError, AttributeError):  # an older Hypothesis, without local constants
        yield
        return
    providers._get_local_constants = providers.Constants
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        providers.CONSTANTS_CACHE.cache.clear()


@contextlib.contextmanager
def seeded(test_function, seed):
    """Run a Hypothesis test with `seed` (None: the derandomized default) for the block only."""
    if seed is None or not hasattr(test_function, "hypothesis"):
        yield
        return
    saved = {name: getattr(test_function, name, _MISSING) for name in _SEED_ATTRIBUTES}
    hypothesis.seed(seed)(test_function)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is _MISSING:
                delattr(test_function, name)
            else:
                setattr(test_function, name, value)
