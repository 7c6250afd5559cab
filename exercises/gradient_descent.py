"""Gradient descent from scratch (Data Science from Scratch, chapter 8).

Finish linear_algebra.py first: these functions use it. Replace each
`raise NotImplementedError` with your code, then run `python -m grader exercises`.

No function changes its arguments. Stuck? `python -m grader exercises --hint NAME`
gives a hint for function NAME, one step more each time you ask.
"""
import random  # noqa: F401  (minibatches needs random.shuffle)
from typing import Callable, Iterator, List, TypeVar

from .linear_algebra import Vector, add, scalar_multiply  # noqa: F401

T = TypeVar("T")


def difference_quotient(f: Callable[[float], float], x: float, h: float) -> float:
    """Return the forward difference quotient of f at x with step h: the slope of the
    straight line through the points (x, f(x)) and (x + h, f(x + h)).

    Forward means f is evaluated at x and at x + h only, not at x - h (that would be
    the central quotient). h is a nonzero number.

    >>> difference_quotient(lambda x: x * x, 3, 0.5)
    6.5
    """
    raise NotImplementedError("difference_quotient")


def partial_difference_quotient(f: Callable[[Vector], float], v: Vector, i: int, h: float) -> float:
    """Return the forward difference quotient of f at v along coordinate i, with step h:
    the slope of f between v and the point that equals v except that its coordinate i
    is larger by h.

    f takes a vector and returns a number. Only coordinate i moves; leave v unchanged.

    >>> partial_difference_quotient(lambda v: v[0] * v[1], [2, 3], 0, 1)
    3.0
    """
    raise NotImplementedError("partial_difference_quotient")


def estimate_gradient(f: Callable[[Vector], float], v: Vector, h: float = 0.0001) -> Vector:
    """Return an estimate of the gradient of f at v: a list with one element per
    coordinate of v, element i being the partial difference quotient of f at v along
    coordinate i, with step h.

    Use the h you are given; it is 0.0001 only when the caller leaves it out.
    Leave v unchanged.

    >>> estimate_gradient(lambda v: v[0] * v[1], [2, 3], 1)
    [3.0, 2.0]
    """
    raise NotImplementedError("estimate_gradient")


def gradient_step(v: Vector, gradient: Vector, step_size: float) -> Vector:
    """Return the point reached by moving from v by step_size times the gradient: a new
    vector whose element i is v[i] + step_size * gradient[i].

    v and gradient have the same length. The step is taken as given: to go downhill,
    callers pass a negative step_size. Leave v and gradient unchanged.

    >>> gradient_step([1, 2], [10, 20], -0.1)
    [0.0, 0.0]
    """
    raise NotImplementedError("gradient_step")


def sum_of_squares_gradient(v: Vector) -> Vector:
    """Return the exact gradient of sum_of_squares at v: a new list whose element i is
    the partial derivative of v[0]**2 + v[1]**2 + ... with respect to v[i].

    Work it out with calculus, not with a numerical estimate. Leave v unchanged.

    >>> sum_of_squares_gradient([1, -2, 3])
    [2, -4, 6]
    """
    raise NotImplementedError("sum_of_squares_gradient")


def linear_gradient(x: float, y: float, theta: Vector) -> Vector:
    """Return the exact gradient of one data point's squared error with respect to
    theta = [slope, intercept].

    The model predicts slope * x + intercept for the input x, so the squared error
    of the point (x, y) is (slope * x + intercept - y) ** 2. Return its two partial
    derivatives, with respect to slope first and to intercept second.
    Leave theta unchanged.

    >>> linear_gradient(2, 9, [3, 1])
    [-8, -4]
    """
    raise NotImplementedError("linear_gradient")


def minibatches(dataset: List[T], batch_size: int, shuffle: bool = True) -> Iterator[List[T]]:
    """Yield the dataset in batches (lists) of batch_size items, one batch at a time.

    The batches are contiguous slices: the first batch_size items, the next batch_size
    items, and so on; the last batch holds whatever is left and may be shorter. Every
    item is in exactly one batch. With shuffle=False the batches come in that order.
    With shuffle=True (the default) they come in a random order, a new one on each
    call: shuffle the order of the batches, never the items inside them, and never
    the dataset itself, which must be left unchanged.

    >>> list(minibatches([1, 2, 3, 4, 5], 2, shuffle=False))
    [[1, 2], [3, 4], [5]]
    """
    raise NotImplementedError("minibatches")
