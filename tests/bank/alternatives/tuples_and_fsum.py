"""A correct submission that returns tuples and sums with math.fsum and math.hypot."""
import math
import random


def _same(v, w):
    if len(v) != len(w):
        raise IndexError("different lengths")


def add(v, w):
    _same(v, w)
    return tuple(a + b for a, b in zip(v, w))


def subtract(v, w):
    _same(v, w)
    return tuple(a - b for a, b in zip(v, w))


def vector_sum(vectors):
    first = vectors[0]  # IndexError for an empty list
    for v in vectors:
        _same(first, v)
    return tuple(math.fsum(column) for column in zip(*vectors))


def scalar_multiply(c, v):
    return tuple(c * x for x in v)


def vector_mean(vectors):
    return tuple(math.fsum(column) / len(vectors) for column in zip(*vectors))


def dot(v, w):
    _same(v, w)
    return math.fsum(a * b for a, b in zip(v, w))


def sum_of_squares(v):
    return math.fsum(x * x for x in v)


def magnitude(v):
    return math.hypot(*v)


def squared_distance(v, w):
    return math.fsum((a - b) ** 2 for a, b in zip(v, w))


def distance(v, w):
    return math.dist(v, w)


def difference_quotient(f, x, h):
    return (f(x + h) - f(x)) / h


def partial_difference_quotient(f, v, i, h):
    w = list(v)
    w[i] = w[i] + h
    return (f(w) - f(v)) / h


def estimate_gradient(f, v, h=0.0001):
    return tuple(partial_difference_quotient(f, v, i, h) for i in range(len(v)))


def gradient_step(v, gradient, step_size):
    return tuple(x + step_size * g for x, g in zip(v, gradient))


def sum_of_squares_gradient(v):
    return tuple(x + x for x in v)


def linear_gradient(x, y, theta):
    slope, intercept = theta
    error = (slope * x + intercept) - y
    return (2 * error * x, 2 * error)


def minibatches(dataset, batch_size, shuffle=True):
    starts = list(range(0, len(dataset), batch_size))
    if shuffle:
        starts = random.sample(starts, len(starts))
    return (tuple(dataset[s:s + batch_size]) for s in starts)
