"""Reference solutions: gradient descent (Data Science from Scratch, ch. 8)."""
import random
from typing import Callable, Iterator, List, TypeVar

from .linear_algebra import Vector, add, scalar_multiply

T = TypeVar("T")


def difference_quotient(f: Callable[[float], float], x: float, h: float) -> float:
    """The forward difference quotient (f(x + h) - f(x)) / h."""
    return (f(x + h) - f(x)) / h


def partial_difference_quotient(f: Callable[[Vector], float], v: Vector, i: int, h: float) -> float:
    """The i-th forward difference quotient of f at v."""
    w = [v_j + (h if j == i else 0) for j, v_j in enumerate(v)]
    return (f(w) - f(v)) / h


def estimate_gradient(f: Callable[[Vector], float], v: Vector, h: float = 0.0001) -> Vector:
    """All partial difference quotients of f at v."""
    return [partial_difference_quotient(f, v, i, h) for i in range(len(v))]


def gradient_step(v: Vector, gradient: Vector, step_size: float) -> Vector:
    """Moves step_size * gradient from v."""
    if len(v) != len(gradient):
        raise ValueError("v and gradient must be the same length")
    step = scalar_multiply(step_size, gradient)
    return add(v, step)


def sum_of_squares_gradient(v: Vector) -> Vector:
    """The gradient of sum_of_squares at v."""
    return [2 * v_i for v_i in v]


def linear_gradient(x: float, y: float, theta: Vector) -> Vector:
    """The gradient of (slope * x + intercept - y) ** 2 with respect to [slope, intercept]."""
    slope, intercept = theta
    predicted = slope * x + intercept
    error = predicted - y
    return [2 * error * x, 2 * error]


def minibatches(dataset: List[T], batch_size: int, shuffle: bool = True) -> Iterator[List[T]]:
    """Generates contiguous batches of batch_size items, in shuffled order if shuffle."""
    batch_starts = list(range(0, len(dataset), batch_size))
    if shuffle:
        random.shuffle(batch_starts)
    for start in batch_starts:
        yield dataset[start:start + batch_size]
