"""Learners never see the grader's internals: every report speaks about their code, in sentences.

Every mutant of the bank, and a set of odd behaviours (nondeterministic answers, endless
generators, huge and nested results, exceptions of unusual types, recursion, timeouts, a
reference that lacks a function), are graded, and no report (the terminal text, quiet and
verbose, Gradescope's output fields, JUnit, GitHub Classroom) may contain a class name of
the grader, a memory address, a traceback, a test function's name, or pytest's "Failed:".
The mutants run in-process (they are our code); the odd behaviours run in the sandbox.
"""
import importlib
import inspect
import pkgutil
import re

import pytest

import grader
from grader import target as target_module
from grader import text
from grader.expect import about
from grader.exports.feedback import explain
from grader.exports import classroom, gradescope, junit, terminal
from grader.grading import grade
from grader.kata.mistakes import MUTANTS, reference_source
from grader.plain import MAX_ITEMS, NotPlain
from grader.result import FAILED, Failure, Record, Run
from grader.text import say
from helpers import lost_points


def grader_class_names():
    """Names of the grader's classes a learner would not know: its CamelCase ones, and a few more."""
    names = {"Impl", "Mismatch", "Raised", "Crashed", "Worker", "Flaky", "FlakyFailure", "Unsatisfiable"}
    for module in pkgutil.walk_packages(grader.__path__, "grader."):
        if module.name.endswith(("__main__", ".worker")):
            continue
        loaded = importlib.import_module(module.name)
        for name, value in vars(loaded).items():
            ours = inspect.isclass(value) and value.__module__ == module.name
            if ours and len(re.findall("[A-Z]", name)) > 1:
                names.add(name)
    return names


INTERNALS = re.compile(r"\b(" + "|".join(sorted(grader_class_names())) + r")\b"
                       r"|0x[0-9a-fA-F]{6,}|Traceback|\btest_\w+|\bFailed:|\bskipped:")


def reports(run) -> dict:
    """Every text a learner may read about this run, by where it appears.

    JUnit and Classroom name each test case by its test function, an identifier for CI
    systems; their failure messages are what a learner reads."""
    shown = {"terminal": terminal.render(run), "verbose": terminal.plain_text(run)}
    results = gradescope.results(run)
    shown["gradescope"] = "\n".join([results["output"]]
                                    + [f"{t['name']}\n{t['output']}" for t in results["tests"]])
    failures = junit.document(run).getroot().iter("failure")
    shown["junit"] = "\n".join(f"{f.get('message')}\n{f.text}" for f in failures)
    shown["classroom"] = "\n".join(t["message"] for r in classroom.runner_results(run).values()
                                   for t in r["tests"])
    # The path the learner gave is theirs (here a folder named after this test).
    return {where: text.replace(run.label, "work.py") for where, text in shown.items()}


def assert_no_internals(run):
    for where, shown in reports(run).items():
        leaks = sorted({m.group(0) for m in INTERNALS.finditer(shown)})
        assert not leaks, f"{where} shows {leaks}:\n{shown}"


def test_the_check_catches_what_learners_used_to_see():
    named = {"Impl", "KataSession", "NotPlain", "RemoteError", "Mismatch", "SubmissionFailure"}
    assert named <= grader_class_names()
    for seen in ("FlakyFailure: Hypothesis test_minibatches(impl=<grader.plugin.impl.Impl object at 0x7f6e>)",
                 "raised: NotPlain: more than 100000 items", "Failed: skipped: `magnitude` already timed out",
                 "RemoteError: ModuleNotFoundError: No module named 'solutions'", "Traceback (most recent"):
        assert INTERNALS.search(seen), seen
    assert not INTERNALS.search("add([1], [2]) raised ValueError: lengths differ\n  expected: [3]")


def mutant_groups():
    """The bank in as few submissions as possible: at most one mutant per function in each."""
    groups = []
    for mutant in MUTANTS:
        home = next((g for g in groups if all(m.function != mutant.function for m in g)), None)
        if home is None:
            groups.append([mutant])
        else:
            home.append(mutant)
    return groups


@pytest.mark.parametrize("group", mutant_groups(), ids=lambda g: "+".join(m.id for m in g)[:60])
def test_no_mutant_of_the_bank_shows_internals(group, write_submission):
    source = reference_source() + "".join(f"\n\n# --- mutant {m.id} ---\n{m.source}" for m in group)
    run = grade(str(write_submission(source)), in_process=True)
    assert run.load_error is None
    assert {m.function for m in group} <= set(lost_points(run))  # every mutant was caught, and explained
    assert_no_internals(run)


ODD = '''
import random
import sys
import time


def add(v, w):  # nondeterministic: depends on the clock
    if len(v) != len(w):
        raise ValueError("lengths differ")
    return [a + b + time.perf_counter_ns() % 2 for a, b in zip(v, w)]


def subtract(v, w):  # a huge result
    return list(range(10 ** 6))


def vector_sum(vectors):  # a deeply nested result
    return [[[[[[[[[[[[1.0]]]]]]]]]]]]


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no words for this")


def scalar_multiply(c, v):  # an exception whose str() raises
    raise Unprintable()


class Interrupted(KeyboardInterrupt):
    pass


def vector_mean(vectors):  # a KeyboardInterrupt subclass
    raise Interrupted("stop")


class Mine(BaseException):
    pass


def dot(v, w):  # a BaseException subclass
    raise Mine("mine")


def sum_of_squares(v):  # endless recursion
    return sum_of_squares(v)


def magnitude(v):  # an endless loop: a timeout
    while True:
        pass


class OwnError(Exception):
    pass


def squared_distance(v, w):  # an exception class of the learner's own
    raise OwnError("my own error")


def distance(v, w):  # prints, and is wrong
    print("debug: distance of", v, "and", w)
    return 0.0


def difference_quotient(f, x, h):  # a set: not a number
    return {1.0}


def partial_difference_quotient(f, v, i, h):  # a string: the wrong type
    return "0.5"


def estimate_gradient(f, v, h=0.0001):  # a generator that never advances
    while True:
        pass
    yield 0.0


def gradient_step(v, gradient, step_size):  # ends the program
    sys.exit(3)


def sum_of_squares_gradient(v):  # prints instead of returning
    print([2 * x for x in v])


def linear_gradient(x, y, theta):  # a dict
    return {"slope": 1.0, "intercept": [2.0]}


def minibatches(dataset, batch_size, shuffle=True):  # an endless generator
    while True:
        yield dataset[:batch_size]
'''


@pytest.fixture(scope="module")
def odd_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("odd") / "odd.py"
    path.write_text(reference_source() + ODD, encoding="utf-8")
    return grade(str(path))


def test_odd_behaviours_in_the_sandbox_show_no_internals(odd_run):
    assert odd_run.load_error is None
    assert len(lost_points(odd_run)) >= 17  # every function misbehaves
    assert_no_internals(odd_run)


def test_odd_behaviours_are_sentences_about_the_learners_code(odd_run):
    shown = terminal.render(odd_run)
    from grader.target import CALL_TIMEOUT
    for expected in (say("sandbox.not_plain_too_long", count=MAX_ITEMS), say("sandbox.not_plain_too_deep"),
                     say("sandbox.not_plain_type", type="set"),
                     say("sandbox.call_over_time", seconds=CALL_TIMEOUT),
                     say("report.called_exit"), say("report.printed_instead_of_return"),
                     say("checks.shape.not_a_number", type="str"), say("report.printed"),
                     "debug: distance of", "Unprintable", "Interrupted: stop", "Mine: mine",
                     "OwnError: my own error",
                     "RecursionError"):
        assert expected in shown, expected
    isolation = say("report.isolation", isolation="|").split("|")[0]
    assert isolation not in shown and isolation in terminal.plain_text(odd_run)  # for instructors only


def test_answers_that_differ_for_the_same_input_are_called_so(write_submission):
    # Drops its first batch on about a third of calls, whatever the input: the same call fails, then passes.
    sometimes_drops = ("import random\ndef minibatches(dataset, batch_size, shuffle=True):\n"
                       "    starts = list(range(0, len(dataset), batch_size))\n"
                       "    if shuffle:\n        random.shuffle(starts)\n"
                       "    if random.random() < 0.3:\n        starts = starts[1:]\n"
                       "    for s in starts:\n        yield dataset[s:s + batch_size]\n")
    run = grade(str(write_submission(reference_source() + "\n" + sometimes_drops)), only=["minibatches"])
    assert_no_internals(run)
    assert say("report.flaky", function="minibatches") in terminal.render(run)


@pytest.mark.parametrize("broken", ["a function missing", "not importable"])
def test_a_reference_that_cannot_serve_is_the_graders_problem(broken, write_submission, monkeypatch):
    complete = target_module.reference()

    def reference():
        if broken == "not importable":
            raise ModuleNotFoundError("No module named 'solutions'")
        functions = {k: v for k, v in complete.functions.items() if k != "subtract"}
        return type("Partial", (), {"functions": functions})

    monkeypatch.setattr(target_module, "reference", reference)
    uses_subtract = r"\1    subtract(v, w)  # served by the reference\n"
    source = re.sub(r"(def distance\(.*\n)", uses_subtract, reference_source())
    # The learner's own subtract is unfinished, so only the stand-in could make distance pass.
    source = re.sub(r"(def subtract\(.*\n)", r"\1    raise NotImplementedError\n", source)
    run = grade(str(write_submission(source)), only=["distance"])
    assert_no_internals(run)
    assert say("report.grader_problem") in terminal.render(run)


def test_printed_output_is_shown_bounded_under_the_failing_call(write_submission):
    noisy = ("def dot(v, w):\n    for i in range(500):\n        print('line', i, '\\x1b[31mred')\n"
             "    return 0.0\n")
    run = grade(str(write_submission(reference_source() + "\n" + noisy)), only=["dot"])
    shown = terminal.render(run)
    assert say("report.printed") in shown and "line 0 " in shown and "line 8 " not in shown
    more = say("report.printed_more", count=999).split("999")[0]
    assert more in shown
    assert "\x1b" not in shown  # the learner's escape codes do not reach the terminal
    assert any("line 0 " in t["output"] for t in gradescope.results(run)["tests"])


# --- the words themselves, without grading ----------------------------------------------


def test_an_unusable_value_is_explained_and_a_forged_reason_is_not_believed():
    said = explain(Failure("raised", call="add([1], [2])", type="NotPlain",
                           message=str(NotPlain("too_long", count=MAX_ITEMS))), "add", {})
    assert said == [say("report.unusable_value", call="add([1], [2])",
                        reason=say("sandbox.not_plain_too_long", count=MAX_ITEMS))]
    forged = '{"code": "type", "fields": {"type": "' + "x" * 500 + '"}}'
    said = explain(Failure("raised", call="add([1], [2])", type="NotPlain", message=forged), "add", {})
    assert say("sandbox.not_plain_unknown") in said[0] and "xxx" not in said[0]


def test_what_came_from_the_learner_is_bounded_and_cannot_drive_the_terminal():
    failure = Failure("raised", call="dot([1], [2])", type="Oops\x1b[2J", message="a\nb\x07" + "c" * 5000,
                      printed="\x1b[31mred\n" * 100)
    said = "\n".join(explain(failure, "dot", {}))
    assert "\x1b" not in said and "\x07" not in said
    assert len(said) < 2500 and say("report.printed_more", count=92) in said


def test_a_numerical_estimate_is_shown_as_about_its_rounded_value():
    assert about([0.0, 1.9999999999998352]) == say("checks.about", value="[0.0, 2.0]")
    assert about(39.99999999) == say("checks.about", value="40.0")


def _record(test, failure, function="magnitude"):
    return Record(nodeid=f"k::{test}", test=test, function=function, experiment=None, tags=(function,),
                  status=FAILED, failure=failure, note=f"note of {test}")


def test_the_same_mistake_is_shown_once_per_function():
    same = Failure("mismatch", call="magnitude([2.0])", expected=2.0, got=4.0, mistake="magnitude-no-root")
    other = Failure("mismatch", call="magnitude([0.0, 0.5])", expected=0.5, got=0.25,
                    mistake="magnitude-no-root")
    run = Run(label="work.py", records=[_record("test_one", same), _record("test_two", other)],
              only=["magnitude"])
    shown = terminal.render(run)
    assert shown.count(say("report.looks_like", mistake=text.mistake("magnitude-no-root"))) == 1, shown
    assert "magnitude([0.0, 0.5])" not in shown and shown.count("note of") == 1
    assert say("report.more_failures", count=1) in shown
