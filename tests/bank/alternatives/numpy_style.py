"""A correct submission in numpy style: arrays in, arrays and numpy scalars out."""

import numpy as np


def add(v, w):
    v, w = np.asarray(v, dtype=float), np.asarray(w, dtype=float)
    if v.shape != w.shape:
        raise ValueError("shapes differ")
    return v + w


def subtract(v, w):
    v, w = np.asarray(v, dtype=float), np.asarray(w, dtype=float)
    if v.shape != w.shape:
        raise ValueError("shapes differ")
    return v - w


def vector_sum(vectors):
    return np.sum(np.array(vectors, dtype=float), axis=0) if len(vectors) else np.zeros(0)[1]


def scalar_multiply(c, v):
    return c * np.asarray(v, dtype=float)


def vector_mean(vectors):
    return np.mean(np.array(vectors, dtype=float), axis=0)


def dot(v, w):
    return np.dot(np.asarray(v, dtype=float), np.asarray(w, dtype=float))


def sum_of_squares(v):
    return np.sum(np.square(v))


def magnitude(v):
    return np.linalg.norm(v)


def squared_distance(v, w):
    return sum_of_squares(subtract(v, w))


def distance(v, w):
    return np.sqrt(squared_distance(v, w))


def difference_quotient(f, x, h):
    return (f(x + h) - f(x)) / h


def partial_difference_quotient(f, v, i, h):
    w = np.array(v, dtype=float)
    w[i] += h
    return (f(list(w)) - f(v)) / h


def estimate_gradient(f, v, h=0.0001):
    return np.array([partial_difference_quotient(f, v, i, h) for i in range(len(v))])


def gradient_step(v, gradient, step_size):
    return np.asarray(v, dtype=float) + step_size * np.asarray(gradient, dtype=float)


def sum_of_squares_gradient(v):
    return 2 * np.asarray(v, dtype=float)


def linear_gradient(x, y, theta):
    slope, intercept = theta
    error = slope * x + intercept - y
    return np.array([2 * error * x, 2 * error])


def minibatches(dataset, batch_size, shuffle=True):
    starts = np.arange(0, len(dataset), batch_size)
    if shuffle:
        np.random.shuffle(starts)
    return [dataset[s:s + batch_size] for s in starts]
