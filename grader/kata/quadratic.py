"""The tests' f: a x^2 + b x + c, or its sum over coordinates, computed alike on both sides.

The tests of difference_quotient, partial_difference_quotient and estimate_gradient hand
the learner's code an f (tests/kata/kata_helpers.Quadratic). It used to live on the trusted
side only, so every evaluation was a round trip through the worker's pipes: about 300 of
them in a grade, and one per coordinate in the tests of estimate_gradient. The worker now
computes f itself (sandbox/channel.py, `local`) when the argument is plain numbers, which
reach the trusted side unchanged, and asks the trusted side otherwise. It is this one
function on both sides, so the learner's code gets the very same floats either way.
"""
import math

NOT_LOCAL = object()  # what `local` returns for an argument only the trusted side answers


def value(a, b, c, x):
    """f(x) for coefficients a, b, c (lists of the same length for a function of a vector)."""
    if isinstance(a, list):
        return math.fsum(ai * xi * xi + bi * xi for ai, bi, xi in zip(a, b, x))
    return a * x * x + b * x + c


def local(a, b, c):
    """f as the worker computes it: value(a, b, c, x), or NOT_LOCAL when x is not plain numbers.

    Plain means exactly int and float (not bool, not a subclass such as numpy.float64) in a list
    or tuple of the right length: what the channel's JSON delivers to the trusted side unchanged,
    so that the trusted side would compute the same value. Anything else, and anything that
    raises (an int too large for a float), goes to the trusted side, which says what is wrong
    with it in the same words as always."""
    vector = isinstance(a, list)
    size = len(a) if vector else 0

    def compute(x):
        if vector:
            plain = type(x) in (list, tuple) and len(x) == size and all(type(xi) in (int, float) for xi in x)
        else:
            plain = type(x) in (int, float)
        if not plain:
            return NOT_LOCAL
        try:
            return value(a, b, c, x)
        except Exception:
            return NOT_LOCAL
    return compute
