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
"""
import math
import random
from typing import Dict, List, Sequence, Tuple

TRUE_SLOPE = 40
TRUE_INTERCEPT = 5
NOISE_SIGMA = 0.2

SETTINGS: Dict[str, Dict[str, float]] = {
    "descend_sum_of_squares": {"step_size": 0.01, "epochs": 1000},
    "fit_batch": {"learning_rate": 0.001, "epochs": 5000},
    "fit_minibatch": {"learning_rate": 0.0005, "epochs": 2000, "batch_size": 20},
    "fit_sgd": {"learning_rate": 0.0001, "epochs": 400},
}

TRACE_POINTS = 50  # how many snapshots of theta a run records for plots


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
    slope = math.fsum((x - mean_x) * (y - mean_y) for x, y in data) / math.fsum((x - mean_x) ** 2 for x, _ in data)
    return [slope, mean_y - slope * mean_x]


def mean_squared_error(data: Sequence[Tuple[float, float]], theta: Sequence[float]) -> float:
    slope, intercept = theta
    return math.fsum((slope * x + intercept - y) ** 2 for x, y in data) / len(data)


def _every(epochs: int) -> int:
    return max(1, epochs // TRACE_POINTS)


def descend_sum_of_squares(fns, start: List[float], step_size: float, epochs: int) -> Dict:
    """Gradient descent on sum_of_squares from start; returns the end point and its distance to 0."""
    v = start
    trace = []
    for epoch in range(int(epochs)):
        grad = fns.sum_of_squares_gradient(v)
        v = fns.gradient_step(v, grad, -step_size)
        if epoch % _every(epochs) == 0:
            trace.append(v)
    return {"theta": v, "distance": fns.distance(v, [0] * len(start)), "trace": trace}


def fit_batch(fns, data, theta: List[float], learning_rate: float, epochs: int) -> Dict:
    """Full-batch gradient descent on the mean squared error of data."""
    trace = []
    for epoch in range(int(epochs)):
        grad = fns.vector_mean([fns.linear_gradient(x, y, theta) for x, y in data])
        theta = fns.gradient_step(theta, grad, -learning_rate)
        if epoch % _every(epochs) == 0:
            trace.append(theta)
    return {"theta": theta, "trace": trace}


def fit_minibatch(fns, data, theta: List[float], learning_rate: float, epochs: int, batch_size: int) -> Dict:
    """Minibatch gradient descent: one step per batch, batches in a new order each epoch."""
    trace = []
    for epoch in range(int(epochs)):
        for batch in fns.minibatches(data, int(batch_size)):
            grad = fns.vector_mean([fns.linear_gradient(x, y, theta) for x, y in batch])
            theta = fns.gradient_step(theta, grad, -learning_rate)
        if epoch % _every(epochs) == 0:
            trace.append(theta)
    return {"theta": theta, "trace": trace}


def fit_sgd(fns, data, theta: List[float], learning_rate: float, epochs: int) -> Dict:
    """Stochastic gradient descent: one step per point, points in a new order each epoch."""
    order = list(data)
    trace = []
    for epoch in range(int(epochs)):
        random.shuffle(order)
        for x, y in order:
            grad = fns.linear_gradient(x, y, theta)
            theta = fns.gradient_step(theta, grad, -learning_rate)
        if epoch % _every(epochs) == 0:
            trace.append(theta)
    return {"theta": theta, "trace": trace}


DRIVERS = {
    "descend_sum_of_squares": descend_sum_of_squares,
    "fit_batch": fit_batch,
    "fit_minibatch": fit_minibatch,
    "fit_sgd": fit_sgd,
}


def arguments(name: str, seed: int) -> Dict:
    """The keyword arguments of experiment `name` for seed (without the functions)."""
    if name == "descend_sum_of_squares":
        return {"start": starting_point(seed, 3, -10, 10), **SETTINGS[name]}
    return {"data": noisy_data(seed), "theta": starting_point(seed, 2, -1, 1), **SETTINGS[name]}
