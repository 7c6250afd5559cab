"""What the kata asks for: the exercise functions in learning order, their points and hints.

This is the single table the grader, the reports and the notebooks read. The points
here are the defaults, adding up to 100: 88 for the seventeen functions, 12 for the
four convergence experiments. An instructor's grader.toml may change them (and the
total): see grader/config.py.
"""
from dataclasses import dataclass
from typing import Dict, Tuple


@dataclass(frozen=True)
class Exercise:
    name: str
    module: str  # "linear_algebra" or "gradient_descent"
    points: int
    hint: str


@dataclass(frozen=True)
class Experiment:
    name: str
    title: str
    points: int
    uses: Tuple[str, ...]


EXERCISES: Tuple[Exercise, ...] = (
    Exercise("add", "linear_algebra", 4, "Pair up elements with zip(v, w) and add each pair."),
    Exercise("subtract", "linear_algebra", 4, "Like add, but v_i - w_i: the order matters."),
    Exercise("vector_sum", "linear_algebra", 5, "Sum the i-th elements of every vector, for each i; check the vectors are non-empty and the same length."),
    Exercise("scalar_multiply", "linear_algebra", 4, "Multiply every element by c and return a new list."),
    Exercise("vector_mean", "linear_algebra", 5, "Divide the vector_sum by the number of vectors, not by their length."),
    Exercise("dot", "linear_algebra", 5, "Multiply matching elements and sum the products."),
    Exercise("sum_of_squares", "linear_algebra", 4, "That is dot(v, v)."),
    Exercise("magnitude", "linear_algebra", 4, "The square root of sum_of_squares(v)."),
    Exercise("squared_distance", "linear_algebra", 4, "sum_of_squares(subtract(v, w)): no square root here."),
    Exercise("distance", "linear_algebra", 4, "The square root of squared_distance(v, w)."),
    Exercise("difference_quotient", "gradient_descent", 5, "The forward quotient: (f(x + h) - f(x)) / h, not a central one."),
    Exercise("partial_difference_quotient", "gradient_descent", 6, "Build a new vector equal to v except that element i is v[i] + h; leave v itself alone."),
    Exercise("estimate_gradient", "gradient_descent", 6, "One partial_difference_quotient per index of v, using the h you were given."),
    Exercise("gradient_step", "gradient_descent", 6, "Return v + step_size * gradient as a new vector; the caller passes a negative step to descend."),
    Exercise("sum_of_squares_gradient", "gradient_descent", 5, "The derivative of v_i ** 2 is 2 * v_i."),
    Exercise("linear_gradient", "gradient_descent", 8, "With error = slope * x + intercept - y, the gradient is [2 * error * x, 2 * error]."),
    Exercise("minibatches", "gradient_descent", 9, "Make a list of batch starts range(0, len(dataset), batch_size), shuffle that list (only if shuffle), and yield dataset[start:start + batch_size]."),
)

EXPERIMENTS: Tuple[Experiment, ...] = (
    Experiment("descend_sum_of_squares", "Descend the sum of squares to the origin", 3,
               ("sum_of_squares_gradient", "gradient_step", "add", "scalar_multiply", "distance", "squared_distance",
                "subtract", "sum_of_squares", "dot")),
    Experiment("fit_batch", "Fit y = 40x + 5 by batch gradient descent", 3,
               ("linear_gradient", "vector_mean", "vector_sum", "scalar_multiply", "add", "gradient_step")),
    Experiment("fit_minibatch", "Fit y = 40x + 5 by minibatch gradient descent", 3,
               ("minibatches", "linear_gradient", "vector_mean", "vector_sum", "scalar_multiply", "add", "gradient_step")),
    Experiment("fit_sgd", "Fit y = 40x + 5 by stochastic gradient descent", 3,
               ("linear_gradient", "gradient_step", "add", "scalar_multiply")),
)

BY_NAME: Dict[str, Exercise] = {e.name: e for e in EXERCISES}
EXPERIMENT_BY_NAME: Dict[str, Experiment] = {e.name: e for e in EXPERIMENTS}
FUNCTION_NAMES: Tuple[str, ...] = tuple(e.name for e in EXERCISES)
MAX_SCORE = sum(e.points for e in EXERCISES) + sum(x.points for x in EXPERIMENTS)  # the default total
