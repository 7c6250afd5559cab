"""Strategies and checks shared by the kata's tests."""
import math

from hypothesis import strategies as st

from grader.expect import Mismatch
from grader.kata import quadratic
from grader.sandbox.process import Raised
from grader.text import say

MAX_LEN = 6
LONG_LEN = 40  # now and then a long vector: code must not depend on short ones


def no_underflow(x: float) -> float:
    # Squares of |x| < 1e-154 underflow; a learner using math.hypot would then be
    # more exact than the expected value. Such magnitudes are not what the kata is about.
    return 0.0 if abs(x) < 1e-100 else x


def between(low: float, high: float):
    return st.floats(min_value=low, max_value=high).map(no_underflow)


def _floats(bound: float):
    finite = st.floats(min_value=-bound, max_value=bound, allow_nan=False, allow_infinity=False)
    return finite.map(no_underflow)


# Floats of everyday size, ints (the book's own examples use them), and wide magnitudes.
numbers = st.one_of(_floats(1e3), st.integers(-1000, 1000), _floats(1e6))
small = st.one_of(_floats(10), st.integers(-10, 10))
lengths = st.one_of(st.integers(1, MAX_LEN), st.integers(MAX_LEN + 1, LONG_LEN))


def vectors(elements=numbers, size=None):
    if size is not None:
        return st.lists(elements, min_size=size, max_size=size)
    return lengths.flatmap(lambda n: st.lists(elements, min_size=n, max_size=n))


def same_length(count=2, elements=numbers):
    """count vectors of one common length (at least 1)."""
    return lengths.flatmap(lambda n: st.tuples(*[vectors(elements, n)] * count))


def different_lengths(elements=numbers):
    return st.tuples(vectors(elements), vectors(elements)).filter(lambda vw: len(vw[0]) != len(vw[1]))


def vector_lists(elements=numbers, min_count=1):
    counts = st.one_of(st.integers(min_count, 6), st.integers(7, 25))
    return lengths.flatmap(lambda n: counts.flatmap(
        lambda k: st.lists(vectors(elements, n), min_size=k, max_size=k)))


def nonzero(low, high):
    """Floats with low <= |x| <= high, either sign."""
    return st.tuples(st.floats(low, high), st.booleans()).map(lambda t: -t[0] if t[1] else t[0])


def fsum_scale(terms):
    """The size of a sum's terms, for a tolerance that survives summing in another order."""
    return math.fsum(abs(t) for t in terms)


def expect_raises(impl, call, detail: str) -> None:
    try:
        got = call()
    except Raised as failure:
        if failure.reply.get("type") in ("NotImplementedError", "NotPlain"):
            raise  # a stub is not a function that checks its input; an unusable value is reported as such
        if failure.reply.get("is_exception"):
            return
        kind = failure.reply.get("type")
        raise Mismatch(impl.last_call, say("checks.raises.expected"), kind,
                       say("checks.raises.not_ordinary", detail=detail, type=kind)) from None
    raise Mismatch(impl.last_call, say("checks.raises.expected"), got, detail)


class Quadratic:
    """f(x) = a x^2 + b x + c, or its sum over coordinates for a vector x; trusted test code."""

    def __init__(self, a, b, c=0.0):
        self.a, self.b, self.c = a, b, c
        if isinstance(a, list):
            terms = " + ".join(f"{ai:g}*v[{i}]**2 + {bi:g}*v[{i}]" for i, (ai, bi) in enumerate(zip(a, b)))
            self.description = f"f(v) = {terms}"
        else:
            self.description = f"f(x) = {a:g}*x**2 + {b:g}*x + {c:g}"

    def __call__(self, x):
        if isinstance(self.a, list):
            if not isinstance(x, list) or len(x) != len(self.a):
                raise TypeError(say("checks.f_expects_a_vector", length=len(self.a)))
        return quadratic.value(self.a, self.b, self.c, x)

    def portable(self):
        """What the worker needs to compute f itself (grader/kata/quadratic.py)."""
        return ["quadratic", self.a, self.b, self.c]
