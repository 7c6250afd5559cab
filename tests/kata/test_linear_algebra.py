"""Properties of the vector operations: definitions, laws, errors, and untouched arguments.

`@pytest.mark.law` marks a property that a trivial function (a constant, or one that
always raises) can satisfy; it earns points only beside a passed value test of the same
function (grader/score.py).
"""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.expect import expect_number, expect_true, expect_vector
from grader.text import say
from kata_helpers import (no_underflow, different_lengths, expect_raises, fsum_scale, numbers,
                          same_length, vector_lists, vectors)


# --- add ------------------------------------------------------------------------
@pytest.mark.grades("add")
@given(same_length())
def test_add_adds_corresponding_elements(impl, vw):
    v, w = vw
    got = impl.add(v, w)
    expect_vector(impl.last_call, got, [a + b for a, b in zip(v, w)],
                  say("checks.test_add_adds_corresponding_elements"))


@pytest.mark.grades("add")
@pytest.mark.law
@given(same_length())
def test_add_is_commutative(impl, vw):
    v, w = vw
    first, second = impl.add(v, w), impl.add(w, v)
    # The shape only (any numbers, as many as in v), so that the order check compares two vectors.
    expect_vector(impl.last_call, first, v, say("checks.test_add_is_commutative.length"), rel=float("inf"))
    expect_vector(impl.last_call, second, first, say("checks.test_add_is_commutative.order"))


@pytest.mark.grades("add")
@pytest.mark.law
@given(different_lengths())
def test_add_rejects_vectors_of_different_lengths(impl, vw):
    expect_raises(impl, lambda: impl.add(*vw), say("checks.test_add_rejects_vectors_of_different_lengths"))


# --- subtract ---------------------------------------------------------------------
@pytest.mark.grades("subtract")
@given(same_length())
def test_subtract_subtracts_corresponding_elements(impl, vw):
    v, w = vw
    got = impl.subtract(v, w)
    expect_vector(impl.last_call, got, [a - b for a, b in zip(v, w)],
                  say("checks.test_subtract_subtracts_corresponding_elements"))


@pytest.mark.grades("subtract")
@pytest.mark.law
@given(vectors())
def test_subtract_of_a_vector_from_itself_is_zero(impl, v):
    got = impl.subtract(v, v)
    expect_vector(impl.last_call, got, [0.0] * len(v),
                  say("checks.test_subtract_of_a_vector_from_itself_is_zero"))


@pytest.mark.grades("subtract")
@pytest.mark.law
@given(different_lengths())
def test_subtract_rejects_vectors_of_different_lengths(impl, vw):
    expect_raises(impl, lambda: impl.subtract(*vw),
                  say("checks.test_subtract_rejects_vectors_of_different_lengths"))


# --- vector_sum -------------------------------------------------------------------
@pytest.mark.grades("vector_sum")
@given(vector_lists())
def test_vector_sum_sums_each_position(impl, vectors_):
    got = impl.vector_sum(vectors_)
    columns = list(zip(*vectors_))
    expect_vector(impl.last_call, got, [math.fsum(c) for c in columns],
                  say("checks.test_vector_sum_sums_each_position"), scales=[fsum_scale(c) for c in columns])


@pytest.mark.grades("vector_sum")
@pytest.mark.law
@given(st.just([]))
def test_vector_sum_rejects_an_empty_list(impl, empty):
    expect_raises(impl, lambda: impl.vector_sum(empty), say("checks.test_vector_sum_rejects_an_empty_list"))


@pytest.mark.grades("vector_sum")
@pytest.mark.law
@given(st.lists(vectors(size=2), min_size=1, max_size=4), vectors(size=3), st.integers(0, 4))
def test_vector_sum_rejects_vectors_of_different_lengths(impl, twos, three, position):
    mixed = list(twos)
    mixed.insert(min(position, len(mixed)), three)
    expect_raises(impl, lambda: impl.vector_sum(mixed),
                  say("checks.test_vector_sum_rejects_vectors_of_different_lengths"))


# --- scalar_multiply --------------------------------------------------------------
@pytest.mark.grades("scalar_multiply")
@given(numbers, vectors())
def test_scalar_multiply_scales_every_element(impl, c, v):
    got = impl.scalar_multiply(c, v)
    expect_vector(impl.last_call, got, [c * x for x in v],
                  say("checks.test_scalar_multiply_scales_every_element"))


@pytest.mark.grades("scalar_multiply")
@pytest.mark.law
@given(vectors())
def test_scalar_multiply_by_one_changes_nothing(impl, v):
    got = impl.scalar_multiply(1, v)
    expect_vector(impl.last_call, got, v, say("checks.test_scalar_multiply_by_one_changes_nothing"))


# --- vector_mean ------------------------------------------------------------------
@pytest.mark.grades("vector_mean")
@given(vector_lists())
def test_vector_mean_averages_each_position(impl, vectors_):
    got = impl.vector_mean(vectors_)
    columns = list(zip(*vectors_))
    n = len(vectors_)
    expect_vector(impl.last_call, got, [math.fsum(c) / n for c in columns],
                  say("checks.test_vector_mean_averages_each_position", count=n),
                  scales=[fsum_scale(c) / n for c in columns])


@pytest.mark.grades("vector_mean")
@pytest.mark.law
@given(vectors(), st.integers(1, 5))
def test_vector_mean_of_copies_is_the_vector(impl, v, copies):
    got = impl.vector_mean([list(v) for _ in range(copies)])
    expect_vector(impl.last_call, got, v, say("checks.test_vector_mean_of_copies_is_the_vector"),
                  scales=[abs(x) for x in v])


# --- dot ----------------------------------------------------------------------
@pytest.mark.grades("dot")
@given(same_length())
def test_dot_sums_the_products(impl, vw):
    v, w = vw
    products = [a * b for a, b in zip(v, w)]
    got = impl.dot(v, w)
    expect_number(impl.last_call, got, math.fsum(products), say("checks.test_dot_sums_the_products"),
                  scale=fsum_scale(products))


@pytest.mark.grades("dot")
@pytest.mark.law
@given(same_length())
def test_dot_is_symmetric(impl, vw):
    v, w = vw
    first, second = impl.dot(v, w), impl.dot(w, v)
    expect_number(impl.last_call, second, first, say("checks.test_dot_is_symmetric"),
                  scale=fsum_scale([a * b for a, b in zip(v, w)]))


@pytest.mark.grades("dot")
@pytest.mark.law
@given(different_lengths())
def test_dot_rejects_vectors_of_different_lengths(impl, vw):
    expect_raises(impl, lambda: impl.dot(*vw), say("checks.test_dot_rejects_vectors_of_different_lengths"))


# --- sum_of_squares ----------------------------------------------------------------
@pytest.mark.grades("sum_of_squares")
@given(vectors())
def test_sum_of_squares_squares_then_sums(impl, v):
    got = impl.sum_of_squares(v)
    expect_number(impl.last_call, got, math.fsum(x * x for x in v),
                  say("checks.test_sum_of_squares_squares_then_sums"))


# --- magnitude ------------------------------------------------------------------
@pytest.mark.grades("magnitude")
@given(vectors())
def test_magnitude_is_the_euclidean_length(impl, v):
    got = impl.magnitude(v)
    expect_number(impl.last_call, got, math.sqrt(math.fsum(x * x for x in v)),
                  say("checks.test_magnitude_is_the_euclidean_length"))


@pytest.mark.grades("magnitude")
@given(st.floats(0, 1e3).map(no_underflow), st.floats(0, 1e3).map(no_underflow))
def test_magnitude_of_a_right_triangle(impl, a, b):
    got = impl.magnitude([a, b])
    expect_number(impl.last_call, got, math.hypot(a, b), say("checks.test_magnitude_of_a_right_triangle"))


# --- squared_distance -----------------------------------------------------------------
@pytest.mark.grades("squared_distance")
@given(same_length())
def test_squared_distance_sums_squared_differences(impl, vw):
    v, w = vw
    got = impl.squared_distance(v, w)
    expect_number(impl.last_call, got, math.fsum((a - b) ** 2 for a, b in zip(v, w)),
                  say("checks.test_squared_distance_sums_squared_differences"),
                  scale=math.fsum((abs(a) + abs(b)) ** 2 for a, b in zip(v, w)))


@pytest.mark.grades("squared_distance")
@pytest.mark.law
@given(vectors())
def test_squared_distance_to_itself_is_zero(impl, v):
    got = impl.squared_distance(v, v)
    expect_number(impl.last_call, got, 0.0, say("checks.test_squared_distance_to_itself_is_zero"))


# --- distance ---------------------------------------------------------------------
@pytest.mark.grades("distance")
@given(same_length())
def test_distance_is_the_length_of_the_difference(impl, vw):
    v, w = vw
    got = impl.distance(v, w)
    expect_number(impl.last_call, got, math.sqrt(math.fsum((a - b) ** 2 for a, b in zip(v, w))),
                  say("checks.test_distance_is_the_length_of_the_difference"),
                  scale=math.sqrt(math.fsum((abs(a) + abs(b)) ** 2 for a, b in zip(v, w))))


@pytest.mark.grades("distance")
@pytest.mark.law
@given(same_length(3))
def test_distance_obeys_the_triangle_inequality(impl, uvw):
    u, v, w = uvw
    uv, vw_, uw = impl.distance(u, v), impl.distance(v, w), impl.distance(u, w)
    slack = 1e-9 * (abs(uv) + abs(vw_) + 1) if all(isinstance(x, (int, float)) for x in (uv, vw_, uw)) else 0
    expect_true(impl.last_call, isinstance(uw, (int, float)) and uw <= uv + vw_ + slack,
                say("checks.test_distance_obeys_the_triangle_inequality.expected", first=uv, second=vw_), uw,
                say("checks.test_distance_obeys_the_triangle_inequality.detail"))
