"""Gradient descent from scratch (Data Science from Scratch, chapter 8).

Finish linear_algebra.py first: these functions use it. Replace each
`raise NotImplementedError` with your code, then run `python -m grader exercises`.

No function changes its arguments.
"""
import random  # noqa: F401  (minibatches needs random.shuffle)
from typing import Callable, Iterator, List, TypeVar

from .linear_algebra import Vector, add, scalar_multiply  # noqa: F401

T = TypeVar("T")


def difference_quotient(f: Callable[[float], float], x: float, h: float) -> float:
    """The forward difference quotient (f(x + h) - f(x)) / h: the slope of f near x.

    >>> difference_quotient(lambda x: x * x, 3, 0.5)   # (3.5**2 - 3**2) / 0.5
    6.5

    Hint: call f twice. Use the forward quotient, not a central one.
    """
    raise NotImplementedError("difference_quotient")


def partial_difference_quotient(f: Callable[[Vector], float], v: Vector, i: int, h: float) -> float:
    """The forward difference quotient of f at v along coordinate i.

    Build w, a copy of v in which only element i is increased by h, and return
    (f(w) - f(v)) / h. Leave v itself unchanged.

    >>> partial_difference_quotient(lambda v: v[0] * v[1], [2, 3], 0, 1)   # (3*3 - 2*3) / 1
    3.0

    Hint: [v_j + (h if j == i else 0) for j, v_j in enumerate(v)].
    """
    raise NotImplementedError("partial_difference_quotient")


def estimate_gradient(f: Callable[[Vector], float], v: Vector, h: float = 0.0001) -> Vector:
    """Estimate the gradient of f at v: one partial difference quotient per coordinate.

    >>> estimate_gradient(lambda v: v[0] * v[1], [2, 3], 1)
    [3.0, 2.0]

    Hint: use the h you are given; 0.0001 is only the default.
    """
    raise NotImplementedError("estimate_gradient")


def gradient_step(v: Vector, gradient: Vector, step_size: float) -> Vector:
    """Move step_size * gradient from v: return v + step_size * gradient.

    To go downhill, callers pass a negative step_size.

    >>> gradient_step([1, 2], [10, 20], -0.1)
    [0.0, 0.0]

    Hint: add(v, scalar_multiply(step_size, gradient)).
    """
    raise NotImplementedError("gradient_step")


def sum_of_squares_gradient(v: Vector) -> Vector:
    """The gradient of sum_of_squares at v.

    >>> sum_of_squares_gradient([1, -2, 3])
    [2, -4, 6]

    Hint: the derivative of v_i ** 2 is 2 * v_i.
    """
    raise NotImplementedError("sum_of_squares_gradient")


def linear_gradient(x: float, y: float, theta: Vector) -> Vector:
    """The gradient of the squared error (slope * x + intercept - y) ** 2 with
    respect to theta = [slope, intercept].

    >>> linear_gradient(2, 9, [3, 1])   # error = 3*2 + 1 - 9 = -2
    [-8, -4]

    Hint: with error = slope * x + intercept - y, it is [2 * error * x, 2 * error].
    """
    raise NotImplementedError("linear_gradient")


def minibatches(dataset: List[T], batch_size: int, shuffle: bool = True) -> Iterator[List[T]]:
    """Yield the dataset in contiguous batches of batch_size items (the last may be shorter).

    The batches are dataset[0:b], dataset[b:2b], ...; with shuffle=True they come
    in a random order, with shuffle=False in order. Do not shuffle the dataset itself.

    >>> list(minibatches([1, 2, 3, 4, 5], 2, shuffle=False))
    [[1, 2], [3, 4], [5]]

    Hint: shuffle a list of batch starts, range(0, len(dataset), batch_size), and
    yield dataset[start:start + batch_size] for each.
    """
    raise NotImplementedError("minibatches")
