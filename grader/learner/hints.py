"""Hints in steps: the report shows the first; each `--hint NAME` shows one more.

How far a learner has asked is kept per target and function in the user's cache
directory ($XDG_CACHE_HOME, or ~/.cache), never in the project.
"""
import json
import os
from pathlib import Path
from typing import List

from ..kata import catalog

MORE = {
    "add": ["Check len(v) == len(w) first and raise (for example ValueError) when they differ.",
            "return [v_i + w_i for v_i, w_i in zip(v, w)] after the length check."],
    "subtract": ["The first element of subtract([5, 7], [4, 5]) is 5 - 4 = 1, not 4 - 5.",
                 "return [v_i - w_i for v_i, w_i in zip(v, w)] after checking the lengths."],
    "vector_sum": ["An empty list has no first vector to take the length from: raise an error for it.",
                   "n = len(vectors[0]); check every len(v) == n; return [sum(v[i] for v in vectors) for i in range(n)]."],
    "scalar_multiply": ["Do not assign into v: the caller still needs it.",
                        "return [c * v_i for v_i in v]"],
    "vector_mean": ["vector_mean([[1, 2], [3, 4], [5, 6]]) divides each sum by 3, the number of vectors.",
                    "return scalar_multiply(1 / len(vectors), vector_sum(vectors))"],
    "dot": ["zip silently drops the extra elements of the longer vector: check the lengths.",
            "return sum(v_i * w_i for v_i, w_i in zip(v, w)) after the length check."],
    "sum_of_squares": ["Each element is squared before the sum: 1**2 + 2**2 + 3**2 = 14.",
                       "return dot(v, v)"],
    "magnitude": ["magnitude([3, 4]) is 5: the square root of 9 + 16.",
                  "return math.sqrt(sum_of_squares(v))"],
    "squared_distance": ["It is the distance squared, so there is no square root.",
                         "return sum_of_squares(subtract(v, w))"],
    "distance": ["distance([1, 2], [4, 6]) is 5: the differences are 3 and 4.",
                 "return math.sqrt(squared_distance(v, w))"],
    "difference_quotient": ["Call f at x + h and at x; do not use x - h.",
                            "return (f(x + h) - f(x)) / h"],
    "partial_difference_quotient": ["w should equal v everywhere except at index i, where it is v[i] + h.",
                                    "w = [v_j + (h if j == i else 0) for j, v_j in enumerate(v)]; "
                                    "return (f(w) - f(v)) / h"],
    "estimate_gradient": ["The result has one element per element of v, and passes h on.",
                          "return [partial_difference_quotient(f, v, i, h) for i in range(len(v))]"],
    "gradient_step": ["It adds: gradient_step([1, 2], [10, 20], -0.1) is [0, 0].",
                      "return add(v, scalar_multiply(step_size, gradient))"],
    "sum_of_squares_gradient": ["d/dv_i of v_i ** 2 is 2 * v_i, so the gradient at [1, -2] is [2, -4].",
                                "return [2 * v_i for v_i in v]"],
    "linear_gradient": ["The error is predicted - y, with predicted = slope * x + intercept.",
                        "slope, intercept = theta; error = slope * x + intercept - y; "
                        "return [2 * error * x, 2 * error]"],
    "minibatches": ["Shuffle the list of batch starts, never the dataset: the caller's data must not change.",
                    "starts = list(range(0, len(dataset), batch_size)); if shuffle: random.shuffle(starts); "
                    "then yield dataset[start:start + batch_size] for each start."],
}

LEVELS = 3


def all_hints(name: str) -> List[str]:
    return [catalog.BY_NAME[name].hint] + MORE[name]


def _state_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "gradient-descent-kata" / "hints.json"


def next_level(target: str, name: str) -> int:
    """Record one more request for a hint on name; return how many hints to show (2..3)."""
    path = _state_file()
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        state = {}
    key = f"{os.path.abspath(target) if os.path.exists(target) else target}::{name}"
    level = min(LEVELS, max(1, int(state.get(key, 1))) + 1)
    state[key] = level
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(state, indent=1, sort_keys=True))
    except OSError:
        pass  # a read-only home still gets its hints, just not remembered
    return level
