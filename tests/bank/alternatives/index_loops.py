"""A correct submission written with index loops and accumulators, the way many beginners do."""
import math
import random


def add(v, w):
    if len(v) != len(w):
        raise ValueError("vectors must be the same length")
    result = []
    for i in range(len(v)):
        result.append(v[i] + w[i])
    return result


def subtract(v, w):
    assert len(v) == len(w), "vectors must be the same length"
    result = []
    for i in range(len(v)):
        result.append(v[i] - w[i])
    return result


def vector_sum(vectors):
    assert len(vectors) > 0
    result = [0] * len(vectors[0])
    for vector in vectors:
        result = add(result, vector)
    return result


def scalar_multiply(c, v):
    result = []
    for i in range(len(v)):
        result.append(c * v[i])
    return result


def vector_mean(vectors):
    total = vector_sum(vectors)
    result = []
    for i in range(len(total)):
        result.append(total[i] / len(vectors))
    return result


def dot(v, w):
    assert len(v) == len(w)
    total = 0
    for i in range(len(v)):
        total += v[i] * w[i]
    return total


def sum_of_squares(v):
    total = 0.0
    for x in v:
        total += x ** 2
    return total


def magnitude(v):
    return sum_of_squares(v) ** 0.5


def squared_distance(v, w):
    total = 0
    for i in range(len(v)):
        total += (v[i] - w[i]) * (v[i] - w[i])
    return total


def distance(v, w):
    return math.sqrt(squared_distance(v, w))


def difference_quotient(f, x, h):
    return (f(x + h) - f(x)) / h


def partial_difference_quotient(f, v, i, h):
    w = v.copy()
    w[i] += h
    return (f(w) - f(v)) / h


def estimate_gradient(f, v, h=0.0001):
    gradient = []
    for i in range(len(v)):
        gradient.append(partial_difference_quotient(f, v, i, h))
    return gradient


def gradient_step(v, gradient, step_size):
    new_v = []
    for i in range(len(v)):
        new_v.append(v[i] + step_size * gradient[i])
    return new_v


def sum_of_squares_gradient(v):
    return [2 * x for x in v]


def linear_gradient(x, y, theta):
    predicted = theta[0] * x + theta[1]
    error = predicted - y
    return [2 * error * x, 2 * error]


def minibatches(dataset, batch_size, shuffle=True):
    batches = []
    for start in range(0, len(dataset), batch_size):
        batches.append(dataset[start:start + batch_size])
    if shuffle:
        random.shuffle(batches)
    return batches
