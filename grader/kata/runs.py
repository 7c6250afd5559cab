"""Check, on the trusted side, the run of an experiment that a submission reported.

An experiment runs inside the sandbox, and its reply may be forged: learner code can
write any reply onto the worker's pipe, a trajectory that converges included. So a
reported run is believed only when

1. it has the shape of a run: theta after every one of the epochs, the last being the
   reported theta (and, for fit_minibatch, each epoch's order of batches);
2. it follows, epoch by epoch, the run correct functions make from the trusted
   starting point on the trusted data (`reference_trace`, computed here in closed form,
   with the run's own batch orders), within a tolerance that any correct
   implementation meets and a shortcut to the answer does not;
3. replaying a few of its epochs here, one sandboxed call of the learner's own
   functions at a time (experiments.run_epoch), gives exactly the epochs it reported.
   Epoch 0 is always among them (it leaves the trusted start), the others are picked
   from a hash of the run, so they are the same for the same run.

A correct implementation passes all three whatever epochs are picked. Together they
mean that the learner's own functions, not a formula written in the worker, took the
steps of a correct run. A run that does not end near the answer is not checked: it
earns nothing anyway, and the experiment's test says why in its own words.
"""
import hashlib
import json
import math
import random
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..expect import Mismatch
from ..text import say
from .experiments import epoch_seed

CHECKED_EPOCHS = 3  # epoch 0 and two picked from the run's hash
TRACE_TOLERANCE = 1e-6  # relative (to max(1, |value|)) difference from the correct run
REPLAY_TOLERANCE = 1e-9  # the same code on the same numbers gives the same numbers

Replay = Callable[[int, List[float]], Tuple[List[float], Optional[List[int]]]]


def check(name: str, kwargs: Dict, result, replay: Replay) -> None:
    """Raise Mismatch unless result is a run of experiment `name` the learner's functions made.

    replay(epoch, theta) runs that one epoch from theta with the learner's functions
    (in the sandbox) and returns the new theta and, for fit_minibatch, where that
    epoch's batches start in the data (None when they are not slices of it).
    """
    if not near_answer(name, kwargs, result.get("theta") if isinstance(result, dict) else None):
        return
    title = say("sandbox.run_title", experiment=name)
    start = list(kwargs["start"] if name == "descend_sum_of_squares" else kwargs["theta"])
    epochs = int(kwargs["epochs"])
    trace = result.get("trace") if isinstance(result, dict) else None
    orders = result.get("orders") if isinstance(result, dict) else None
    if not (isinstance(trace, list) and len(trace) == epochs and all(_is_vector(t, len(start)) for t in trace)
            and _same(trace[-1], result.get("theta"))):
        raise Mismatch(title, say("sandbox.run_shape_expected", epochs=epochs), _summary(trace),
                       say("sandbox.run_shape"))
    if name == "fit_minibatch":
        n, size = len(kwargs["data"]), int(kwargs["batch_size"])
        slices = sorted(range(0, n, size))
        if not (isinstance(orders, list) and len(orders) == epochs):
            raise Mismatch(title, say("sandbox.run_shape_expected", epochs=epochs), _summary(trace),
                           say("sandbox.run_shape"))
        for epoch, order in enumerate(orders):
            if not (isinstance(order, list) and all(type(s) is int for s in order)
                    and sorted(order) == slices):
                raise Mismatch(f"{title}, epoch {epoch}", say("sandbox.run_slices_expected"), order,
                               say("sandbox.run_not_slices"))
    correct = reference_trace(name, kwargs, orders)
    for epoch, (got, expected) in enumerate(zip(trace, correct)):
        if not _close(got, expected, TRACE_TOLERANCE):
            raise Mismatch(f"{title}, epoch {epoch}", expected, got, say("sandbox.run_not_correct"))
    for epoch in chosen_epochs(trace, CHECKED_EPOCHS):
        before = start if epoch == 0 else trace[epoch - 1]
        theta, starts = replay(epoch, before)
        if not _close(theta, trace[epoch], REPLAY_TOLERANCE) or \
                (name == "fit_minibatch" and starts != orders[epoch]):
            raise Mismatch(f"{title}, epoch {epoch}", trace[epoch], theta, say("sandbox.run_not_yours"))


def near_answer(name: str, kwargs: Dict, theta) -> bool:
    """Whether theta is close enough to the experiment's answer that the run could pass its test.

    Looser than any test's own tolerance: a run that could earn points is always checked."""
    if name == "descend_sum_of_squares":
        return _is_vector(theta, 3) and all(math.isfinite(x) for x in theta) and math.hypot(*theta) < 0.01
    from .experiments import least_squares
    return _is_vector(theta, 2) and all(math.isfinite(x) and abs(x - best) < 1.0
                                        for x, best in zip(theta, least_squares(kwargs["data"])))


def chosen_epochs(trace: List, count: int) -> List[int]:
    """Epoch 0 and count - 1 others, picked from a hash of the run: the same run, the same epochs."""
    epochs = len(trace)
    digest = hashlib.sha256(json.dumps(trace).encode()).hexdigest()
    others = random.Random(digest).sample(range(1, epochs), min(count - 1, epochs - 1)) if epochs > 1 else []
    return [0] + sorted(others)


def reference_trace(name: str, kwargs: Dict, orders: Optional[List[List[int]]] = None) -> List[List[float]]:
    """theta after every epoch of a correct run of experiment `name` (with these batch orders).

    The arithmetic of the reference solutions, done inline: a run costs milliseconds,
    not the seconds of the same run through the functions.
    """
    epochs = int(kwargs["epochs"])
    if name == "descend_sum_of_squares":
        step = -kwargs["step_size"]
        v = list(kwargs["start"])
        out = []
        for _ in range(epochs):
            v = [x + step * (2 * x) for x in v]
            out.append(v)
        return out
    data, step = kwargs["data"], -kwargs["learning_rate"]
    slope, intercept = kwargs["theta"]
    out = []
    if name == "fit_sgd":
        for epoch in range(epochs):
            order = list(data)
            random.Random(epoch_seed(kwargs.get("seed", 0), epoch)).shuffle(order)
            for x, y in order:
                error = (slope * x + intercept) - y
                slope, intercept = slope + step * (2 * error * x), intercept + step * (2 * error)
            out.append([slope, intercept])
        return out
    if name == "fit_batch":
        sums = _sums(data)
        for _ in range(epochs):
            slope, intercept = _batch_step(slope, intercept, sums, step)
            out.append([slope, intercept])
        return out
    if name == "fit_minibatch":
        size = int(kwargs["batch_size"])
        sums = {start: _sums(data[start:start + size]) for start in range(0, len(data), size)}
        for order in orders:
            for start in order:
                slope, intercept = _batch_step(slope, intercept, sums[start], step)
            out.append([slope, intercept])
        return out
    raise KeyError(name)


def _sums(points: Sequence) -> Tuple[int, float, float, float, float]:
    return (len(points), math.fsum(x for x, _ in points), math.fsum(y for _, y in points),
            math.fsum(x * x for x, _ in points), math.fsum(x * y for x, y in points))


def _batch_step(slope: float, intercept: float, sums, step: float) -> Tuple[float, float]:
    """One step on the mean gradient of a batch, from its sums (the mean of 2 * error * [x, 1])."""
    n, sx, sy, sxx, sxy = sums
    grad_slope = 2 * (slope * sxx + intercept * sx - sxy) / n
    grad_intercept = 2 * (slope * sx + intercept * n - sy) / n
    return slope + step * grad_slope, intercept + step * grad_intercept


def _is_vector(value, dim: int) -> bool:
    return isinstance(value, list) and len(value) == dim and \
        all(type(x) in (int, float) for x in value)


def _close(got, expected, tolerance: float) -> bool:
    if not (isinstance(got, list) and isinstance(expected, list) and len(got) == len(expected)):
        return False
    for g, e in zip(got, expected):
        if type(g) not in (int, float):
            return False
        if math.isnan(e) or math.isnan(g):
            if not (math.isnan(e) and math.isnan(g)):
                return False
        elif math.isinf(e) or math.isinf(g):
            if g != e:
                return False
        elif abs(g - e) > tolerance * max(1.0, abs(e)):
            return False
    return True


def _same(a, b) -> bool:
    return _close(a, b, 0.0)


def _summary(trace) -> str:
    if not isinstance(trace, list):
        return type(trace).__name__
    return f"a list of {len(trace)} items"
