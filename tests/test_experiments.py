"""The chapter's settings: the reference converges on noisy data for every seed, not just one."""
import math
from types import SimpleNamespace

import pytest

from grader.kata import experiments
from grader.sandbox.runtime import load_trusted, seed_randomness

SEEDS = range(12)


@pytest.fixture(scope="module")
def reference():
    return SimpleNamespace(**load_trusted("solutions").functions)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", ["fit_batch", "fit_minibatch", "fit_sgd"])
def test_the_reference_fits_the_noisy_line_for_every_seed(reference, name, seed):
    seed_randomness(seed)
    kwargs = experiments.arguments(name, seed)
    slope, intercept = experiments.DRIVERS[name](reference, **kwargs)["theta"]
    best = experiments.least_squares(kwargs["data"])
    assert abs(slope - 40) < 0.1 and abs(intercept - 5) < 0.1, (slope, intercept)
    assert abs(slope - best[0]) < 0.01 and abs(intercept - best[1]) < 0.03, (slope, intercept, best)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_reference_descends_to_the_origin_for_every_seed(reference, seed):
    kwargs = experiments.arguments("descend_sum_of_squares", seed)
    result = experiments.descend_sum_of_squares(reference, **kwargs)
    assert math.dist(result["theta"], [0, 0, 0]) < 0.001


def test_the_seed_notebooks_sgd_rate_diverges_on_noisy_data(reference):
    """The trap the settings avoid: 0.001 is too large a step for SGD on this data."""
    seed_randomness(0)
    kwargs = dict(experiments.arguments("fit_sgd", 0), learning_rate=0.001, epochs=20)
    slope, intercept = experiments.fit_sgd(reference, **kwargs)["theta"]
    assert abs(slope - 40) > 1000 or abs(intercept - 5) > 1000


def test_the_data_is_the_chapters_line_with_small_noise():
    data = experiments.noisy_data(3)
    assert [x for x, _ in data] == list(range(-50, 50))
    residuals = [y - (40 * x + 5) for x, y in data]
    assert 0.1 < math.sqrt(sum(r * r for r in residuals) / len(residuals)) < 0.3


@pytest.mark.parametrize("name", ["descend_sum_of_squares", "fit_batch"])
def test_a_run_stops_at_the_first_epoch_whose_theta_is_not_a_vector(reference, name):
    from grader.plain import NotPlain, describe
    calls = []

    def gradient_step(v, gradient, step_size):
        calls.append(v)
        return 1.0  # a number, not a vector: the next epoch could not even start

    functions = SimpleNamespace(**dict(vars(reference), gradient_step=gradient_step))
    with pytest.raises(NotPlain) as raised:
        experiments.DRIVERS[name](functions, **experiments.arguments(name, 0))
    assert len(calls) == 1
    code, fields = describe(str(raised.value))
    assert code == "theta" and fields["epoch"] == 0 and fields["type"] == "float"


def test_a_minibatch_run_stops_at_the_first_epoch_whose_batches_are_not_the_slices(reference):
    """Overlapping batches repeat every point many times: such a run cannot pass (runs.py refuses
    its orders), so it stops at once rather than costing many times a correct run's time."""
    from grader.plain import NotPlain, describe
    calls = []

    def minibatches(dataset, batch_size, shuffle=True):
        calls.append(batch_size)
        return [dataset[start:start + batch_size] for start in range(len(dataset))]

    functions = SimpleNamespace(**dict(vars(reference), minibatches=minibatches))
    with pytest.raises(NotPlain) as raised:
        experiments.fit_minibatch(functions, **experiments.arguments("fit_minibatch", 0))
    assert len(calls) == 1
    assert describe(str(raised.value)) == ("batches", {"epoch": 0})
    # The right slices in another order are a run like any other.
    shuffled = SimpleNamespace(**dict(vars(reference), minibatches=lambda data, size, shuffle=True: list(
        reversed([data[start:start + size] for start in range(0, len(data), size)]))))
    assert experiments.fit_minibatch(shuffled, **experiments.arguments("fit_minibatch", 0))["orders"][0] == \
        list(reversed(range(0, 100, 20)))
