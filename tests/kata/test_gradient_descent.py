"""Properties of the gradient-descent building blocks (`@pytest.mark.law`: see test_linear_algebra.py)."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.expect import REL, expect_number, expect_true, expect_vector
from grader.text import say
from kata_helpers import LONG_LEN, Quadratic, between, nonzero, same_length, small, vectors

steps = st.floats(min_value=0.001, max_value=1.0)
coefficient = nonzero(0.5, 5)

# Inputs of the exercise's own size come first (Hypothesis shrinks towards the first choice, so a
# failure reads small), then Python ints and wide magnitudes: code that only works for short
# vectors, for floats (np.array(v) of ints is an int array) or for small numbers must not pass.
ints = st.integers(-1000, 1000)
scalars = st.one_of(between(-100, 100), ints, between(-1e4, 1e4))


def quotient_scale(f_x, f_xh, h):
    """How much rounding one evaluation order can differ from another by, for a forward quotient.

    f is the test's own, so the learner's code gets the very values f(x) and f(x + h) the
    expected quotient is made of: only its own subtraction and division round differently,
    by a few ulps of |f| / h. REL (1e-9) of this scale allows about 4,500 of them, and no
    more: a looser scale let an estimate off by 1% pass wherever |f| is large."""
    return (abs(f_x) + abs(f_xh)) / h * 1e-3


# --- difference_quotient ------------------------------------------------------------
@pytest.mark.grades("difference_quotient")
@given(coefficient, small, small, scalars, steps)
def test_difference_quotient_is_the_forward_quotient(impl, a, b, c, x, h):
    f = Quadratic(a, b, c)
    expected = (f(x + h) - f(x)) / h
    got = impl.difference_quotient(f, x, h)
    expect_number(impl.last_call, got, expected,
                  say("checks.test_difference_quotient_is_the_forward_quotient"),
                  scale=quotient_scale(f(x), f(x + h), h))


@pytest.mark.grades("difference_quotient")
@given(coefficient, small, scalars, steps)
def test_difference_quotient_of_a_quadratic(impl, a, b, x, h):
    # For f(x) = a x^2 + b x the forward quotient is exactly 2 a x + b + a h.
    f = Quadratic(a, b)
    got = impl.difference_quotient(f, x, h)
    expect_number(impl.last_call, got, 2 * a * x + b + a * h,
                  say("checks.test_difference_quotient_of_a_quadratic"),
                  scale=quotient_scale(f(x), f(x + h), h))


# --- partial_difference_quotient ------------------------------------------------------
def points(n, bound=1e4):
    """Points of n coordinates: floats in +-10, then all ints, then ints and floats up to bound."""
    return st.one_of(vectors(between(-10, 10), n), vectors(ints, n),
                     vectors(st.one_of(between(-bound, bound), ints), n))


def quadratic_and_point(dim_min=1, bound=1e4):
    dims = st.one_of(st.integers(dim_min, 5), st.integers(6, LONG_LEN))
    return dims.flatmap(lambda n: st.tuples(
        vectors(coefficient, n), vectors(small, n), points(n, bound), st.integers(0, n - 1)))


def forward_partial(f, v, i, h):
    w = [x + (h if j == i else 0) for j, x in enumerate(v)]
    return (f(w) - f(v)) / h, quotient_scale(f(v), f(w), h)


@pytest.mark.grades("partial_difference_quotient")
@given(quadratic_and_point(), steps)
def test_partial_difference_quotient_moves_only_coordinate_i(impl, problem, h):
    a, b, v, i = problem
    f = Quadratic(a, b)
    expected, scale = forward_partial(f, v, i, h)
    got = impl.partial_difference_quotient(f, v, i, h)
    expect_number(impl.last_call, got, expected,
                  say("checks.test_partial_difference_quotient_moves_only_coordinate_i", i=i), scale=scale)


@pytest.mark.grades("partial_difference_quotient")
@given(quadratic_and_point(dim_min=2), steps)
def test_partial_difference_quotient_matches_the_derivative(impl, problem, h):
    a, b, v, i = problem
    f = Quadratic(a, b)
    got = impl.partial_difference_quotient(f, v, i, h)
    expect_number(impl.last_call, got, 2 * a[i] * v[i] + b[i] + a[i] * h,
                  say("checks.test_partial_difference_quotient_matches_the_derivative", i=i),
                  scale=1e-3 * (1 + abs(2 * a[i] * v[i] + b[i])) + derivative_rounding(a, b, v, i, h))


def derivative_rounding(a, b, v, i, h):
    """How far rounding can take a correct forward quotient from the exact 2 a_i v_i + b_i + a_i h,
    as a scale (REL of it is allowed, about 4500 roundings): the rounding of f(v) and f(w), of
    coordinate i's own terms (f(v) is small when terms of both signs cancel) and of v_i + h."""
    f = Quadratic(a, b)
    x, y = v[i], v[i] + h
    w = v[:i] + [y] + v[i + 1:]
    size = abs(f(v)) + abs(f(w)) + abs(a[i]) * (x * x + y * y) + abs(b[i]) * (abs(x) + abs(y)) \
        + abs(2 * a[i] * x + b[i]) * (abs(x) + h)
    return size / h * 1e-3


# --- estimate_gradient -------------------------------------------------------------
@pytest.mark.grades("estimate_gradient")
@given(quadratic_and_point(), st.floats(0.001, 0.5))
def test_estimate_gradient_uses_every_coordinate_and_the_given_h(impl, problem, h):
    a, b, v, _ = problem
    f = Quadratic(a, b)
    pairs = [forward_partial(f, v, i, h) for i in range(len(v))]
    got = impl.estimate_gradient(f, v, h)
    expect_vector(impl.last_call, got, [p for p, _ in pairs],
                  say("checks.test_estimate_gradient_uses_every_coordinate_and_the_given_h"),
                  scales=[s for _, s in pairs])


# Learners use a default h from 1e-5 (the first edition) to 1e-3: any h up to DEFAULT_H_LIMIT earns the points
# For f(v) = sum(a_i v_i**2 + b_i v_i) the forward quotient is exactly 2 a_i v_i + b_i + a_i h, so with a
# stand-in partial_difference_quotient the answer is off the derivative by a_i * h, and h is read off exactly.
DEFAULT_H_LIMIT = 1.5e-3


@pytest.mark.grades("estimate_gradient")
@given(quadratic_and_point(bound=1e3))
def test_estimate_gradient_has_a_small_default_h(impl, problem):
    a, b, v, _ = problem
    f = Quadratic(a, b)
    got = impl.estimate_gradient(f, v)
    derivative = [2 * ai * x + bi for ai, bi, x in zip(a, b, v)]
    # Allowed: a_i * DEFAULT_H_LIMIT, plus the rounding of (f(w) - f(v)) / h for h down to about 1e-7,
    # and that of coordinate i's own terms (and of v_i + h) for h down to about 1e-6.
    allowed = [abs(ai) * DEFAULT_H_LIMIT + 1e-8 * (1 + abs(f(v))) + 1e-9 * (abs(ai) * x * x + abs(bi * x))
               for ai, bi, x in zip(a, b, v)]
    expect_vector(impl.last_call, got, derivative,
                  say("checks.test_estimate_gradient_has_a_small_default_h"),
                  scales=[t / REL for t in allowed])


# --- gradient_step ------------------------------------------------------------------
@pytest.mark.grades("gradient_step")
@given(st.one_of(same_length(), same_length(elements=ints)),
       st.one_of(between(-10, 10), st.integers(-10, 10)))
def test_gradient_step_moves_step_size_along_the_gradient(impl, vg, step_size):
    v, gradient = vg
    got = impl.gradient_step(v, gradient, step_size)
    expect_vector(impl.last_call, got, [x + step_size * g for x, g in zip(v, gradient)],
                  say("checks.test_gradient_step_moves_step_size_along_the_gradient"),
                  scales=[abs(x) + abs(step_size * g) for x, g in zip(v, gradient)])


@pytest.mark.grades("gradient_step")
@pytest.mark.law
@given(vectors())
def test_gradient_step_of_size_zero_stays_put(impl, v):
    got = impl.gradient_step(v, [1.0] * len(v), 0.0)
    expect_vector(impl.last_call, got, v, say("checks.test_gradient_step_of_size_zero_stays_put"))


# --- sum_of_squares_gradient ---------------------------------------------------------
@pytest.mark.grades("sum_of_squares_gradient")
@given(st.one_of(vectors(), vectors(ints)))
def test_sum_of_squares_gradient_is_twice_v(impl, v):
    got = impl.sum_of_squares_gradient(v)
    expect_vector(impl.last_call, got, [2 * x for x in v],
                  say("checks.test_sum_of_squares_gradient_is_twice_v"))


@pytest.mark.grades("sum_of_squares_gradient")
@given(st.one_of(vectors(between(-100, 100)), vectors(ints)))
def test_sum_of_squares_gradient_agrees_with_finite_differences(impl, v):
    h = 1e-3
    def sum_sq(u):
        return math.fsum(x * x for x in u)
    central = [(sum_sq(v[:i] + [x + h] + v[i + 1:]) - sum_sq(v[:i] + [x - h] + v[i + 1:])) / (2 * h)
               for i, x in enumerate(v)]
    got = impl.sum_of_squares_gradient(v)
    expect_vector(impl.last_call, got, central,
                  say("checks.test_sum_of_squares_gradient_agrees_with_finite_differences"),
                  scales=[1e3 * (1 + sum_sq(v))] * len(v), estimate=True)


# --- linear_gradient ---------------------------------------------------------------
def squared_error(x, y, theta):
    slope, intercept = theta
    return (slope * x + intercept - y) ** 2


# theta of the exercise's size first, then a pair of ints (np.zeros_like(theta) is then an int array),
# then ints and floats up to 1e3.
thetas = st.one_of(vectors(between(-100, 100), 2), vectors(ints, 2),
                   vectors(st.one_of(between(-1e3, 1e3), ints), 2))


@pytest.mark.grades("linear_gradient")
@given(scalars, st.one_of(between(-1e4, 1e4), st.integers(-10 ** 4, 10 ** 4)), thetas)
def test_linear_gradient_is_the_gradient_of_the_squared_error(impl, x, y, theta):
    slope, intercept = theta
    error = slope * x + intercept - y
    got = impl.linear_gradient(x, y, theta)
    expect_vector(impl.last_call, got, [2 * error * x, 2 * error],
                  say("checks.test_linear_gradient_is_the_gradient_of_the_squared_error"),
                  scales=[2 * (abs(slope * x) + abs(intercept) + abs(y)) * abs(x),
                          2 * (abs(slope * x) + abs(intercept) + abs(y))])


@pytest.mark.grades("linear_gradient")
@given(scalars, st.one_of(between(-1e3, 1e3), ints), thetas)
def test_linear_gradient_agrees_with_finite_differences(impl, x, y, theta):
    h = 1e-3
    slope, intercept = theta
    def loss(s, i):
        return squared_error(x, y, [s, i])
    numeric = [(loss(slope + h, intercept) - loss(slope - h, intercept)) / (2 * h),
               (loss(slope, intercept + h) - loss(slope, intercept - h)) / (2 * h)]
    size = 1 + (abs(slope * x) + abs(intercept) + abs(y) + abs(x) * h + h) ** 2
    got = impl.linear_gradient(x, y, theta)
    expect_vector(impl.last_call, got, numeric,
                  say("checks.test_linear_gradient_agrees_with_finite_differences"),
                  scales=[size * 1e-3 / h] * 2, estimate=True)


# --- minibatches -------------------------------------------------------------------
def slices(dataset, batch_size):
    return [dataset[s:s + batch_size] for s in range(0, len(dataset), batch_size)]


datasets = st.one_of(st.integers(1, 60), st.integers(100, 400)).map(lambda n: list(range(n)))


@pytest.mark.grades("minibatches")
@given(datasets, st.integers(1, 15))
def test_minibatches_in_order_without_shuffle(impl, dataset, batch_size):
    got = impl.minibatches(dataset, batch_size, False)
    expect_true(impl.last_call, got == slices(dataset, batch_size), slices(dataset, batch_size), got,
                say("checks.test_minibatches_in_order_without_shuffle"))


@pytest.mark.grades("minibatches")
@given(datasets, st.integers(1, 15), st.sampled_from([True, None]))
def test_minibatches_cover_the_dataset_once_in_contiguous_slices(impl, dataset, batch_size, shuffle):
    got = impl.minibatches(dataset, batch_size) if shuffle is None else \
        impl.minibatches(dataset, batch_size, True)
    expected = slices(dataset, batch_size)
    ok = isinstance(got, list) and all(isinstance(b, list) for b in got) and \
        sorted(got, key=lambda b: b[0] if b else -1) == expected
    key = "checks.test_minibatches_cover_the_dataset_once_in_contiguous_slices"
    expect_true(impl.last_call, ok, say(f"{key}.expected", slices=expected), got, say(f"{key}.detail"))


@pytest.mark.grades("minibatches")
@pytest.mark.law
@given(st.integers(1, 5), st.integers(4, 8))
def test_minibatches_shuffle_the_order_of_the_batches(impl, batch_size, count):
    dataset = list(range(batch_size * count))
    in_order = slices(dataset, batch_size)
    orders = [impl.minibatches(dataset, batch_size, True) for _ in range(6)]
    firsts = {tuple(b[0] for b in order) for order in orders if isinstance(order, list) and all(order)}
    expect_true(impl.last_call, len(firsts) > 1 and any(o != in_order for o in orders),
                say("checks.test_minibatches_shuffle_the_order_of_the_batches.expected"), orders[0],
                say("checks.test_minibatches_shuffle_the_order_of_the_batches.detail"))
