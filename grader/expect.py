"""Comparisons for the kata's tests: tolerant, and failing with a learner-readable Mismatch.

Floats are never compared with ==. A vector result may come back as a list, tuple or
numpy array (the worker turns all of them into lists).
"""
import math
from numbers import Real
from typing import Optional, Sequence

EPS = 2.0 ** -52
REL = 1e-9


class Mismatch(AssertionError):
    """A wrong answer: what was called, what was expected, what came back, and why it matters."""

    def __init__(self, call: str, expected, got, detail: str):
        super().__init__(f"{call}: expected {expected!r}, got {got!r}. {detail}")
        self.call, self.expected, self.got, self.detail = call, expected, got, detail


def _is_number(x) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool)


def number_close(got, expected: float, scale: float = 0.0, rel: float = REL) -> bool:
    """|got - expected| within rel of the larger of |expected| and scale (the size of the terms summed)."""
    if not _is_number(got) or math.isnan(got):
        return False
    return abs(got - expected) <= rel * max(abs(expected), scale, 1e-300) + 1e-300


def vector_close(got, expected: Sequence[float], scales: Optional[Sequence[float]] = None, rel: float = REL) -> bool:
    if not isinstance(got, list) or len(got) != len(expected):
        return False
    scales = scales or [0.0] * len(expected)
    return all(number_close(g, e, s, rel) for g, e, s in zip(got, expected, scales))


def shape_problem(got, expected) -> str:
    """Say plainly what is wrong with a result's type or length, if anything."""
    if got is None:
        return "Your function returned None: did it forget to `return` the result?"
    if isinstance(expected, list):
        if not isinstance(got, list):
            return f"Expected a vector (a list of numbers) but got a {type(got).__name__}."
        if len(got) != len(expected):
            return f"Expected a vector of length {len(expected)} but got one of length {len(got)}."
        if not all(_is_number(g) for g in got):
            return "Expected a vector of numbers, but some elements are not numbers."
    elif not _is_number(got):
        return f"Expected a number but got a {type(got).__name__}."
    return ""


def expect_number(call: str, got, expected: float, detail: str, scale: float = 0.0, rel: float = REL) -> None:
    if not number_close(got, expected, scale, rel):
        raise Mismatch(call, expected, got, shape_problem(got, expected) or detail)


def expect_vector(call: str, got, expected: Sequence[float], detail: str,
                  scales: Optional[Sequence[float]] = None, rel: float = REL) -> None:
    expected = list(expected)
    if not vector_close(got, expected, scales, rel):
        raise Mismatch(call, expected, got, shape_problem(got, expected) or detail)


def expect_true(call: str, condition: bool, expected, got, detail: str) -> None:
    if not condition:
        raise Mismatch(call, expected, got, detail)
