"""The chapter's experiments, run with the target's own functions working together."""
import math

import pytest

from grader.kata import experiments
from grader.expect import Mismatch

SLOPE_TOLERANCE = INTERCEPT_TOLERANCE = 0.1
# The runs must also land on the least-squares fit of the very data they were given.
AGREEMENT = {"slope": 0.01, "intercept": 0.03}


def check_fit(name, result, kwargs):
    theta = result.get("theta") if isinstance(result, dict) else None
    if not (isinstance(theta, list) and len(theta) == 2 and all(isinstance(t, (int, float)) for t in theta)):
        raise Mismatch(f"the {name} experiment", "theta = [slope, intercept]", theta,
                       "gradient_step should return a vector of two numbers here.")
    slope, intercept = theta
    best = experiments.least_squares(kwargs["data"])
    if not (math.isfinite(slope) and math.isfinite(intercept)):
        raise Mismatch(f"the {name} experiment", "slope about 40, intercept about 5", theta,
                       "The parameters blew up: check the sign of your gradient and of your step.")
    if abs(slope - 40) > SLOPE_TOLERANCE or abs(intercept - 5) > INTERCEPT_TOLERANCE \
            or abs(slope - best[0]) > AGREEMENT["slope"] or abs(intercept - best[1]) > AGREEMENT["intercept"]:
        raise Mismatch(f"the {name} experiment", f"the least-squares fit [{best[0]:.4f}, {best[1]:.4f}]",
                       [round(slope, 4), round(intercept, 4)],
                       "After training, slope should be about 40 and intercept about 5.")


@pytest.mark.experiment("descend_sum_of_squares")
def test_descending_the_sum_of_squares_reaches_the_origin(run_experiment):
    result, kwargs = run_experiment("descend_sum_of_squares")
    v = result.get("theta") if isinstance(result, dict) else None
    ok = isinstance(v, list) and len(v) == 3 and all(isinstance(x, (int, float)) for x in v)
    distance = math.sqrt(math.fsum(x * x for x in v)) if ok else math.inf
    if not distance < 0.001:
        raise Mismatch("the descend_sum_of_squares experiment", "a point within 0.001 of [0, 0, 0]", v,
                       f"1000 steps of size 0.01 from {[round(x, 3) for x in kwargs['start']]} should end near the "
                       f"origin.")


@pytest.mark.experiment("fit_batch")
def test_batch_gradient_descent_fits_the_line(run_experiment):
    check_fit("fit_batch", *run_experiment("fit_batch"))


@pytest.mark.experiment("fit_minibatch")
def test_minibatch_gradient_descent_fits_the_line(run_experiment):
    check_fit("fit_minibatch", *run_experiment("fit_minibatch"))


@pytest.mark.experiment("fit_sgd")
def test_stochastic_gradient_descent_fits_the_line(run_experiment):
    check_fit("fit_sgd", *run_experiment("fit_sgd"))
