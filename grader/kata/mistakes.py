"""The bank of realistic wrong implementations (mutants), each named by the mistake it makes.

The project's tests prove the suite's strength with it: every mutant must lose
points on its own function and on no other. Each entry is the source of one wrong
function; `submission_source` puts it into an otherwise correct submission.
"""
import re
from dataclasses import dataclass
from typing import List, Tuple

from ..paths import SOLUTIONS


@dataclass(frozen=True)
class Mutant:
    """A wrong implementation of `function`. What a learner whose answers match it is told
    is the text `mistakes.<id>` of grader/text (`grader.text.mistake(id)`)."""

    id: str
    function: str
    source: str


def _m(id_, function, source) -> Mutant:
    return Mutant(id_, function, source.strip() + "\n")


MUTANTS: Tuple[Mutant, ...] = (
    _m("add-subtracts", "add",
       "def add(v, w):\n    return [a - b for a, b in zip(v, w)]"),
    _m("add-drops-last", "add",
       "def add(v, w):\n    assert len(v) == len(w)\n    return [v[i] + w[i] for i in range(len(v) - 1)]"),
    _m("add-no-length-check", "add",
       "def add(v, w):\n    return [a + b for a, b in zip(v, w)]"),
    _m("add-in-place", "add",
       "def add(v, w):\n    assert len(v) == len(w)\n    for i in range(len(v)):\n        v[i] += w[i]\n"
       "    return v"),
    _m("subtract-reversed", "subtract",
       "def subtract(v, w):\n    assert len(v) == len(w)\n    return [b - a for a, b in zip(v, w)]"),
    _m("subtract-no-length-check", "subtract",
       "def subtract(v, w):\n    return [a - b for a, b in zip(v, w)]"),
    _m("vector_sum-skips-first", "vector_sum",
       "def vector_sum(vectors):\n    assert vectors\n    n = len(vectors[0])\n"
       "    assert all(len(v) == n for v in vectors)\n    total = [0] * n\n    for v in vectors[1:]:\n"
       "        total = [t + x for t, x in zip(total, v)]\n    return total"),
    _m("vector_sum-empty-ok", "vector_sum",
       "def vector_sum(vectors):\n    if not vectors:\n        return []\n    n = len(vectors[0])\n"
       "    assert all(len(v) == n for v in vectors)\n"
       "    return [sum(v[i] for v in vectors) for i in range(n)]"),
    _m("vector_sum-no-length-check", "vector_sum",
       "def vector_sum(vectors):\n    assert vectors\n"
       "    return [sum(v[i] for v in vectors) for i in range(min(len(v) for v in vectors))]"),
    _m("scalar_multiply-adds", "scalar_multiply",
       "def scalar_multiply(c, v):\n    return [c + x for x in v]"),
    _m("scalar_multiply-in-place", "scalar_multiply",
       "def scalar_multiply(c, v):\n    for i in range(len(v)):\n        v[i] *= c\n    return v"),
    _m("vector_mean-divides-by-length", "vector_mean",
       "def vector_mean(vectors):\n    return scalar_multiply(1 / len(vectors[0]), vector_sum(vectors))"),
    _m("vector_mean-n-minus-one", "vector_mean",
       "def vector_mean(vectors):\n"
       "    return scalar_multiply(1 / max(len(vectors) - 1, 1), vector_sum(vectors))"),
    _m("dot-adds", "dot",
       "def dot(v, w):\n    assert len(v) == len(w)\n    return sum(a + b for a, b in zip(v, w))"),
    _m("dot-no-length-check", "dot",
       "def dot(v, w):\n    return sum(a * b for a, b in zip(v, w))"),
    _m("dot-book-answer", "dot",
       "def dot(v, w):\n    return 32"),
    _m("sum_of_squares-forgets-square", "sum_of_squares",
       "def sum_of_squares(v):\n    return sum(v)"),
    _m("sum_of_squares-takes-root", "sum_of_squares",
       "import math\ndef sum_of_squares(v):\n    return math.sqrt(dot(v, v))"),
    _m("magnitude-no-root", "magnitude",
       "def magnitude(v):\n    return sum_of_squares(v)"),
    _m("magnitude-book-answer", "magnitude",
       "def magnitude(v):\n    return 5.0"),
    _m("squared_distance-takes-root", "squared_distance",
       "import math\ndef squared_distance(v, w):\n    return math.sqrt(sum_of_squares(subtract(v, w)))"),
    _m("squared_distance-no-square", "squared_distance",
       "def squared_distance(v, w):\n    return sum(subtract(v, w))"),
    _m("distance-no-root", "distance",
       "def distance(v, w):\n    return squared_distance(v, w)"),
    _m("distance-of-sum", "distance",
       "import math\ndef distance(v, w):\n    return math.sqrt(sum_of_squares(add(v, w)))"),
    _m("difference_quotient-central", "difference_quotient",
       "def difference_quotient(f, x, h):\n    return (f(x + h) - f(x - h)) / (2 * h)"),
    _m("difference_quotient-sign", "difference_quotient",
       "def difference_quotient(f, x, h):\n    return (f(x) - f(x + h)) / h"),
    _m("difference_quotient-no-division", "difference_quotient",
       "def difference_quotient(f, x, h):\n    return f(x + h) - f(x)"),
    _m("partial-moves-all", "partial_difference_quotient",
       "def partial_difference_quotient(f, v, i, h):\n    w = [x + h for x in v]\n"
       "    return (f(w) - f(v)) / h"),
    _m("partial-off-by-one", "partial_difference_quotient",
       "def partial_difference_quotient(f, v, i, h):\n"
       "    w = [x + (h if j == i + 1 else 0) for j, x in enumerate(v)]\n    return (f(w) - f(v)) / h"),
    _m("partial-in-place", "partial_difference_quotient",
       "def partial_difference_quotient(f, v, i, h):\n    before = f(v)\n    v[i] += h\n"
       "    return (f(v) - before) / h"),
    # np.array(v) of ints is an int array: w[i] += h then leaves w[i] as it was (h < 1).
    _m("partial-numpy-int-array", "partial_difference_quotient",
       "import numpy as np\ndef partial_difference_quotient(f, v, i, h):\n    w = np.array(v)\n"
       "    w[i] += h\n    return (f(list(w)) - f(v)) / h"),
    _m("estimate_gradient-ignores-h", "estimate_gradient",
       "def estimate_gradient(f, v, h=0.0001):\n"
       "    return [partial_difference_quotient(f, v, i, 0.0001) for i in range(len(v))]"),
    _m("estimate_gradient-skips-last", "estimate_gradient",
       "def estimate_gradient(f, v, h=0.0001):\n"
       "    return [partial_difference_quotient(f, v, i, h) for i in range(len(v) - 1)]"),
    _m("estimate_gradient-wrong-default", "estimate_gradient",
       "def estimate_gradient(f, v, h=0.1):\n"
       "    return [partial_difference_quotient(f, v, i, h) for i in range(len(v))]"),
    # np.zeros_like(v) of an int v is an int array: every estimate stored in it is truncated.
    _m("estimate_gradient-zeros-like-int", "estimate_gradient",
       "import numpy as np\ndef estimate_gradient(f, v, h=0.0001):\n    gradient = np.zeros_like(v)\n"
       "    for i in range(len(v)):\n        gradient[i] = partial_difference_quotient(f, v, i, h)\n"
       "    return gradient"),
    _m("gradient_step-subtracts", "gradient_step",
       "def gradient_step(v, gradient, step_size):\n"
       "    return [x - step_size * g for x, g in zip(v, gradient)]"),
    _m("gradient_step-forgets-v", "gradient_step",
       "def gradient_step(v, gradient, step_size):\n    return scalar_multiply(step_size, gradient)"),
    _m("gradient_step-in-place", "gradient_step",
       "def gradient_step(v, gradient, step_size):\n    for i in range(len(v)):\n"
       "        v[i] += step_size * gradient[i]\n    return v"),
    _m("gradient_step-zeros-like-int", "gradient_step",
       "import numpy as np\ndef gradient_step(v, gradient, step_size):\n    new_v = np.zeros_like(v)\n"
       "    for i in range(len(v)):\n        new_v[i] = v[i] + step_size * gradient[i]\n    return new_v"),
    _m("sum_of_squares_gradient-no-factor-2", "sum_of_squares_gradient",
       "def sum_of_squares_gradient(v):\n    return list(v)"),
    _m("sum_of_squares_gradient-squares", "sum_of_squares_gradient",
       "def sum_of_squares_gradient(v):\n    return [x * x for x in v]"),
    _m("linear_gradient-no-factor-2", "linear_gradient",
       "def linear_gradient(x, y, theta):\n    slope, intercept = theta\n"
       "    error = slope * x + intercept - y\n    return [error * x, error]"),
    _m("linear_gradient-sign", "linear_gradient",
       "def linear_gradient(x, y, theta):\n    slope, intercept = theta\n"
       "    error = y - (slope * x + intercept)\n    return [2 * error * x, 2 * error]"),
    _m("linear_gradient-swapped", "linear_gradient",
       "def linear_gradient(x, y, theta):\n    slope, intercept = theta\n"
       "    error = slope * x + intercept - y\n    return [2 * error, 2 * error * x]"),
    _m("linear_gradient-zeros-like-int", "linear_gradient",
       "import numpy as np\ndef linear_gradient(x, y, theta):\n    slope, intercept = theta\n"
       "    error = slope * x + intercept - y\n    gradient = np.zeros_like(theta)\n"
       "    gradient[0] = 2 * error * x\n    gradient[1] = 2 * error\n    return gradient"),
    _m("minibatches-drops-last", "minibatches",
       "import random\ndef minibatches(dataset, batch_size, shuffle=True):\n"
       "    starts = list(range(0, len(dataset) - batch_size + 1, batch_size))\n    if shuffle:\n"
       "        random.shuffle(starts)\n    for s in starts:\n        yield dataset[s:s + batch_size]"),
    _m("minibatches-never-shuffles", "minibatches",
       "def minibatches(dataset, batch_size, shuffle=True):\n"
       "    for s in range(0, len(dataset), batch_size):\n        yield dataset[s:s + batch_size]"),
    _m("minibatches-always-shuffles", "minibatches",
       "import random\ndef minibatches(dataset, batch_size, shuffle=True):\n"
       "    starts = list(range(0, len(dataset), batch_size))\n    random.shuffle(starts)\n"
       "    for s in starts:\n        yield dataset[s:s + batch_size]"),
    _m("minibatches-shuffles-dataset", "minibatches",
       "import random\ndef minibatches(dataset, batch_size, shuffle=True):\n    if shuffle:\n"
       "        random.shuffle(dataset)\n    for s in range(0, len(dataset), batch_size):\n"
       "        yield dataset[s:s + batch_size]"),
    _m("minibatches-short-slices", "minibatches",
       "import random\ndef minibatches(dataset, batch_size, shuffle=True):\n"
       "    starts = list(range(0, len(dataset), batch_size))\n    if shuffle:\n"
       "        random.shuffle(starts)\n    for s in starts:\n        yield dataset[s:s + batch_size - 1]"),
    _m("minibatches-overlapping", "minibatches",
       "import random\ndef minibatches(dataset, batch_size, shuffle=True):\n"
       "    starts = list(range(0, len(dataset)))\n    if shuffle:\n        random.shuffle(starts)\n"
       "    for s in starts:\n        yield dataset[s:s + batch_size]"),
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
