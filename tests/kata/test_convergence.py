"""The chapter's experiments, run with the target's own functions working together."""
import math

import pytest

from grader.kata import experiments
from grader.expect import Mismatch
from grader.text import say

SLOPE_TOLERANCE = INTERCEPT_TOLERANCE = 0.1
# The runs must also land on the least-squares fit of the very data they were given.
AGREEMENT = {"slope": 0.01, "intercept": 0.03}


# What to say when a fit misses the line: the text of the test that runs it.
OFF_TARGET = {"fit_batch": "checks.test_batch_gradient_descent_fits_the_line",
              "fit_minibatch": "checks.test_minibatch_gradient_descent_fits_the_line",
              "fit_sgd": "checks.test_stochastic_gradient_descent_fits_the_line"}


def check_fit(name, result, kwargs):
    theta = result.get("theta") if isinstance(result, dict) else None
    if not (isinstance(theta, list) and len(theta) == 2 and all(isinstance(t, (int, float)) for t in theta)):
        raise Mismatch(say("checks.experiment.call", experiment=name), say("checks.fit.theta_expected"),
                       theta, say("checks.fit.theta_detail"))
    slope, intercept = theta
    best = experiments.least_squares(kwargs["data"])
    if not (math.isfinite(slope) and math.isfinite(intercept)):
        raise Mismatch(say("checks.experiment.call", experiment=name), say("checks.fit.blew_up_expected"),
                       theta, say("checks.fit.blew_up_detail"))
    if abs(slope - 40) > SLOPE_TOLERANCE or abs(intercept - 5) > INTERCEPT_TOLERANCE \
            or abs(slope - best[0]) > AGREEMENT["slope"] or abs(intercept - best[1]) > AGREEMENT["intercept"]:
        raise Mismatch(say("checks.experiment.call", experiment=name),
                       say("checks.fit.off_target_expected", slope=best[0], intercept=best[1]),
                       [round(slope, 4), round(intercept, 4)], say(OFF_TARGET[name]))


@pytest.mark.experiment("descend_sum_of_squares")
def test_descending_the_sum_of_squares_reaches_the_origin(run_experiment):
    result, kwargs = run_experiment("descend_sum_of_squares")
    v = result.get("theta") if isinstance(result, dict) else None
    ok = isinstance(v, list) and len(v) == 3 and all(isinstance(x, (int, float)) for x in v)
    distance = math.sqrt(math.fsum(x * x for x in v)) if ok else math.inf
    if not distance < 0.001:
        raise Mismatch(say("checks.experiment.call", experiment="descend_sum_of_squares"),
                       say("checks.test_descending_the_sum_of_squares_reaches_the_origin.expected"), v,
                       say("checks.test_descending_the_sum_of_squares_reaches_the_origin.detail",
                           start=[round(x, 3) for x in kwargs["start"]]))


@pytest.mark.experiment("fit_batch")
def test_batch_gradient_descent_fits_the_line(run_experiment):
    check_fit("fit_batch", *run_experiment("fit_batch"))


@pytest.mark.experiment("fit_minibatch")
def test_minibatch_gradient_descent_fits_the_line(run_experiment):
    check_fit("fit_minibatch", *run_experiment("fit_minibatch"))


@pytest.mark.experiment("fit_sgd")
def test_stochastic_gradient_descent_fits_the_line(run_experiment):
    check_fit("fit_sgd", *run_experiment("fit_sgd"))
