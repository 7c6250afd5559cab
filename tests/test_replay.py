"""Replaying the reference's answers changes no grade, only the time it takes.

Every grade (single, batch or on a cluster) replays the recording kept on disk
(grader/recording.py); `--no-replay` runs every test for real. Both must give the very
same records, for correct code, wrong code, stubs and hostile code alike.
"""
import dataclasses
import json
import os

import pytest

from grader import recording
from grader.grading import grade, run_suite
from grader.kata import catalog
from grader.kata.mistakes import MUTANTS, reference_source, submission_source
from grader.plugin import KataSession, profile
from grader.plugin.impl import Impl
from grader.sandbox import process
from grader.target import open_target
from helpers import BANK, ROOT

# Mistakes of every kind in one submission, each on a function of its own: a wrong answer, a
# shuffled dataset, an ignored argument, an endless loop, a process that exits. Fault isolation
# keeps them apart, so one grade shows replay and the real run agreeing on all of them.
MISTAKES = ("subtract-reversed", "minibatches-shuffles-dataset", "estimate_gradient-ignores-h",
            "squared_distance-takes-root", "linear_gradient-no-factor-2", "scalar_multiply-adds")
CASES = {
    "reference": reference_source(),
    "numpy": (BANK / "alternatives" / "numpy_style.py").read_text(),
    "fsum": (BANK / "alternatives" / "tuples_and_fsum.py").read_text(),
    "mistakes": reference_source() + "".join(f"\n\n{m.source}" for m in MUTANTS if m.id in MISTAKES)
    + "\ndef add(v, w):\n    while True:\n        pass\n"
    + "\nimport os\ndef dot(v, w):\n    os._exit(0)\n",
}


@pytest.fixture(scope="module")
def golden():
    return recording.recording(0)  # the one every grade uses: read from disk, or made and kept there


def outcome(run):
    return outcome_of(run.records)


def outcome_of(records):
    return json.dumps([dataclasses.asdict(r) for r in records], sort_keys=True, default=repr)


def describe(value):
    return getattr(value, "description", repr(value))


@pytest.mark.parametrize("name", sorted(CASES) + ["stubs"])
def test_replay_gives_the_very_same_records(name, write_submission):
    path = str(ROOT / "exercises") if name == "stubs" else str(write_submission(CASES[name]))
    replayed = grade(path)  # the recording on disk, as every grade uses it
    assert replayed.records and outcome(replayed) == outcome(grade(path, replay=False))
    if name == "mistakes":  # each mistake cost its own function's points
        lost = {r.function for r in replayed.records if not r.passed}
        assert {"add", "dot"} | {m.function for m in MUTANTS if m.id in MISTAKES} <= lost
        # A function that passes with correct helpers is told what its own helpers do to it: the
        # replay makes the calls the real run compares (a broken scalar_multiply, an endless add).
        notes = {r.function: r.note for r in replayed.records if r.passed and r.note}
        assert {"vector_mean", "gradient_step"} <= set(notes), notes


def test_the_recording_covers_every_property_test_and_no_experiment(golden):
    assert len(golden) == 38 and not any("convergence" in nodeid for nodeid in golden)


def test_a_recording_written_and_read_back_is_the_same(golden, tmp_path):
    path = tmp_path / recording.file_name(0)
    recording.write(golden, path, 0)
    assert json.dumps(recording.read(path, 0), sort_keys=True, default=describe) \
        == json.dumps(golden, sort_keys=True, default=describe)
    assert recording.read(path, 1) is None  # another seed's key


def test_a_corrupt_or_foreign_recording_is_ignored_and_rebuilt(golden, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(recording, "_memo", {})
    monkeypatch.setattr(recording, "_record", lambda seed: golden)  # what a rebuild records
    path = recording.cache_dir() / recording.file_name(0)
    assert path.parent == tmp_path / recording.APP
    recording.write(golden, path, 0)
    good = path.read_bytes()
    header, body = good.split(b"\n", 1)
    foreign_key = json.loads(header)
    foreign_key["key"]["hypothesis"] = "0.0.0"
    planted = body.replace(b'"Quadratic"', b'"Impostor"', 1)
    damaged = {
        "truncated": good[: len(good) // 2],
        "not json": b"\x00garbage",
        "foreign": json.dumps(foreign_key).encode() + b"\n" + body,
        "edited": header + b"\n" + body.replace(b"0.5", b"0.25", 1),
        "an object not allowed": header.replace(
            json.loads(header)["digest"].encode(), recording.hashlib.sha256(planted).hexdigest().encode())
        + b"\n" + planted,
    }
    for why, data in damaged.items():
        path.write_bytes(data)
        assert recording.read(path, 0) is None, why
        recording._memo.clear()
        assert recording.recording(0) is golden, why
        assert recording.read(path, 0) is not None, f"{why}: not rebuilt"


def test_the_cache_keeps_the_recordings_used_last_and_removes_the_others(golden, tmp_path, monkeypatch):
    name = recording.file_name(0)
    cache = tmp_path / recording.APP
    cache.mkdir(mode=0o700)
    (cache / name).write_bytes((recording.cache_dir() / name).read_bytes())
    old = [cache / f"recording-0-{i:020d}.json" for i in range(recording.KEPT + 3)]
    for age, path in enumerate(old, start=1):  # other versions of the kata, each older than the last
        path.write_text("{}")
        os.utime(path, (1e9 - age, 1e9 - age))
    os.utime(cache / name, (1e8, 1e8))  # this version's, used longest ago of all
    other = cache / "notes.txt"  # not a recording: never touched
    other.write_text("mine")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(recording, "_memo", {})
    monkeypatch.setattr(recording, "_record", None)  # read from the copy, never built again
    assert json.dumps(recording.recording(0), sort_keys=True, default=describe) \
        == json.dumps(golden, sort_keys=True, default=describe)
    kept = {p.name for p in cache.iterdir()}
    assert kept == {name, "notes.txt", *(p.name for p in old[:recording.KEPT - 1])}, sorted(kept)


def test_the_cache_falls_back_to_a_private_temp_folder(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.setattr(recording.tempfile, "gettempdir", lambda: str(tmp_path))
    folder = recording.cache_dir()
    assert folder.parent == tmp_path and folder.stat().st_mode & 0o077 == 0


class CountingTarget:
    """A target that counts the round trips to its worker."""

    def __init__(self, target):
        self.target, self.round_trips, self.replayed_calls, self.real_calls = target, 0, 0, 0

    def __getattr__(self, name):
        return getattr(self.target, name)

    def call(self, *args):
        self.round_trips += 1
        self.real_calls += 1
        return self.target.call(*args)

    def call_many(self, calls, **how):
        self.round_trips += 1
        self.replayed_calls += len(calls)
        return self.target.call_many(calls, **how)


@pytest.mark.parametrize("replay", [True, False])
def test_a_stub_costs_one_round_trip_however_many_tests_it_has(golden, replay):
    target = CountingTarget(open_target(str(ROOT / "exercises")))
    try:
        records = run_suite(target, golden=golden if replay else None)
    finally:
        target.close()
    graded = [r for r in records if r.function]
    assert len(graded) == 38 and all(not r.passed and r.failure.not_implemented for r in graded)
    assert target.round_trips == len(catalog.FUNCTION_NAMES)  # each function's first test asks once


def all_passed_by_replay(target, golden) -> CountingTarget:
    """Grade target's functions with replay: every property test passes, none runs for real."""
    target = CountingTarget(target)
    try:
        records = run_suite(target, golden=golden, only=list(catalog.FUNCTION_NAMES))
    finally:
        target.close()
    assert len(records) == len(golden) and all(r.passed for r in records)
    assert target.real_calls == 0
    return target


@pytest.mark.parametrize("in_process", [True, False])
def test_every_property_test_of_the_reference_passes_by_replay(golden, in_process):
    # The tests of invalid input too: the reference's answer there is an exception, and an
    # exception is a reply like any other, in the sandbox and in-process alike.
    target = all_passed_by_replay(open_target("solutions", in_process=in_process), golden)
    if not in_process:  # in-process, a stand-in is a plain call, not a round trip
        # Nothing asked of the trusted side: replay uses the learner's own helpers once they passed
        # their tests, and the worker computes the tests' f itself.
        assert target.requests == 0


# The tests' f called with a float subclass, an int too large for a float, a keyword argument,
# a tuple, and a vector of the wrong length.
F_USES = reference_source() + """
class Number(float):
    pass

def difference_quotient(f, x, h):
    f(Number(x))
    return f(10 ** 400)

def partial_difference_quotient(f, v, i, h):
    try:
        f(v=v)
    except TypeError:
        pass
    w = tuple(v_j + (h if j == i else 0) for j, v_j in enumerate(v))
    return (f(w) - f(v)) / h

def estimate_gradient(f, v, h=0.0001):
    return [(f(list(v) + [h]) - f(v)) / h for _ in v]
"""


def test_the_worker_computes_the_tests_f_as_the_trusted_side_does(write_submission, monkeypatch):
    path = str(write_submission(F_USES))

    def graded():
        target = open_target(path)
        try:
            records = run_suite(target, only=["difference_quotient", "partial_difference_quotient",
                                              "estimate_gradient"])
            return records, target.requests
        finally:
            target.close()

    local, asked_locally = graded()
    monkeypatch.setattr(process, "_portable", lambda value: None)  # every evaluation of f a round trip
    remote, asked_remotely = graded()
    assert outcome_of(local) == outcome_of(remote)
    assert asked_locally < asked_remotely
    failed = {r.function: r.failure for r in local if not r.passed}
    assert set(failed) == {"difference_quotient", "estimate_gradient"}
    assert "too large" in failed["difference_quotient"].message
    assert "f expects a vector" in failed["estimate_gradient"].message


@pytest.mark.parametrize("style", ["tuples_and_fsum", "numpy_style"])
def test_correct_code_whose_floats_differ_in_the_last_bits_passes_by_replay(golden, style):
    # Its answers are not the reference's to the bit, but each test's own body, run again on the
    # recorded inputs with them, accepts them within its tolerances: no test runs for real.
    all_passed_by_replay(open_target(str(BANK / "alternatives" / f"{style}.py")), golden)


def test_a_wrong_function_is_asked_one_call_before_its_test_runs_for_real(golden, write_submission):
    # Each test's first call differs from the reference's, so replay asks nothing more: the calls
    # after it would be made for nothing (a hostile function may take its whole time on each).
    constant = reference_source() + "\ndef subtract(v, w):\n    return [0.5]\n"
    target = CountingTarget(open_target(str(write_submission(constant))))
    try:
        records = run_suite(target, golden=golden, only=["subtract"])
    finally:
        target.close()
    tests = [r for r in records if r.function == "subtract"]
    assert len(tests) > 1 and not any(r.passed for r in tests)
    assert target.replayed_calls == len(tests)


def test_shrinking_stops_at_its_budget_on_a_genuine_failure(write_submission, monkeypatch):
    mutant = next(m for m in MUTANTS if m.id == "vector_sum-skips-first")
    path = str(write_submission(submission_source(mutant)))

    def failures(budget):
        monkeypatch.setattr(profile, "SHRINK_SECONDS", budget)
        run = grade(path, only=["vector_sum"], in_process=True, replay=False)
        return [r.failure for r in run.records if not r.passed]

    stopped, shrunk = failures(0.0), failures(60.0)
    for failure in stopped + shrunk:
        # Hypothesis ran the example it reports once more: the answer really is wrong.
        assert failure.kind == "mismatch" and failure.expected != failure.got and failure.call
    # Without a budget the examples shrink further than with none left.
    assert sum(len(f.call) for f in shrunk) < sum(len(f.call) for f in stopped)


@pytest.mark.parametrize("in_process", [True, False])
def test_the_requests_a_call_makes_of_the_trusted_side_are_counted_as_work(in_process):
    # The reference's gradient_step calls scalar_multiply and add: isolated, both are stand-ins
    # served by the trusted side, each a round trip from the sandbox, and work for the shrink budget.
    target = open_target("solutions", in_process=in_process)
    try:
        before, work = target.requests, profile._calls[0]
        with profile.kata_profile():
            impl = Impl(KataSession(target=target), "gradient_step", "test")
            assert impl.gradient_step([1.0, 2.0], [0.5, 0.5], -1.0) == [0.5, 1.5]
        assert target.requests - before == 2
        assert profile._calls[0] - work == 1 + 2
    finally:
        target.close()
