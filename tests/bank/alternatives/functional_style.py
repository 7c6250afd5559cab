"""A correct submission in functional style: map, reduce, operator, lambdas and generators."""
import functools
import math
import operator
import random


def _check(v, w):
    if len(v) != len(w):
        raise TypeError("length mismatch")
    return v, w


add = lambda v, w: list(map(operator.add, *_check(v, w)))  # noqa: E731
subtract = lambda v, w: list(map(operator.sub, *_check(v, w)))  # noqa: E731


def vector_sum(vectors):
    if not vectors:
        raise ValueError("empty")
    return functools.reduce(add, vectors)


def scalar_multiply(c, v):
    return list(map(functools.partial(operator.mul, c), v))


def vector_mean(vectors):
    return scalar_multiply(1 / len(vectors), vector_sum(vectors))


def dot(v, w):
    return sum(map(operator.mul, *_check(v, w)))


def sum_of_squares(v):
    return dot(v, v)


def magnitude(v):
    return math.sqrt(sum_of_squares(v))


def squared_distance(v, w):
    return sum_of_squares(subtract(v, w))


def distance(v, w):
    return magnitude(subtract(v, w))


def difference_quotient(f, x, h):
    return (f(x + h) - f(x)) / h


def partial_difference_quotient(f, v, i, h):
    return difference_quotient(lambda t: f(v[:i] + [t] + v[i + 1:]), v[i], h)


def estimate_gradient(f, v, h=0.0001):
    return [partial_difference_quotient(f, v, i, h) for i, _ in enumerate(v)]


def gradient_step(v, gradient, step_size):
    return add(v, scalar_multiply(step_size, gradient))


def sum_of_squares_gradient(v):
    return scalar_multiply(2, v)


def linear_gradient(x, y, theta):
    error = dot(theta, [x, 1]) - y
    return scalar_multiply(2 * error, [x, 1])


def minibatches(dataset, batch_size, shuffle=True):
    starts = list(range(0, len(dataset), batch_size))
    if shuffle:
        random.shuffle(starts)
    yield from (dataset[start:start + batch_size] for start in starts)
