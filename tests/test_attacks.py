"""Learner code is untrusted: each attack is a submission written for it.

Every attack submission is the reference solutions plus the attack, so the honest
part must still be graded in full and the attacked functions must earn nothing extra.
"""
import json
import os
import time
from pathlib import Path

import pytest

from grader.grading import grade
from grader.kata.mistakes import reference_source
from grader.text import say
from helpers import ROOT, lost_points, run_grader

STUBS = "\n".join(f"def {name}(*args):\n    raise NotImplementedError\n" for name in (
    "subtract", "vector_sum", "scalar_multiply", "vector_mean", "dot", "sum_of_squares", "magnitude",
    "squared_distance", "distance", "difference_quotient", "partial_difference_quotient", "estimate_gradient",
    "gradient_step", "sum_of_squares_gradient", "linear_gradient", "minibatches"))


def graded(write_submission, attack: str):
    return grade(str(write_submission(reference_source() + "\n\n# --- attack ---\n" + attack)))


def only_lost(run, *functions):
    lost = {k for k in lost_points(run) if not k.startswith(("fit_", "descend"))}
    return lost == set(functions)



def test_a_patch_never_reaches_another_functions_call_in_the_same_round_trip(write_submission):
    """Replay sends a test's calls in one message; a chain that checks an epoch mixes functions."""
    from grader.target import open_target
    source = reference_source() + """

import builtins
_reference_add = add
def add(v, w):
    builtins.sum = lambda *args: 0  # every later sum() in this process gives 0
    return _reference_add(v, w)
"""
    target = open_target(str(write_submission(source)), in_process=False)
    try:
        def call(name, *args):
            return {"fn": {"exercise": name, "isolate": False}, "args": list(args), "seed": 0}
        replies = target.worker.call_many([call("add", [1, 2], [3, 4]), call("add", [1], [1]),
                                           call("dot", [1, 2], [3, 4]), call("add", [0], [0]),
                                           call("vector_sum", [[1, 2], [3, 4]])], 5.0)
        assert [r["value"] for r in replies] == [[4, 6], [2], 11, [0], [4, 6]]
        assert target.worker.call({"exercise": "dot", "isolate": False}, [[2], [3]], 5.0, 0)["value"] == 6
    finally:
        target.close()

EQUALITY_ATTACK = '''
class Anything(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    __hash__ = float.__hash__

class EveryList(list):
    def __eq__(self, other): return True
    def __len__(self): return 3

def dot(v, w):
    return Anything(12345.0)

def add(v, w):
    return EveryList()

def magnitude(v):
    return Anything(-1.0)
'''


def test_objects_that_claim_equality_with_everything_earn_nothing_extra(write_submission):
    run = graded(write_submission, EQUALITY_ATTACK)
    assert only_lost(run, "add", "dot", "magnitude")
    # The same values without the lies: claiming equality must not earn a single point more.
    control = EQUALITY_ATTACK.replace("Anything(", "float(").replace("EveryList()", "list()")
    assert lost_points(run) == lost_points(graded(write_submission, control))
    assert lost_points(run)["add"] == 4 and lost_points(run)["magnitude"] == 4 and lost_points(run)["dot"] > 3


@pytest.mark.parametrize("exit_call", ["sys.exit(0)", "os._exit(0)", "raise SystemExit(0)"])
def test_exiting_at_the_top_level_is_not_run_and_earns_nothing(write_submission, tmp_path, exit_call):
    # Only definitions are graded, so an exit among the script's lines never runs.
    stubs = STUBS + "def add(v, w):\n    raise NotImplementedError\n"
    path = write_submission(stubs + f"import os, sys\n{exit_call}\n")
    result = run_grader(path, "--json", tmp_path / "r.json")
    assert result.returncode == 1
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 0


@pytest.mark.parametrize("exit_call, loads", [("sys.exit(0)", True), ("raise SystemExit(0)", True),
                                              ("os._exit(0)", False)])
def test_an_exit_while_definitions_load_is_skipped_or_fails(write_submission, tmp_path, exit_call, loads):
    # A decorator runs when the file loads: an exit there skips its statement, or (os._exit) ends the load.
    attack = f"import os, sys\ndef leave(function):\n    {exit_call}\n@leave\ndef add(v, w):\n    return v\n"
    result = run_grader(write_submission(reference_source() + attack), "--json", tmp_path / "r.json")
    score = json.loads((tmp_path / "r.json").read_text())["score"]
    if loads:  # the reference's own add stands
        assert result.returncode == 0 and score == 100
        assert "ends the program when the file is loaded" in result.stdout
    else:
        assert result.returncode == 2 and score == 0 and "could not be loaded" in result.stderr


def test_exiting_inside_a_function_costs_only_that_function(write_submission):
    run = graded(write_submission, '''
import os, sys
def add(v, w):
    sys.exit(0)
def subtract(v, w):
    os._exit(0)
''')
    assert only_lost(run, "add", "subtract")
    assert lost_points(run)["add"] == 4 and lost_points(run)["subtract"] == 4


def test_patching_the_test_machinery_changes_nothing(write_submission):
    # In a decorator, so that it runs when the file loads (top-level statements are not run).
    run = graded(write_submission, '''
import builtins, math, random, unittest
def patch(function):
    builtins.abs = lambda x: 0
    builtins.isinstance = lambda *a: True
    math.isclose = lambda *a, **k: True
    math.isfinite = lambda *a: True
    random.random = lambda: 0.5
    unittest.TestCase.assertEqual = lambda *a, **k: None
    for name in ("pytest", "hypothesis", "grader.expect", "grader.plugin", "grader.sandbox.runtime"):
        try:
            module = __import__(name, fromlist=["x"])
            for attr in dir(module):
                if callable(getattr(module, attr)) and not attr.startswith("__"):
                    try:
                        setattr(module, attr, lambda *a, **k: True)
                    except Exception:
                        pass
        except Exception:
            pass
    return function

@patch
def dot(v, w):
    return 0.0
''')
    assert only_lost(run, "dot")


def test_reading_the_callers_frames_finds_no_expected_values(write_submission):
    run = graded(write_submission, '''
import sys, gc
def dot(v, w):
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("expected", "products"):
            if name in frame.f_locals:
                value = frame.f_locals[name]
                return sum(value) if isinstance(value, list) else value
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, dict) and "expected" in obj:
            return obj["expected"]
    return 0.0
''')
    assert only_lost(run, "dot")
    assert lost_points(run) == lost_points(graded(write_submission, "def dot(v, w):\n    return 0.0\n"))


def test_the_reference_solutions_cannot_be_imported_or_read(write_submission):
    # In a decorator, so that it runs when the file loads (top-level statements are not run).
    attack = f'''
import sys, glob
def steal(function):
    stolen = {{}}
    for attempt in (
        lambda: __import__("solutions.linear_algebra", fromlist=["x"]).__dict__,
        lambda: __import__("solutions.gradient_descent", fromlist=["x"]).__dict__,
    ):
        try:
            stolen.update(attempt())
        except BaseException:
            pass
    paths = glob.glob({str(ROOT)!r} + "/solutions/*.py")
    for path in paths + glob.glob("/**/solutions/linear_algebra.py", recursive=False):
        try:
            exec(open(path).read().replace("from .linear_algebra", "from solutions.linear_algebra"), stolen)
        except BaseException:
            pass
    for name, value in list(stolen.items()):
        if callable(value) and not name.startswith("_"):
            globals()[name] = value
    return function

@steal
def add(v, w):
    raise NotImplementedError
'''
    run = grade(str(write_submission(STUBS + attack)))
    assert run.load_error is None
    assert not any(r.passed for r in run.records)


def test_an_endless_loop_costs_only_its_function_and_times_out(write_submission):
    run = graded(write_submission, '''
def add(v, w):
    while True:
        pass
''')
    assert only_lost(run, "add")
    failures = [r.failure for r in run.records if r.function == "add" and r.failure]
    # The first test times out; later ones are not run again (an endless loop would cost each a second).
    assert failures[0].kind == "timed out"
    assert all(f.message == say("report.skipped_after_timeout", function="add") for f in failures[1:])


def test_a_memory_hog_costs_only_its_function(write_submission):
    run = graded(write_submission, '''
def subtract(v, w):
    hog = []
    while True:
        hog.append(bytearray(50 * 1024 * 1024))
''')
    assert only_lost(run, "subtract")


def test_output_floods_are_contained(write_submission):
    run = graded(write_submission, '''
import os, sys
_add = add
def add(v, w):
    print("spam " * 200000)
    os.write(1, b"x" * 1000000)
    os.write(2, b"y" * 1000000)
    return _add(v, w)
def dot(v, w):
    for _ in range(100000):
        sys.stdout.write("flood\\n")
    return 0.0
''')
    assert only_lost(run, "dot")


def test_forged_results_do_not_count(write_submission, tmp_path):
    results = tmp_path / "results.json"
    forged = json.dumps({"score": 100, "max_score": 100, "tests": []})
    attack = f'''
import atexit, json, os, sys, time
FORGED = {forged!r}
RESULTS = {str(results)!r}
print(FORGED)
sys.__stdout__.write(FORGED)
os.write(1, FORGED.encode())
def forge():
    try:
        with open(RESULTS, "w") as handle:
            handle.write(FORGED)
    except OSError:
        pass
forge()
atexit.register(forge)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(40):
            time.sleep(0.25)
            forge()
    os._exit(0)
def add(v, w):
    forge()
    print(FORGED)
    return [a + b for a, b in zip(v, w)] if len(v) == len(w) else v[len(v) + len(w)]
'''
    result = run_grader(write_submission(STUBS + attack), "--json", results)
    assert result.returncode == 1
    assert "100/100" not in result.stdout
    time.sleep(3)  # the detached forger would have written by now
    data = json.loads(results.read_text())
    assert data["score"] == 4  # add's points, nothing more


def test_no_process_outlives_grading_and_the_checkout_is_untouched(write_submission):
    marker = "313.5"
    protected = ROOT / "solutions" / "linear_algebra.py"
    before = protected.read_bytes()
    attack = f'''
import os, subprocess
_count = [0]
def _escape():
    _count[0] += 1
    if _count[0] > 3:
        return
    try:
        subprocess.Popen(["sleep", {marker!r}], start_new_session=True)
    except Exception:
        pass
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", {marker!r}])
        os._exit(0)
    for path in ({str(protected)!r}, {str(ROOT / "planted.txt")!r}):
        try:
            with open(path, "a") as handle:
                handle.write("# planted")
        except OSError:
            pass
_escape()
_sum = vector_sum
def vector_sum(vectors):
    _escape()
    return _sum(vectors)
'''
    run = graded(write_submission, attack)
    assert only_lost(run, )
    time.sleep(0.5)
    survivors = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if f"sleep {marker}" in cmdline:
                survivors.append((entry, cmdline))
    assert survivors == []
    assert protected.read_bytes() == before
    assert not (ROOT / "planted.txt").exists()
