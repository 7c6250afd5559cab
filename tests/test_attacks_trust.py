"""The trusted side believes nothing a submission sends (issue 9): one or more attacks per class.

1. answer oracle    5. output injection
2. forged replies   6. batch trusts names
3. links            7. the suite only looks where learners look
4. trusted crashes  8. the same submission, different grades

Every attack is a small submission written for its class. Each test asserts that the
attack gains no point over a control (an empty submission, or the same honest part
without the attack), that the grader neither crashes, hangs nor floods, and that a
results file is written. Most grade whole submissions: they are marked slow.
"""
import csv
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.batch.gradebook import PASSED_OVER
from grader.grading import grade
from grader.kata import catalog, experiments, runs
from grader.kata.mistakes import reference_source
from grader.sandbox import messages
from grader.sandbox.meter import Meter
from grader.score import score_lines, total
from helpers import ROOT, lost_points

slow = pytest.mark.slow
NAMES = catalog.FUNCTION_NAMES
STUBS = "".join(f"def {name}(*args):\n    raise NotImplementedError\n\n" for name in NAMES)
FAKE_SCORE = "17/17 functions done, 100/100 points."
INJECTED = ("add", "subtract", "dot", "magnitude", "distance")


def honest(attack: str) -> str:
    """The reference solutions, then the attack (which overrides some of them)."""
    return reference_source() + "\n\n# --- attack ---\n" + attack


def grader_cli(*args, timeout=900):
    """`python -m grader ARGS`, with the grader's own peak memory (VmHWM) sampled while it runs."""
    process = subprocess.Popen([sys.executable, "-m", "grader", *map(str, args)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                               errors="replace")
    peak = [0]

    def sample():
        try:
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak[0] = max(peak[0], int(line.split()[1]))
        except OSError:
            pass

    import threading
    done = threading.Event()

    def sampler():
        while not done.wait(0.1):
            sample()
    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        done.set()
        thread.join()
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr), peak[0] * 1024


def graded_with_outputs(path: Path, tmp_path: Path):
    """Grade path with the command line, every output on: (the process, results.json, peak bytes)."""
    result, peak = grader_cli(path, "--json", tmp_path / "results.json", "--junit", tmp_path / "junit.xml")
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    results = tmp_path / "results.json"
    assert results.exists(), result.stderr[-3000:]
    ET.parse(tmp_path / "junit.xml")  # well-formed, whatever the learner wrote
    return result, json.loads(results.read_text(encoding="utf-8")), peak


def only_lost(run, *functions) -> bool:
    lost = {k for k in lost_points(run) if k in NAMES}
    return lost == set(functions)


def points(run) -> float:
    return total(score_lines(run.records))


# --- 1. the trusted side is not an answer oracle -------------------------------------------

# No code of its own: every function finds the worker's channel and asks for its own answer.
ORACLE_GC = '''
import gc

def _ask(name, args):
    for thing in gc.get_objects():
        if type(thing).__name__ == "Channel" and hasattr(thing, "call"):
            return thing.call({"reference": name}, list(args))
    raise NotImplementedError
''' + "".join(f"def {n}(*args):\n    return _ask({n!r}, args)\n" for n in NAMES)

# The same, reaching the channel through a stand-in's closure.
ORACLE_CLOSURE = '''
def _ask(name, args):
    for value in list(globals().values()):
        for cell in getattr(value, "__closure__", None) or ():
            try:
                inside = cell.cell_contents
            except ValueError:
                continue
            if hasattr(inside, "call") and hasattr(inside, "write_fd"):
                return inside.call({"reference": name}, list(args))
    raise NotImplementedError
''' + "".join(f"def {n}(*args):\n    return _ask({n!r}, args)\n" for n in NAMES)


@slow
@pytest.mark.parametrize("oracle", [ORACLE_GC, ORACLE_CLOSURE], ids=["gc", "closure"])
def test_asking_the_grader_for_answers_earns_nothing(write_submission, oracle):
    run = grade(str(write_submission(oracle)))
    assert run.load_error is None
    assert points(run) == 0  # an empty submission's score
    refused = [r.failure for r in run.records if r.failure and r.failure.type == "GraderRefused"]
    assert refused and "asked the grader for" in refused[0].message



def test_a_callable_sent_back_is_the_senders_own_and_names_nothing_else():
    """channel.py: the test's `f`, handed by the worker to a stand-in, reaches the stand-in as the
    test's own object (no round trip through the worker per call of f); a made-up {"$back": id}
    reaches nothing of the trusted side's, only a function that fails."""
    import threading

    from grader.sandbox.channel import Channel
    to_worker, from_worker = os.pipe(), os.pipe()
    received, served = [], []

    def trusted_serve(message):  # the stand-in: calls the f it is given
        f = trusted.decode(message["args"])[0]
        received.append(f)
        try:
            return {"op": "return", "value": f(3)}
        except LookupError as error:
            return {"op": "raise", "type": "LookupError", "message": str(error)}

    def worker_serve(message):  # the learner's function: hands f on to the stand-in
        served.append(message)
        f = worker.decode(message["args"])[0]
        sent = {"$back": 999} if message["fn"]["callable"] == "forge" else worker.encode(f)
        stand_in = worker.request({"op": "call", "fn": {"reference": "x"}, "args": [sent]})
        return {"op": "return", "value": stand_in}

    trusted = Channel(from_worker[0], to_worker[1], trusted_serve)
    worker = Channel(to_worker[0], from_worker[1], worker_serve)

    def worker_loop():
        while True:
            message = worker.receive()
            if message["op"] != "call":
                return
            worker.send(worker.serve(message))
    thread = threading.Thread(target=worker_loop)
    thread.start()
    try:
        def f(x):
            return x * x
        reply = trusted.request({"op": "call", "fn": {"callable": "relay"}, "args": trusted.encode([f])})
        assert reply["value"]["value"] == 9
        assert received == [f] and len(served) == 1  # f itself, called here: the worker served one call
        reply = trusted.request({"op": "call", "fn": {"callable": "forge"}, "args": trusted.encode([f])})
        assert reply["value"]["op"] == "raise" and received[-1] is not f
    finally:
        trusted.send({"op": "stop"})
        thread.join(5)
        for fd in (*to_worker, *from_worker):
            os.close(fd)

@slow
def test_functions_that_only_call_each_other_do_not_both_pass(write_submission):
    run = grade(str(write_submission(honest('''
def add(v, w):
    return vector_sum([v, w])

def vector_sum(vectors):
    if not vectors:
        raise ValueError("no vectors")
    total = vectors[0]
    for vector in vectors[1:]:
        total = add(total, vector)
    return list(total)
'''))))
    # vector_sum is graded with a correct add (before it in the kata); add cannot lean on vector_sum.
    assert only_lost(run, "add")
    assert lost_points(run)["add"] == 4


@slow
def test_a_function_is_never_given_a_later_functions_stand_in(write_submission):
    run = grade(str(write_submission(honest('''
def add(v, w):
    return gradient_step(v, w, 1)
'''), "attack.py")))
    assert only_lost(run, "add")
    # It earns no more than a function that only rejects bad input (gradient_step does that for it).
    control = grade(str(write_submission(honest('''
def add(v, w):
    raise ValueError("no")
'''), "control.py")))
    assert lost_points(run)["add"] == lost_points(control)["add"] > 2


def test_only_earlier_functions_have_stand_ins():
    from grader.sandbox.runtime import stand_ins_for
    assert stand_ins_for("add") == frozenset()
    assert stand_ins_for("vector_sum") == {"add", "subtract"}
    assert "minibatches" not in set().union(*(stand_ins_for(n) for n in NAMES))
    assert stand_ins_for("not_an_exercise") == frozenset()


# --- 2. replies are not believed ---------------------------------------------------------

_RAW = '''
import gc, json, os, struct

def _channel():
    for thing in gc.get_objects():
        if type(thing).__name__ == "Channel" and hasattr(thing, "write_fd"):
            return thing

def _frame(body):
    return struct.pack(">I", len(body)) + body

def _raw(data):
    fd = _channel().write_fd
    while data:
        data = data[os.write(fd, data):]
'''

# Each function writes a malformed reply straight onto the pipe, then leaves.
MALFORMED = {
    "add": {"op": "raise", "type": "ValueError", "message": "m", "is_exception": True, "where": [7]},
    "subtract": {"op": "return", "value": None, "mutated": [], "printed": 7},
    "scalar_multiply": {"op": "raise", "type": ["ValueError"], "message": {"a": 1}, "where": []},
    "dot": {"op": "return", "value": [1, 2], "mutated": ["first"], "printed": ""},
    "sum_of_squares": {"op": "launch"},
    "magnitude": [1, 2, 3],
    "difference_quotient": {"op": "call", "fn": {"reference": "os.system"}, "args": ["true"]},
}
RAW_BYTES = {  # Python expressions for frames that are not even JSON messages
    "distance": 'b"\\xff\\xfe not json"',
    "squared_distance": 'b"[" * 200_000 + b"]" * 200_000',  # deeper than any parser's recursion
    "sum_of_squares_gradient": 'b\'{"op": "return", "value": \' + b"9" * 5000 + b"}"',  # 5,000 digits
}


def malformed_submission() -> str:
    source = _RAW
    for name, message in MALFORMED.items():
        frame = f"_frame(json.dumps({message!r}).encode())"
        source += f"\ndef {name}(*args):\n    _raw({frame})\n    os._exit(0)\n"
    for name, expression in RAW_BYTES.items():
        source += f"\ndef {name}(*args):\n    _raw(_frame({expression}))\n    os._exit(0)\n"
    return honest(source)


def write_outputs(run, tmp_path: Path):
    """The report, results.json and JUnit XML of run, as the command line writes them; their texts."""
    from grader.exports import gradescope, junit, terminal
    gradescope.write(run, tmp_path / "results.json")
    junit.write(run, tmp_path / "junit.xml")
    ET.parse(tmp_path / "junit.xml")  # well-formed, whatever the learner wrote
    return [terminal.plain_text(run), (tmp_path / "results.json").read_text(encoding="utf-8"),
            (tmp_path / "junit.xml").read_text(encoding="utf-8")]


@slow
def test_malformed_replies_fail_only_the_calls_that_sent_them(write_submission, tmp_path):
    run = grade(str(write_submission(malformed_submission())))
    write_outputs(run, tmp_path)
    data = json.loads((tmp_path / "results.json").read_text())
    assert only_lost(run, *MALFORMED, *RAW_BYTES)
    for name in [*MALFORMED, *RAW_BYTES]:
        assert lost_points(run)[name] == catalog.BY_NAME[name].points
        failures = [r.failure for r in run.records if r.function == name and r.failure]
        assert failures[0].type == "ProtocolError", (name, failures[0])
    assert data["score"] == points(run)


# Top-level statements are not run (only definitions are), so the frame goes out from a
# default argument, which a `def` evaluates as the module loads.
DEEP_AT_LOAD = _RAW + '''
def _loaded(_=_raw(_frame(b"[" * 200_000 + b"]" * 200_000)), __=os._exit(0)):
    pass
'''


@slow
def test_a_forged_deep_message_at_load_is_a_load_error(write_submission, tmp_path):
    result, data, _ = graded_with_outputs(write_submission(honest(DEEP_AT_LOAD)), tmp_path)
    assert result.returncode == 2 and data["score"] == 0
    assert "protocol" in result.stderr


# What both attacks below do to a reply: say that no argument changed.
CLEAN = '''
def _clean(message):
    if isinstance(message, dict) and "mutated" in message:
        message = dict(message, mutated=[])
    if isinstance(message, dict) and isinstance(message.get("value"), list):
        message["value"] = [_clean(m) for m in message["value"]]
    return message
'''


# Patching the channel's `send` at import (an instance attribute) to hide that add and
# scalar_multiply change their arguments: the worker restores its channel, and the
# control (the same mistakes without the patch) loses exactly as much.
HIDE_MUTATION = '''
import gc, json, os, struct
''' + CLEAN + '''
if HIDE:
    for thing in gc.get_objects():
        if type(thing).__name__ == "Channel" and hasattr(thing, "write_fd"):
            def send(message, fd=thing.write_fd):
                body = json.dumps(_clean(message)).encode()
                data = struct.pack(">I", len(body)) + body
                while data:
                    data = data[os.write(fd, data):]
            thing.send = send

def add(v, w):
    for i in range(len(v)):
        v[i] += w[i]
    if len(v) != len(w):
        raise ValueError("lengths differ")
    return v

def scalar_multiply(c, v):
    for i in range(len(v)):
        v[i] *= c
    return v
'''


# Raw frames on the worker's pipes, as code that takes the protocol over writes and reads them.
PIPES = '''
import json, os, struct

def _send(fd, message):
    body = json.dumps(message).encode()
    data = struct.pack(">I", len(body)) + body
    while data:
        data = data[os.write(fd, data):]

def _exactly(fd, size):
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            os._exit(0)
        data += chunk
    return data
'''


# The same mistakes; the first call of either never returns: it keeps the pipes and is the worker
# from then on, answering each request with the worker's own `serve` and "mutated" emptied.
# (Code that writes its own replies can hide that it changed its private copies of the arguments,
# but then it must compute every answer itself: the worker's `serve` gives none for such a call.)
TAKE_OVER = PIPES + CLEAN + '''
import gc

_taken = []

def _finish(value):
    if not HIDE or _taken:
        return value
    _taken.append(True)
    channel = next(t for t in gc.get_objects() if type(t).__name__ == "Channel" and hasattr(t, "serve"))
    _send(channel.write_fd, {"op": "return", "value": list(value), "mutated": [], "printed": ""})
    while True:
        (size,) = struct.unpack(">I", _exactly(channel.read_fd, 4))
        _send(channel.write_fd, _clean(channel.serve(json.loads(_exactly(channel.read_fd, size)))))

def add(v, w):
    if len(v) != len(w):
        raise ValueError("lengths differ")
    for i in range(len(v)):
        v[i] += w[i]
    return _finish(v)

def scalar_multiply(c, v):
    for i in range(len(v)):
        v[i] *= c
    return _finish(v)
'''


@slow
@pytest.mark.parametrize("source", [HIDE_MUTATION, TAKE_OVER], ids=["patched send", "taken-over loop"])
def test_a_patched_channel_cannot_hide_a_mistake(write_submission, source):
    attack, control = (grade(str(write_submission(honest(f"HIDE = {hide}\n" + source), f"{hide}.py")))
                       for hide in (True, False))
    assert lost_points(attack)["add"] > 0 and lost_points(attack)["scalar_multiply"] > 0
    # Nothing gained. (It can lose more: in the experiments' own worker the loop is taken over in
    # the middle of a run, whose reply is then the forged one.)
    assert points(attack) <= points(control)


def forger(trace_kind: str) -> str:
    """No code of its own: the first function a driver calls takes the worker's protocol over and
    answers every experiment with a converged run (trace_kind "jump": at once; "exact": the
    correct run, computed in closed form), and every other call with NotImplementedError."""
    return PIPES + '''
import gc, math, sys

def _fds():
    for thing in gc.get_objects():
        if type(thing).__name__ == "Channel" and hasattr(thing, "write_fd"):
            return thing.read_fd, thing.write_fd

def _fit(data):
    n = len(data)
    mx = math.fsum(x for x, _ in data) / n
    my = math.fsum(y for _, y in data) / n
    slope = math.fsum((x - mx) * (y - my) for x, y in data) / math.fsum((x - mx) ** 2 for x, _ in data)
    return [slope, my - slope * mx]

def _run(name, kwargs):
    epochs = int(kwargs["epochs"])
    if name == "descend_sum_of_squares":
        theta, trace = [0.0, 0.0, 0.0], [[0.0, 0.0, 0.0]] * epochs
    elif KIND == "exact" and name == "fit_batch":
        data, rate = kwargs["data"], kwargs["learning_rate"]
        n = len(data)
        sx, sy = math.fsum(x for x, _ in data), math.fsum(y for _, y in data)
        sxx, sxy = math.fsum(x * x for x, _ in data), math.fsum(x * y for x, y in data)
        s, c = kwargs["theta"]
        trace = []
        for _ in range(epochs):
            gs, gc_ = 2 * (s * sxx + c * sx - sxy) / n, 2 * (s * sx + c * n - sy) / n
            s, c = s - rate * gs, c - rate * gc_
            trace.append([s, c])
        theta = trace[-1]
    else:
        theta = _fit(kwargs["data"])
        trace = [theta] * epochs
    value = {"theta": theta, "trace": trace, "distance": 0.0}
    if name == "fit_minibatch":
        value["orders"] = [list(range(0, len(kwargs["data"]), int(kwargs["batch_size"])))] * epochs
    return {"op": "return", "value": value, "mutated": [], "printed": ""}

def _take_over(name, kwargs):
    read_fd, write_fd = _fds()
    _send(write_fd, _run(name, kwargs))
    while True:  # from now on this loop is the worker
        (size,) = struct.unpack(">I", _exactly(read_fd, 4))
        message = json.loads(_exactly(read_fd, size))
        if message.get("op") != "call":
            os._exit(0)
        fn = message.get("fn") or {}
        if "experiment" in fn:
            _send(write_fd, _run(fn["experiment"], message.get("kwargs") or {}))
        else:
            _send(write_fd, {"op": "raise", "type": "NotImplementedError", "message": "",
                             "is_exception": True, "where": [], "printed": ""})

def _stub(*args):
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "run" and "kwargs" in frame.f_locals and "name" in frame.f_locals:
            _take_over(frame.f_locals["name"], dict(frame.f_locals["kwargs"]))
        frame = frame.f_back
    raise NotImplementedError
'''.replace("KIND", repr(trace_kind)) + "".join(f"{n} = _stub\n" for n in NAMES)


@slow
@pytest.mark.parametrize("kind", ["jump", "exact"])
def test_forged_experiment_runs_earn_nothing(write_submission, kind):
    run = grade(str(write_submission(forger(kind))))
    assert run.load_error is None
    assert points(run) == 0
    batch = next(r for r in run.records if r.experiment == "fit_batch")
    assert not batch.passed


def test_a_forged_run_is_refused_and_an_honest_one_accepted():
    """kata/runs.py on its own: the correct run passes; shortcuts, a jump, a wrong length do not."""
    kwargs = experiments.arguments("fit_batch", 0)
    correct = runs.reference_trace("fit_batch", kwargs)
    honest_run = {"theta": correct[-1], "trace": correct}

    def replay(epoch, theta):  # the learner's functions would take exactly the steps of a correct run
        before = {"theta": theta, **{k: v for k, v in kwargs.items() if k != "theta"}, "epochs": 1}
        return runs.reference_trace("fit_batch", before)[0], None

    runs.check("fit_batch", kwargs, honest_run, replay)
    jump = correct[:10] + [correct[-1]] * (len(correct) - 10)
    shortcut = [correct[-1]] * len(correct)
    for trace in (jump, shortcut, correct[:-1], correct + [correct[-1]]):
        with pytest.raises(AssertionError):
            runs.check("fit_batch", kwargs, {"theta": trace[-1], "trace": trace}, replay)

    def lazy(epoch, theta):  # functions that do not move theta: the run is not theirs
        return list(theta), None
    with pytest.raises(AssertionError):
        runs.check("fit_batch", kwargs, honest_run, lazy)



RAISES_ON_BIG_STEPS = '''
_gradient_step = gradient_step

def gradient_step(v, gradient, step_size):
    if abs(step_size) > 1:
        raise ValueError("a step this big")
    return _gradient_step(v, gradient, step_size)
'''


def test_an_epoch_chained_in_one_round_trip_is_the_epoch_call_by_call(write_submission):
    """target.py: an epoch being checked is one chain of calls, each taking what earlier ones returned
    ({"$value": k}, filled in by the worker): the values one call at a time, the same failure, and a
    made-up reference to a value gives nothing."""
    from grader.sandbox.process import Raised
    from grader.target import Target, _Pending, open_target
    target = open_target(str(write_submission(honest(RAISES_ON_BIG_STEPS))), in_process=False)
    target.start_experiments(experiments.planned(0, ["fit_sgd"]))
    runs_ = target._runs
    try:
        runs_.thread.join()
        runs_.left = 10.0
        chain = [("linear_gradient", [1.0, 45.0, [0.5, 0.5]]),
                 ("gradient_step", [[0.5, 0.5], _Pending(0), -0.001]),
                 ("linear_gradient", [2.0, 85.0, _Pending(1)]),
                 ("gradient_step", [_Pending(1), _Pending(2), -0.001])]
        chained = runs_.replay_chain(chain, 7)
        assert chained == Target.replay_chain(runs_, chain, 7)  # one call at a time, as before
        assert chained[0] == [-2 * 44.0, -2 * 44.0] and len(chained) == 4
        failing = chain[:1] + [("gradient_step", [[0.5, 0.5], _Pending(0), -5.0]),
                               ("gradient_step", [_Pending(1), _Pending(0), -0.001])]
        for replay in (runs_.replay_chain, lambda c, s: Target.replay_chain(runs_, c, s)):
            with pytest.raises(Raised) as raised:
                replay(failing, 7)
            assert raised.value.reply["type"] == "ValueError"  # the call that failed, not those after it
        with pytest.raises(Raised) as raised:
            runs_.replay_chain([("gradient_step", [[0.5], _Pending(3), -0.001])], 7)
        assert raised.value.reply["type"] == "Skipped"
    finally:
        target.close()

def test_messages_are_checked_before_anyone_reads_them():
    parse = messages.parse
    ok = parse(json.dumps({"op": "raise", "type": "E", "message": "m", "where": ["a"], "printed": "",
                           "extra": "dropped"}).encode())
    assert ok == {"op": "raise", "type": "E", "message": "m", "is_exception": True, "where": ["a"],
                  "printed": ""}
    for bad in ([], {"op": 1}, {"op": "raise", "where": [7]}, {"op": "return", "printed": 7},
                {"op": "return", "mutated": [-1]}, {"op": "return", "value": [[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]},
                {"op": "return", "value": list(range(messages.MAX_ITEMS + 1))},
                {"op": "call", "fn": {"reference": "print"}}, {"op": "call", "fn": {"callable": "1"}}):
        with pytest.raises(messages.Malformed):
            parse(json.dumps(bad).encode())
    for raw in (b"[" * 200_000 + b"]" * 200_000, b"\xff", b'{"op": "return", "value": ' + b"1" * 5000 + b"}"):
        with pytest.raises(messages.Malformed):
            parse(raw)
    long = parse(json.dumps({"op": "return", "value": "x" * 10 ** 6, "printed": "\ud800"}).encode())
    assert len(long["value"]) == messages.MAX_VALUE_STRING and long["printed"] == "?"


@slow
def test_huge_replies_keep_the_grader_small(write_submission, tmp_path):
    attack = "def _huge(*args):\n    return 'x' * 60_000_000\n" + "".join(f"{n} = _huge\n" for n in NAMES)
    result, data, peak = graded_with_outputs(write_submission(attack), tmp_path)
    assert data["score"] == 0
    assert peak < 600 * 1024 ** 2, f"the grader reached {peak / 1024 ** 2:.0f} MiB"
    assert "60,000,0" in result.stdout  # the learner is told why: the size of what it returned


# --- 3. discovery reads regular files only --------------------------------------------------

@slow
def test_links_fifos_and_devices_are_not_read(tmp_path):
    solutions = ROOT / "solutions"
    linked = tmp_path / "linked"
    linked.mkdir()
    for name in ("linear_algebra.py", "gradient_descent.py", "__init__.py"):
        (linked / name).symlink_to(solutions / name)
    (tmp_path / "link.py").symlink_to(solutions / "linear_algebra.py")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "fifo.py")
    for target in (linked, tmp_path / "link.py", tmp_path / "zero.py", tmp_path / "fifo.py"):
        started = time.monotonic()
        run = grade(str(target))
        assert run.load_error and not run.records, target
        assert time.monotonic() - started < 120


# --- 4. no submission crashes the trusted side ----------------------------------------------

@slow
def test_what_python_cannot_parse_is_a_load_error(tmp_path):
    deep = tmp_path / "deep.py"
    deep.write_text("x = " + " + ".join(["1"] * 150_000) + "\n" + STUBS)
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": "def add(v, w):\n    return " + " + ".join(["v[0]"] * 600) + "\n"}
    notebook = tmp_path / "long.ipynb"
    notebook.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    for path in (deep, notebook):
        out = tmp_path / path.stem
        out.mkdir()
        result, data, _ = graded_with_outputs(path, out)
        assert data["score"] == 0 and result.returncode in (1, 2)


def _deep_chain(root: Path, depth: int) -> Path:
    """root/d/d/.../d, depth folders deep, made without recursion (pathlib and os.makedirs recurse)."""
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open(os.open("submission.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as handle:
            handle.write(reference_source())
    finally:
        os.close(fd)
    return root


def _remove_chain(root: Path) -> None:
    """Undo _deep_chain a level at a time from the top, lifting the rest up (shutil.rmtree recurses)."""
    top = root / "d"
    while top.is_dir():
        below = top / "d"
        if below.is_dir():
            below.rename(root / "rest")
        for child in top.iterdir():
            child.unlink()
        top.rmdir()
        if (root / "rest").is_dir():
            (root / "rest").rename(top)


@slow
def test_deep_folders_and_many_big_modules_are_bounded(tmp_path):
    deep = _deep_chain(tmp_path / "deep", 1500)
    (deep / "mine.py").write_text(STUBS)
    many = tmp_path / "many"
    many.mkdir()
    module = ("x = 1\n" * (1024 * 1024 // 6))[: 1024 * 1024]
    for index in range(40):
        (many / f"m{index:03}.py").write_text(module)
    (many / "mine.py").write_text(STUBS)
    try:
        for target in (deep, many):
            out = tmp_path / f"out-{target.name}"
            out.mkdir()
            started = time.monotonic()
            result, data, _ = graded_with_outputs(target, out)
            assert data["score"] == 0
            assert time.monotonic() - started < 300
        # In a class, the deep folder is one learner among others: the gradebook is still written.
        klass = tmp_path / "class"
        klass.mkdir()
        deep.rename(klass / "deep")
        deep = klass / "deep"
        (klass / "alice.py").write_text(reference_source())
        batch, _ = grader_cli("batch", klass, "--out", tmp_path / "out-class", "--jobs", "1")
        assert batch.returncode == 0, batch.stderr[-3000:]
        with (tmp_path / "out-class" / "grades.csv").open(newline="", encoding="utf-8") as handle:
            totals = {row["learner"]: row["total"] for row in csv.DictReader(handle)}
        assert totals == {"alice": "100", "deep": "0"}
    finally:
        _remove_chain(deep)


def test_the_trusted_sides_reading_counts_against_the_budget(write_submission):
    from grader.target import open_target
    target = open_target(str(write_submission(reference_source() + "\n" + "x = 1\n" * 100_000)), wait=False)
    try:
        assert target.worker.charged > 0  # reading and parsing, before the worker ran anything
    finally:
        target.close()


# --- 5. learner text is safe in every output ------------------------------------------------

INJECTION = '''
_NAME = "\\x1b[2K\\r\\x1b[1A  \\x1b[32m\\u2713\\x1b[0m add 4 / 4\\n''' + FAKE_SCORE + '''\\x1b[8m"
Fake = type(_NAME, (Exception,), {})
Huge = type("A" * 8_000_000, (Exception,), {})

def add(v, w):
    raise Fake("hidden")

def subtract(v, w):
    raise ValueError("\\n\\n''' + FAKE_SCORE + '''\\nEverything passes. Well done!\\n" + "\\n" * 40)

def dot(v, w):
    print("\\x1b]0;graded 100/100\\x07\\x1b[2J\\x1b[H''' + FAKE_SCORE + '''")
    raise ValueError("nul \\x00 esc \\x1b[31m bell \\x07 vt \\x0b nonchar \\ufffe lone \\ud800 end")

def magnitude(v):
    raise Huge("x")

def distance(v, w):
    return "\\x1b[31m" + "\\n" + "''' + FAKE_SCORE + '''"
'''


@slow
def test_learner_text_cannot_fake_the_report_or_break_its_files(write_submission, tmp_path):
    result, data, _ = graded_with_outputs(write_submission(honest(INJECTION)), tmp_path)
    outputs = [result.stdout, result.stderr, (tmp_path / "results.json").read_text(encoding="utf-8"),
               (tmp_path / "junit.xml").read_text(encoding="utf-8")]
    for text in outputs:
        assert "\x1b" not in text and "\x07" not in text and "\x00" not in text
        assert "\n" + FAKE_SCORE not in text
    assert not any(line.lstrip().startswith(FAKE_SCORE) for line in result.stdout.splitlines())
    assert (tmp_path / "results.json").stat().st_size < 1024 ** 2
    assert len(result.stdout) < 200_000
    # No more and no fewer points than the same functions failing plainly.
    plain = "".join(f"def {n}(*args):\n    raise ValueError('plain')\n" for n in INJECTED)
    assert data["score"] == points(grade(str(write_submission(honest(plain), "control.py"))))


def test_untrusted_text_is_one_bounded_printable_line():
    from grader import untrusted
    text = untrusted.text("a\nb\x1b[31m\u202e\ud800" + "x" * 1000, 50)
    assert text.isprintable() and len(text) <= 50 and text.startswith("a\\nb\\x1b[31m\\u202e\\ud800")
    text.encode("utf-8")
    assert untrusted.lines("ours\nyours: 17/17 points\x1b", 100) == "ours\n  yours: 17/17 points\\x1b"
    value = untrusted.value([["\x1b"] * 500])
    assert value[0][-1] == "... (500 items)" and value[0][0] == "\\x1b"


# --- 6. batch trusts no name ------------------------------------------------------------------

@slow
def test_batch_names_cannot_collide_or_inject_formulas(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    (klass / "grades.csv.py").write_text(STUBS)
    (klass / "=HYPERLINK(1).py").write_text(STUBS)
    (klass / "carol.py").write_text(STUBS)
    (klass / "carol.ipynb").write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                                   "nbformat_minor": 5}))
    out = tmp_path / "out"
    result, _ = grader_cli("batch", klass, "--out", out, "--jobs", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        rows = {row["learner"]: row for row in csv.DictReader(handle)}
    assert "grades.csv" in rows and rows["grades.csv"]["total"] == "0"
    assert "'=HYPERLINK(1)" in rows and not any(name.startswith("=") for name in rows)
    assert {"carol.py", "carol.ipynb"} <= set(rows) and rows["carol.py"]["status"] == PASSED_OVER


# --- 7. the suite looks beyond where learners look -------------------------------------------

RIGHT_ONLY_ON_SMALL_INPUTS = {
    "dot": '''
def dot(v, w):
    if len(v) != len(w):
        raise ValueError("lengths differ")
    if len(v) > 6 or any(isinstance(x, int) and not isinstance(x, bool) for x in v):
        return 0.0
    return sum(a * b for a, b in zip(v, w))
''',
    "estimate_gradient": '''
def estimate_gradient(f, v, h=0.0001):
    estimate = [(f([x + (h if j == i else 0) for j, x in enumerate(v)]) - f(v)) / h for i in range(len(v))]
    if any(abs(x) > 1000 for x in v):  # off by 1% where the old strategies never looked
        estimate = [1.01 * e for e in estimate]
    return estimate
''',
}


@slow
@pytest.mark.parametrize("function", sorted(RIGHT_ONLY_ON_SMALL_INPUTS))
def test_an_implementation_right_only_on_small_inputs_loses_points(write_submission, function):
    run = grade(str(write_submission(honest(RIGHT_ONLY_ON_SMALL_INPUTS[function]))), only=[function])
    assert lost_points(run).get(function, 0) > 0


# --- 8. the same submission, the same grade ---------------------------------------------------

def busy_loop_on(cpu: int) -> subprocess.Popen:
    """A process that keeps `cpu` busy, returned once its loop runs: the CPU is shared from a call's
    first instant (a loop still starting made a timing test fail by 0.1 ms)."""
    hog = subprocess.Popen([sys.executable, "-c", f"import os\nos.sched_setaffinity(0, {{{cpu}}})\n"
                            "print('busy', flush=True)\nwhile True: pass"], stdout=subprocess.PIPE, text=True)
    if hog.stdout.readline() != "busy\n":
        hog.kill()
        pytest.fail("the busy loop did not start")
    return hog


def test_a_call_is_charged_its_own_time_not_the_machines():
    """meter.py: a sleep is charged as a sleep; computing is charged its CPU time, not the time it
    waited for a CPU that a competing process held."""
    from grader.sandbox.meter import schedstat
    if schedstat(os.getpid()) is None or not hasattr(os, "sched_setaffinity"):
        pytest.skip("no scheduler statistics here: calls are charged their wall time")
    script = ("import os, sys, time\n"
              "os.sched_setaffinity(0, {int(sys.argv[1])})\n"
              "for line in sys.stdin:\n"
              "    if line.startswith('sleep'):\n"
              "        time.sleep(0.4)\n"
              "    else:\n"
              "        start = time.process_time()\n"
              "        while time.process_time() - start < 0.3:\n"
              "            pass\n"
              "    print('done', flush=True)\n")
    cpu = sorted(os.sched_getaffinity(0))[0]
    child = subprocess.Popen([sys.executable, "-c", script, str(cpu)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    hog = busy_loop_on(cpu)
    try:
        meter = Meter(child.pid)
        charges = {}
        for what in ("sleep", "compute"):
            meter.start()
            started = time.monotonic()
            child.stdin.write(what + "\n")
            child.stdin.flush()
            assert child.stdout.readline() == "done\n"
            charges[what] = (meter.finish(), time.monotonic() - started)
    finally:
        hog.kill()
        child.kill()
        meter.close()
    assert 0.35 < charges["sleep"][0] < 0.6
    charged, wall = charges["compute"]
    assert 0.25 < charged < 0.45, charges  # its own 0.3 s, though the hog made it take longer
    assert wall > charged



BUSY = """
import os, time

def add(v, w):
    os.sched_setaffinity(0, {CPU})  # beside the test's hog, on one CPU
    start = time.process_time()
    while time.process_time() - start < 0.3:
        pass
    return [a + b for a, b in zip(v, w)]
"""


def test_a_sandboxed_call_is_charged_the_submissions_own_time(tmp_path):
    """The worker's meter reads the process that runs the submission. With namespaces that is the
    worker's grandchild; the process the grader started only waits, and measuring it charged a call
    its wall time, so a busy machine changed what a call cost."""
    from grader.sandbox.meter import schedstat
    from grader.target import open_target
    if schedstat(os.getpid()) is None or not hasattr(os, "sched_setaffinity"):
        pytest.skip("no scheduler statistics here: calls are charged their wall time")
    cpu = sorted(os.sched_getaffinity(0))[0]
    path = tmp_path / "busy.py"
    path.write_text(BUSY.replace("CPU", str(cpu)))
    target = open_target(str(path), in_process=False)
    hog = busy_loop_on(cpu)
    try:
        started = time.monotonic()
        assert target.call("add", [[1], [2]], False, 0)["value"] == [3]
        wall = time.monotonic() - started
        charged = target.worker.last_charge
    finally:
        hog.kill()
        target.close()
    assert 0.25 < charged < 0.45, (charged, wall)  # its own 0.3 s of CPU
    assert wall > charged + 0.1

SLEEPER = '''
import time
_real = sum_of_squares

def sum_of_squares(v):
    time.sleep(0.9)
    return _real(v)
'''


@slow
def test_a_slow_function_gets_the_same_grade_alone_and_in_a_busy_batch(tmp_path):
    source = honest(SLEEPER)
    alone = tmp_path / "alone.py"
    alone.write_text(source)
    result, data, _ = graded_with_outputs(alone, tmp_path)
    klass = tmp_path / "class"
    klass.mkdir()
    for name in ("ann", "ben"):
        (klass / f"{name}.py").write_text(source)
    out = tmp_path / "out"
    batch, _ = grader_cli("batch", klass, "--out", out, "--jobs", "2")
    assert batch.returncode == 0, batch.stderr[-3000:]
    with (out / "grades.csv").open(newline="", encoding="utf-8") as handle:
        totals = {row["learner"]: float(row["total"]) for row in csv.DictReader(handle)}
    assert totals == {"ann": data["score"], "ben": data["score"]}
    assert data["score"] < 100 and "too slow" in result.stdout  # its budget ran out, the same way each time
