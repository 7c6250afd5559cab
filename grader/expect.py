"""Comparisons for the kata's tests: tolerant, and failing with a learner-readable Mismatch.

Floats are never compared with ==. A vector result may come back as a list, tuple or
numpy array (the worker turns all of them into lists).
"""
import math
from numbers import Real
from typing import Optional, Sequence

from .text import say

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


def vector_close(got, expected: Sequence[float], scales: Optional[Sequence[float]] = None,
                 rel: float = REL) -> bool:
    if not isinstance(got, list) or len(got) != len(expected):
        return False
    scales = scales or [0.0] * len(expected)
    return all(number_close(g, e, s, rel) for g, e, s in zip(got, expected, scales))


def shape_problem(got, expected) -> str:
    """Say plainly what is wrong with a result's type or length, if anything."""
    if got is None:
        return say("checks.shape.returned_none")
    if isinstance(expected, list):
        if not isinstance(got, list):
            return say("checks.shape.not_a_vector", type=type(got).__name__)
        if len(got) != len(expected):
            return say("checks.shape.wrong_length", expected=len(expected), got=len(got))
        if not all(_is_number(g) for g in got):
            return say("checks.shape.not_numbers")
    elif not _is_number(got):
        return say("checks.shape.not_a_number", type=type(got).__name__)
    return ""


def about(expected):
    """How to show an expected value computed numerically: rounded, and said to be approximate.

    A central difference gives 1.9999999999998352 where the answer is 2; the learner
    should read "about 2.0", not a number to copy digit by digit.
    """
    def rounded(x):
        return float(f"{x:.6g}") if _is_number(x) and math.isfinite(x) else x
    value = [rounded(x) for x in expected] if isinstance(expected, list) else rounded(expected)
    return say("checks.about", value=repr(value))


def expect_number(call: str, got, expected: float, detail: str, scale: float = 0.0, rel: float = REL,
                  estimate: bool = False) -> None:
    """Fail unless got is close to expected. estimate=True: expected is a numerical estimate,
    shown rounded as "about ..." (see `about`)."""
    if not number_close(got, expected, scale, rel):
        shown = about(expected) if estimate else expected
        raise Mismatch(call, shown, got, shape_problem(got, expected) or detail)


def expect_vector(call: str, got, expected: Sequence[float], detail: str,
                  scales: Optional[Sequence[float]] = None, rel: float = REL, estimate: bool = False) -> None:
    expected = list(expected)
    if not vector_close(got, expected, scales, rel):
        shown = about(expected) if estimate else expected
        raise Mismatch(call, shown, got, shape_problem(got, expected) or detail)


def expect_true(call: str, condition: bool, expected, got, detail: str) -> None:
    if not condition:
        raise Mismatch(call, expected, got, detail)
