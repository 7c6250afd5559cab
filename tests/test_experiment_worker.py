"""The experiments' own worker (target.py): a run starts from the submission as loaded, and
closing the target ends a run in progress and leaves nothing behind."""
import os
import time

from grader.grading import grade
from grader.kata import experiments
from grader.kata.mistakes import reference_source
from grader.target import EXPERIMENT_LIMIT, open_target

# linear_gradient is right until difference_quotient has been called: only difference_quotient's
# own property tests call it, never an experiment.
STATEFUL = '''
CALLED = []
_difference_quotient, _linear_gradient = difference_quotient, linear_gradient

def difference_quotient(f, x, h):
    CALLED.append(1)
    return _difference_quotient(f, x, h)

def linear_gradient(x, y, theta):
    grad = _linear_gradient(x, y, theta)
    return [g + 1.0 for g in grad] if CALLED else grad
'''

SLOW_STEP = '''
import time
_gradient_step = gradient_step

def gradient_step(v, gradient, step_size):
    time.sleep(0.2)
    return _gradient_step(v, gradient, step_size)
'''


def test_an_experiment_runs_on_the_submission_as_loaded(write_submission):
    run = grade(str(write_submission(reference_source() + STATEFUL)))
    fits = [r for r in run.records if r.experiment in ("fit_batch", "fit_minibatch", "fit_sgd")]
    assert len(fits) == 3 and all(r.passed for r in fits), [(r.test, r.status) for r in fits]
    # The property tests ran after difference_quotient's own, in the same worker: they saw the change.
    own = [r for r in run.records if r.function == "linear_gradient" and not r.experiment]
    assert own and not any(r.passed for r in own)


def test_closing_the_target_ends_a_run_in_progress_and_leaves_nothing(write_submission):
    target = open_target(str(write_submission(reference_source() + SLOW_STEP)), in_process=False)
    name = "fit_batch"  # 5000 epochs of 0.2 s: it would run for a quarter of an hour
    target.start_experiments([{"name": name, "kwargs": experiments.arguments(name, 0), "seed": 0}])
    runs = target._runs
    for _ in range(600):  # until the run is under way in the experiments' worker
        if runs.worker.process is not None and not getattr(runs.worker, "_waiting", True):
            break
        time.sleep(0.05)
    process, scratch = runs.worker.process, runs.worker.scratch
    assert process is not None and scratch.exists()
    target.close()
    assert not runs.thread.is_alive()
    assert process.poll() is not None  # the worker is gone, not left running the experiment
    assert not scratch.exists()
    assert not os.path.exists(f"/proc/{process.pid}/status") or process.returncode is not None


def test_a_run_whose_test_failed_without_it_is_stopped_and_the_runs_after_it_go_on(write_submission):
    # dot never returns: the descent's run (its distance) hangs until its whole EXPERIMENT_LIMIT,
    # unless its test, which fails at once when dot timed out in its own tests, stops it.
    hangs = reference_source() + "\ndef dot(v, w):\n    while True:\n        pass\n"
    target = open_target(str(write_submission(hangs)), in_process=False)
    planned = experiments.planned(0, ["descend_sum_of_squares", "fit_sgd"])
    try:
        target.start_experiments(planned)
        runs = target._runs
        with runs.changed:
            assert runs.changed.wait_for(lambda: runs.current == 0 or runs.finished, timeout=60)
        descend, sgd = planned
        target.skip_experiment(descend["name"], descend["kwargs"], descend["seed"])
        reply = target.experiment(sgd["name"], sgd["kwargs"], sgd["seed"])
        assert reply["value"]["theta"]
        # Stopped at once: the run was not charged its whole limit before the next one began.
        assert runs.worker.charged < EXPERIMENT_LIMIT
    finally:
        target.close()
