"""The chapter's experiments: data, settings, and the training loops.

The loops take the functions they use as a namespace (anything with attributes
`gradient_step`, `linear_gradient`, ...), so the same code drives the reference
solutions, a learner's submission inside the sandbox, and the notebooks.

Settings, chosen so the reference converges on noisy data for every seed
(`tests/test_experiments.py` checks many seeds):

* full batch: learning rate 0.001, 5000 epochs. The intercept only shrinks by a
  factor (1 - 2 * lr) per epoch, so it needs thousands of epochs at a stable rate.
* minibatch: batch size 20, learning rate 0.0005, 2000 epochs. 0.001 is unstable on
  the batches at the ends of the x range, where 2 * lr * mean(x^2) > 2.
* stochastic: learning rate 0.0001, 400 epochs, visiting the points in a new random
  order each epoch. The seed notebook's 0.001 diverges on noisy data
  (2 * lr * max(x^2) = 5 > 2), and the book's fixed order biases the intercept.

A run reports theta after every epoch, and each epoch draws its randomness from its
own seed, so that the trusted side can replay any epoch on its own and check the run
it was told about (kata/runs.py): a reply from the sandbox is never believed as it is.
"""
import copy
import math
import random
import sys
import zlib
from typing import Dict, List, Optional, Sequence, Tuple

from ..plain import NotPlain

TRUE_SLOPE = 40
TRUE_INTERCEPT = 5
NOISE_SIGMA = 0.2

SETTINGS: Dict[str, Dict[str, float]] = {
    "descend_sum_of_squares": {"step_size": 0.01, "epochs": 1000},
    "fit_batch": {"learning_rate": 0.001, "epochs": 5000},
    "fit_minibatch": {"learning_rate": 0.0005, "epochs": 2000, "batch_size": 20},
    "fit_sgd": {"learning_rate": 0.0001, "epochs": 400},
}

TRACE_POINTS = 50  # how many snapshots of theta a plot shows


def noisy_data(seed: int, sigma: float = NOISE_SIGMA) -> List[Tuple[int, float]]:
    """The chapter's data: y = 40x + 5 plus Gaussian noise, for x in range(-50, 50)."""
    rng = random.Random(seed)
    return [(x, TRUE_SLOPE * x + TRUE_INTERCEPT + rng.gauss(0, sigma)) for x in range(-50, 50)]


def starting_point(seed: int, dim: int, low: float, high: float) -> List[float]:
    rng = random.Random(f"start-{seed}")
    return [rng.uniform(low, high) for _ in range(dim)]


def least_squares(data: Sequence[Tuple[float, float]]) -> List[float]:
    """The closed-form least-squares [slope, intercept] of data."""
    n = len(data)
    mean_x = math.fsum(x for x, _ in data) / n
    mean_y = math.fsum(y for _, y in data) / n
    slope = (math.fsum((x - mean_x) * (y - mean_y) for x, y in data)
             / math.fsum((x - mean_x) ** 2 for x, _ in data))
    return [slope, mean_y - slope * mean_x]


def mean_squared_error(data: Sequence[Tuple[float, float]], theta: Sequence[float]) -> float:
    slope, intercept = theta
    return math.fsum((slope * x + intercept - y) ** 2 for x, y in data) / len(data)


def epoch_seed(seed: int, epoch: int) -> int:
    """The random seed of one epoch of a run: any epoch can be replayed on its own."""
    return zlib.crc32(f"{seed}:epoch:{epoch}".encode())


def reseed(seed: int) -> None:
    """Seed `random` (and numpy's, if loaded) as the sandbox seeds a call (runtime.seed_randomness)."""
    random.seed(seed)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        try:
            numpy.random.seed(seed % 2 ** 32)
        except Exception:
            pass


def run_epoch(name: str, fns, kwargs: Dict, theta, epoch: int):
    """One epoch of experiment `name` from theta with fns' functions; the new theta.

    The body of every training loop, and the only copy of it: the drivers below run it
    epoch after epoch inside the sandbox, and the trusted side runs it again, one call
    at a time, to check epochs of a reported run (kata/runs.py). Randomness comes from
    the epoch's seed: fit_minibatch's is `random`, seeded by the caller (see `run`),
    fit_sgd's order a generator of its own.
    """
    if name == "descend_sum_of_squares":
        return fns.gradient_step(theta, fns.sum_of_squares_gradient(theta), -kwargs["step_size"])
    data, rate = kwargs["data"], kwargs["learning_rate"]
    linear_gradient, vector_mean, gradient_step = fns.linear_gradient, fns.vector_mean, fns.gradient_step
    # The trusted side's fns make independent calls in one round trip (`each`); the same calls.
    each = getattr(fns, "each", None)
    if name == "fit_batch":
        grads = each("linear_gradient", [(x, y, theta) for x, y in data]) if each \
            else [linear_gradient(x, y, theta) for x, y in data]
        return gradient_step(theta, vector_mean(grads), -rate)
    if name == "fit_minibatch":
        for batch in list(fns.minibatches(data, int(kwargs["batch_size"]))):
            grads = each("linear_gradient", [(x, y, theta) for x, y in batch]) if each \
                else [linear_gradient(x, y, theta) for x, y in batch]
            theta = gradient_step(theta, vector_mean(grads), -rate)
        return theta
    if name == "fit_sgd":
        order = list(data)
        random.Random(epoch_seed(kwargs.get("seed", 0), epoch)).shuffle(order)
        for x, y in order:
            theta = gradient_step(theta, linear_gradient(x, y, theta), -rate)
        return theta
    raise KeyError(name)


def run(name: str, fns, kwargs: Dict) -> Dict:
    """Experiment `name` with fns' functions: {"theta", "trace"} (and "distance", or "orders").

    trace holds theta after every epoch, so that any epoch can be checked on its own.
    For fit_minibatch, orders holds each epoch's batches as the indexes where they start
    in the data (None for an epoch whose batches were not slices of it).
    """
    theta = kwargs["start"] if name == "descend_sum_of_squares" else kwargs["theta"]
    seed = kwargs.get("seed", 0)
    trace, orders = [], []
    minibatch = name == "fit_minibatch"
    watched = _Batches(fns, kwargs["data"], int(kwargs.get("batch_size", 1))) if minibatch else fns
    dim = len(theta)
    for epoch in range(int(kwargs["epochs"])):
        reseed(epoch_seed(seed, epoch))
        if minibatch:
            watched.epoch = epoch
        theta = run_epoch(name, watched, kwargs, theta, epoch)
        if not hasattr(theta, "__len__") or len(theta) != dim:  # stop now: the run cannot go anywhere
            raise NotPlain("theta", epoch=epoch, dim=dim, type=type(theta).__name__[:80])
        trace.append(_kept(theta))
        if name == "fit_minibatch":
            orders.append(watched.starts)
    result = {"theta": theta, "trace": trace}
    if name == "descend_sum_of_squares":
        result["distance"] = fns.distance(theta, [0] * len(kwargs["start"]))
    if name == "fit_minibatch":
        result["orders"] = orders
    return result


def batch_starts(batches, data, index: Optional[Dict] = None) -> Optional[List[int]]:
    """Where each batch starts in data, if every batch is a slice of it; else None.

    index maps _key(point) to its position in data (made from data when not given)."""
    index = index if index is not None else {_key(point): i for i, point in enumerate(data)}
    starts = []
    try:
        for batch in batches:
            start = index.get(_key(batch[0])) if len(batch) else None
            if start is None:
                return None
            piece = data[start:start + len(batch)]
            if list(batch) != piece and [_key(p) for p in batch] != [_key(p) for p in piece]:
                return None
            starts.append(start)
    except Exception:  # the learner's batches may be anything
        return None
    return starts


def _key(point):
    return tuple(float(v) for v in point)


class _Batches:
    """fns, noting where the batches minibatches returns start in the data (for the run's orders).

    An epoch whose batches are not the data's slices, each once, stops the run (NotPlain
    "batches"): no such run passes (kata/runs.py refuses its orders), and one that repeats
    points (overlapping batches) would otherwise cost many times the time of a correct run.
    """

    def __init__(self, fns, data, batch_size: int):
        self._fns, self._data, self.starts, self.epoch = fns, data, None, 0
        self._index = {_key(point): i for i, point in enumerate(data)}
        self._slices = list(range(0, len(data), max(batch_size, 1)))

    def minibatches(self, dataset, batch_size):
        batches = list(self._fns.minibatches(dataset, batch_size))
        self.starts = batch_starts(batches, self._data, self._index)
        if self.starts is None or sorted(self.starts) != self._slices:
            raise NotPlain("batches", epoch=self.epoch)
        return batches

    def __getattr__(self, name):
        return getattr(self._fns, name)


def _kept(theta):
    """A copy of theta as it is now: a learner's gradient_step may change its vector in place."""
    try:
        return copy.copy(theta)
    except Exception:
        return theta


def descend_sum_of_squares(fns, start: List[float], step_size: float, epochs: int, seed: int = 0) -> Dict:
    """Gradient descent on sum_of_squares from start; returns the end point and its distance to 0."""
    return run("descend_sum_of_squares", fns,
               dict(start=start, step_size=step_size, epochs=epochs, seed=seed))


def fit_batch(fns, data, theta: List[float], learning_rate: float, epochs: int, seed: int = 0) -> Dict:
    """Full-batch gradient descent on the mean squared error of data."""
    return run("fit_batch", fns,
               dict(data=data, theta=theta, learning_rate=learning_rate, epochs=epochs, seed=seed))


def fit_minibatch(fns, data, theta: List[float], learning_rate: float, epochs: int, batch_size: int,
                  seed: int = 0) -> Dict:
    """Minibatch gradient descent: one step per batch, batches in a new order each epoch."""
    return run("fit_minibatch", fns, dict(data=data, theta=theta, learning_rate=learning_rate, epochs=epochs,
                                          batch_size=batch_size, seed=seed))


def fit_sgd(fns, data, theta: List[float], learning_rate: float, epochs: int, seed: int = 0) -> Dict:
    """Stochastic gradient descent: one step per point, points in a new order each epoch."""
    return run("fit_sgd", fns,
               dict(data=data, theta=theta, learning_rate=learning_rate, epochs=epochs, seed=seed))


def downsample(trace: List, epochs: int) -> List:
    """A run's trace of every epoch thinned to about TRACE_POINTS snapshots (epochs 0, k, 2k, ...)."""
    if not isinstance(trace, list) or len(trace) != epochs:
        return trace
    return trace[::max(1, int(epochs) // TRACE_POINTS)]


def planned(run_seed: int, names: Sequence[str]) -> List[Dict]:
    """The runs of experiments `names` in a grading of seed run_seed: [{"name", "kwargs", "seed"}].

    seed is the experiment call's own (for the worker's randomness), the same for the same
    run seed and experiment everywhere; the data and start come from run_seed (`arguments`)."""
    return [{"name": name, "kwargs": arguments(name, run_seed),
             "seed": zlib.crc32(f"{run_seed}:experiment:{name}".encode())} for name in names]


DRIVERS = {
    "descend_sum_of_squares": descend_sum_of_squares,
    "fit_batch": fit_batch,
    "fit_minibatch": fit_minibatch,
    "fit_sgd": fit_sgd,
}


def arguments(name: str, seed: int) -> Dict:
    """The keyword arguments of experiment `name` for seed (without the functions)."""
    if name == "descend_sum_of_squares":
        return {"start": starting_point(seed, 3, -10, 10), **SETTINGS[name], "seed": seed}
    return {"data": noisy_data(seed), "theta": starting_point(seed, 2, -1, 1), **SETTINGS[name], "seed": seed}
