"""The bank of realistic wrong implementations (mutants), each with the mistake it makes.

The project's tests prove the suite's strength with it: every mutant must lose
points on its own function and on no other. Each entry is the source of one wrong
function; `submission_source` puts it into an otherwise correct submission.
"""
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Tuple

from ..paths import SOLUTIONS



@dataclass(frozen=True)
class Mutant:
    id: str
    function: str
    mistake: str  # said to a learner whose answers match this mutant's
    source: str


def _m(id_, function, mistake, source) -> Mutant:
    return Mutant(id_, function, mistake, source.strip() + "\n")


MUTANTS: Tuple[Mutant, ...] = (
    _m("add-subtracts", "add", "`add` subtracts instead of adding.",
       "def add(v, w):\n    return [a - b for a, b in zip(v, w)]"),
    _m("add-drops-last", "add", "`add` drops the last element: check the range of your loop.",
       "def add(v, w):\n    assert len(v) == len(w)\n    return [v[i] + w[i] for i in range(len(v) - 1)]"),
    _m("add-no-length-check", "add", "`add` silently truncates vectors of different lengths: zip stops at the shorter one, so check the lengths first.",
       "def add(v, w):\n    return [a + b for a, b in zip(v, w)]"),
    _m("add-in-place", "add", "`add` changes v in place: build a new list instead.",
       "def add(v, w):\n    assert len(v) == len(w)\n    for i in range(len(v)):\n        v[i] += w[i]\n    return v"),
    _m("subtract-reversed", "subtract", "`subtract` computes w - v instead of v - w.",
       "def subtract(v, w):\n    assert len(v) == len(w)\n    return [b - a for a, b in zip(v, w)]"),
    _m("subtract-no-length-check", "subtract", "`subtract` silently truncates vectors of different lengths.",
       "def subtract(v, w):\n    return [a - b for a, b in zip(v, w)]"),
    _m("vector_sum-skips-first", "vector_sum", "`vector_sum` skips the first vector: start from vectors[0], or from zeros and add them all.",
       "def vector_sum(vectors):\n    assert vectors\n    n = len(vectors[0])\n    assert all(len(v) == n for v in vectors)\n    total = [0] * n\n    for v in vectors[1:]:\n        total = [t + x for t, x in zip(total, v)]\n    return total"),
    _m("vector_sum-empty-ok", "vector_sum", "`vector_sum` returns [] for an empty list instead of raising an error.",
       "def vector_sum(vectors):\n    if not vectors:\n        return []\n    n = len(vectors[0])\n    assert all(len(v) == n for v in vectors)\n    return [sum(v[i] for v in vectors) for i in range(n)]"),
    _m("vector_sum-no-length-check", "vector_sum", "`vector_sum` does not check that the vectors have the same length.",
       "def vector_sum(vectors):\n    assert vectors\n    return [sum(v[i] for v in vectors) for i in range(min(len(v) for v in vectors))]"),
    _m("scalar_multiply-adds", "scalar_multiply", "`scalar_multiply` adds c instead of multiplying by it.",
       "def scalar_multiply(c, v):\n    return [c + x for x in v]"),
    _m("scalar_multiply-in-place", "scalar_multiply", "`scalar_multiply` changes v in place: return a new list.",
       "def scalar_multiply(c, v):\n    for i in range(len(v)):\n        v[i] *= c\n    return v"),
    _m("vector_mean-divides-by-length", "vector_mean", "`vector_mean` divides by the length of the vectors; divide by how many vectors there are.",
       "def vector_mean(vectors):\n    return scalar_multiply(1 / len(vectors[0]), vector_sum(vectors))"),
    _m("vector_mean-n-minus-one", "vector_mean", "`vector_mean` divides by n - 1: the mean divides by n.",
       "def vector_mean(vectors):\n    return scalar_multiply(1 / max(len(vectors) - 1, 1), vector_sum(vectors))"),
    _m("dot-adds", "dot", "`dot` sums v[i] + w[i]; it should sum the products v[i] * w[i].",
       "def dot(v, w):\n    assert len(v) == len(w)\n    return sum(a + b for a, b in zip(v, w))"),
    _m("dot-no-length-check", "dot", "`dot` silently ignores the extra elements of the longer vector.",
       "def dot(v, w):\n    return sum(a * b for a, b in zip(v, w))"),
    _m("dot-book-answer", "dot", "`dot` returns the answer of the book's example (32) whatever its input.",
       "def dot(v, w):\n    return 32"),
    _m("sum_of_squares-forgets-square", "sum_of_squares", "`sum_of_squares` sums the elements without squaring them.",
       "def sum_of_squares(v):\n    return sum(v)"),
    _m("sum_of_squares-takes-root", "sum_of_squares", "`sum_of_squares` takes a square root: that is magnitude.",
       "import math\ndef sum_of_squares(v):\n    return math.sqrt(dot(v, v))"),
    _m("magnitude-no-root", "magnitude", "`magnitude` forgets the square root.",
       "def magnitude(v):\n    return sum_of_squares(v)"),
    _m("magnitude-book-answer", "magnitude", "`magnitude` returns the answer of the book's example (5).",
       "def magnitude(v):\n    return 5.0"),
    _m("squared_distance-takes-root", "squared_distance", "`squared_distance` takes a square root: that is distance.",
       "import math\ndef squared_distance(v, w):\n    return math.sqrt(sum_of_squares(subtract(v, w)))"),
    _m("squared_distance-no-square", "squared_distance", "`squared_distance` sums the differences without squaring them.",
       "def squared_distance(v, w):\n    return sum(subtract(v, w))"),
    _m("distance-no-root", "distance", "`distance` forgets the square root.",
       "def distance(v, w):\n    return squared_distance(v, w)"),
    _m("distance-of-sum", "distance", "`distance` measures v + w; it should measure v - w.",
       "import math\ndef distance(v, w):\n    return math.sqrt(sum_of_squares(add(v, w)))"),
    _m("difference_quotient-central", "difference_quotient", "`difference_quotient` uses a central quotient; the exercise asks for the forward one, (f(x + h) - f(x)) / h.",
       "def difference_quotient(f, x, h):\n    return (f(x + h) - f(x - h)) / (2 * h)"),
    _m("difference_quotient-sign", "difference_quotient", "`difference_quotient` has its sign flipped: it is f(x + h) - f(x), over h.",
       "def difference_quotient(f, x, h):\n    return (f(x) - f(x + h)) / h"),
    _m("difference_quotient-no-division", "difference_quotient", "`difference_quotient` forgets to divide by h.",
       "def difference_quotient(f, x, h):\n    return f(x + h) - f(x)"),
    _m("partial-moves-all", "partial_difference_quotient", "`partial_difference_quotient` moves every coordinate by h; move only coordinate i.",
       "def partial_difference_quotient(f, v, i, h):\n    w = [x + h for x in v]\n    return (f(w) - f(v)) / h"),
    _m("partial-off-by-one", "partial_difference_quotient", "`partial_difference_quotient` moves coordinate i + 1 instead of i.",
       "def partial_difference_quotient(f, v, i, h):\n    w = [x + (h if j == i + 1 else 0) for j, x in enumerate(v)]\n    return (f(w) - f(v)) / h"),
    _m("partial-in-place", "partial_difference_quotient", "`partial_difference_quotient` changes v in place (v[i] += h): work on a copy.",
       "def partial_difference_quotient(f, v, i, h):\n    before = f(v)\n    v[i] += h\n    return (f(v) - before) / h"),
    _m("estimate_gradient-ignores-h", "estimate_gradient", "`estimate_gradient` ignores the h it is given.",
       "def estimate_gradient(f, v, h=0.0001):\n    return [partial_difference_quotient(f, v, i, 0.0001) for i in range(len(v))]"),
    _m("estimate_gradient-skips-last", "estimate_gradient", "`estimate_gradient` skips the last coordinate: range(len(v)) covers them all.",
       "def estimate_gradient(f, v, h=0.0001):\n    return [partial_difference_quotient(f, v, i, h) for i in range(len(v) - 1)]"),
    _m("estimate_gradient-wrong-default", "estimate_gradient", "`estimate_gradient` has a default h too large to estimate a gradient: use a small one, such as 0.0001.",
       "def estimate_gradient(f, v, h=0.1):\n    return [partial_difference_quotient(f, v, i, h) for i in range(len(v))]"),
    _m("gradient_step-subtracts", "gradient_step", "`gradient_step` subtracts the step; it should add step_size * gradient (the caller passes a negative step).",
       "def gradient_step(v, gradient, step_size):\n    return [x - step_size * g for x, g in zip(v, gradient)]"),
    _m("gradient_step-forgets-v", "gradient_step", "`gradient_step` returns only the step: add it to v.",
       "def gradient_step(v, gradient, step_size):\n    return scalar_multiply(step_size, gradient)"),
    _m("gradient_step-in-place", "gradient_step", "`gradient_step` changes v in place: return a new vector.",
       "def gradient_step(v, gradient, step_size):\n    for i in range(len(v)):\n        v[i] += step_size * gradient[i]\n    return v"),
    _m("sum_of_squares_gradient-no-factor-2", "sum_of_squares_gradient", "`sum_of_squares_gradient` forgets the factor 2 of the derivative of v_i ** 2.",
       "def sum_of_squares_gradient(v):\n    return list(v)"),
    _m("sum_of_squares_gradient-squares", "sum_of_squares_gradient", "`sum_of_squares_gradient` returns the squares; the derivative of v_i ** 2 is 2 * v_i.",
       "def sum_of_squares_gradient(v):\n    return [x * x for x in v]"),
    _m("linear_gradient-no-factor-2", "linear_gradient", "`linear_gradient` forgets the factor 2: the derivative of error ** 2 is 2 * error (it still converges, just slower).",
       "def linear_gradient(x, y, theta):\n    slope, intercept = theta\n    error = slope * x + intercept - y\n    return [error * x, error]"),
    _m("linear_gradient-sign", "linear_gradient", "`linear_gradient` uses y - predicted as the error: the gradient then points the wrong way.",
       "def linear_gradient(x, y, theta):\n    slope, intercept = theta\n    error = y - (slope * x + intercept)\n    return [2 * error * x, 2 * error]"),
    _m("linear_gradient-swapped", "linear_gradient", "`linear_gradient` returns the intercept's component first: the order is [slope, intercept].",
       "def linear_gradient(x, y, theta):\n    slope, intercept = theta\n    error = slope * x + intercept - y\n    return [2 * error, 2 * error * x]"),
    _m("minibatches-drops-last", "minibatches", "`minibatches` drops the last, shorter batch: range(0, len(dataset), batch_size) includes it.",
       "import random\ndef minibatches(dataset, batch_size, shuffle=True):\n    starts = list(range(0, len(dataset) - batch_size + 1, batch_size))\n    if shuffle:\n        random.shuffle(starts)\n    for s in starts:\n        yield dataset[s:s + batch_size]"),
    _m("minibatches-never-shuffles", "minibatches", "`minibatches` ignores shuffle=True: shuffle the list of batch starts when asked.",
       "def minibatches(dataset, batch_size, shuffle=True):\n    for s in range(0, len(dataset), batch_size):\n        yield dataset[s:s + batch_size]"),
    _m("minibatches-always-shuffles", "minibatches", "`minibatches` shuffles even with shuffle=False.",
       "import random\ndef minibatches(dataset, batch_size, shuffle=True):\n    starts = list(range(0, len(dataset), batch_size))\n    random.shuffle(starts)\n    for s in starts:\n        yield dataset[s:s + batch_size]"),
    _m("minibatches-shuffles-dataset", "minibatches", "`minibatches` shuffles your dataset in place: shuffle a list of batch starts instead.",
       "import random\ndef minibatches(dataset, batch_size, shuffle=True):\n    if shuffle:\n        random.shuffle(dataset)\n    for s in range(0, len(dataset), batch_size):\n        yield dataset[s:s + batch_size]"),
    _m("minibatches-short-slices", "minibatches", "`minibatches` makes slices one item short: dataset[start:start + batch_size] is the whole batch.",
       "import random\ndef minibatches(dataset, batch_size, shuffle=True):\n    starts = list(range(0, len(dataset), batch_size))\n    if shuffle:\n        random.shuffle(starts)\n    for s in starts:\n        yield dataset[s:s + batch_size - 1]"),
    _m("minibatches-overlapping", "minibatches", "`minibatches` makes overlapping batches: step the starts by batch_size.",
       "import random\ndef minibatches(dataset, batch_size, shuffle=True):\n    starts = list(range(0, len(dataset)))\n    if shuffle:\n        random.shuffle(starts)\n    for s in starts:\n        yield dataset[s:s + batch_size]"),
)


def reference_source() -> str:
    """The reference solutions as one module (what a learner uploads as a single file)."""
    parts = []
    for name in ("linear_algebra", "gradient_descent"):
        text = (SOLUTIONS / f"{name}.py").read_text(encoding="utf-8")
        parts.append(re.sub(r"^from \.linear_algebra import .*$", "", text, flags=re.M))
    return "\n\n".join(parts)


def submission_source(mutant: Mutant) -> str:
    """A correct single-file submission in which mutant.function is replaced by the mutant."""
    return reference_source() + f"\n\n# --- mutant {mutant.id} ---\n" + mutant.source


def by_function(function: str) -> List[Mutant]:
    return [m for m in MUTANTS if m.function == function]


_compiled = {}


def _mutant_function(mutant: Mutant):
    """The mutant as a callable, compiled once (trusted code: the bank is ours)."""
    if mutant.id not in _compiled:
        namespace: dict = {}
        exec(compile(submission_source(mutant), f"<mutant {mutant.id}>", "exec"), namespace)
        _compiled[mutant.id] = namespace[mutant.function]
    return _compiled[mutant.id]


def recognise(function: str, args: list, got, mutated: bool, seed: int):
    """The bank's mutant of `function` that answers like the learner did on args, if exactly one does.

    Randomness is seeded as it was for the learner's call, so a mutant that shuffles
    the way the learner's code does gives the very same answer. When several mutants
    fit (tiny inputs often make mistakes look alike), none is named.
    """
    import copy

    from ..expect import number_close, vector_close
    from ..plain import NotPlain, to_plain
    from ..sandbox.runtime import seed_randomness

    def plain_args(values):
        return [None if callable(v) else to_plain(v) for v in values]

    before = plain_args(args)
    matches = []
    for mutant in by_function(function):
        fresh = copy.deepcopy(list(args))
        seed_randomness(seed)
        try:
            answer = to_plain(_mutant_function(mutant)(*fresh))
        except (Exception, NotPlain):
            continue
        changed = plain_args(fresh) != before
        if changed != mutated:
            continue
        if mutated or _same(got, answer, number_close, vector_close):
            matches.append(mutant)
    return matches[0] if len(matches) == 1 else None


def _same(got, answer, number_close, vector_close) -> bool:
    numbers = (int, float)
    if isinstance(got, list) and isinstance(answer, list) and all(
            isinstance(x, numbers) and not isinstance(x, bool) for x in got + answer):
        return vector_close(got, answer, [abs(x) for x in answer], rel=1e-6)
    if isinstance(got, numbers) and isinstance(answer, numbers) and not isinstance(got, bool):
        return number_close(got, answer, abs(answer), rel=1e-6)
    return got == answer
