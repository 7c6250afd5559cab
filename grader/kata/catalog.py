"""What the kata asks for: the exercise functions in learning order, and their points.

This is the single table the grader, the reports and the notebooks read. The points
here are the defaults, adding up to 100: 88 for the seventeen functions, 12 for the
four convergence experiments. An instructor's grader.toml may change them (and the
total): see grader/config.py. What is said about each function is in grader/text.
"""
from dataclasses import dataclass
from typing import Dict, Tuple


@dataclass(frozen=True)
class Exercise:
    """One function to write. Its words (summary, hints) are in grader/text/<lang>/functions.toml."""

    name: str
    module: str  # "linear_algebra" or "gradient_descent"
    points: int


@dataclass(frozen=True)
class Experiment:
    name: str
    points: int
    uses: Tuple[str, ...]

    @property
    def title(self) -> str:
        """The title a learner reads, in the current language (report.experiment_titles.<name>)."""
        from ..text import say
        return say(f"report.experiment_titles.{self.name}")


EXERCISES: Tuple[Exercise, ...] = (
    Exercise("add", "linear_algebra", 4),
    Exercise("subtract", "linear_algebra", 4),
    Exercise("vector_sum", "linear_algebra", 5),
    Exercise("scalar_multiply", "linear_algebra", 4),
    Exercise("vector_mean", "linear_algebra", 5),
    Exercise("dot", "linear_algebra", 5),
    Exercise("sum_of_squares", "linear_algebra", 4),
    Exercise("magnitude", "linear_algebra", 4),
    Exercise("squared_distance", "linear_algebra", 4),
    Exercise("distance", "linear_algebra", 4),
    Exercise("difference_quotient", "gradient_descent", 5),
    Exercise("partial_difference_quotient", "gradient_descent", 6),
    Exercise("estimate_gradient", "gradient_descent", 6),
    Exercise("gradient_step", "gradient_descent", 6),
    Exercise("sum_of_squares_gradient", "gradient_descent", 5),
    Exercise("linear_gradient", "gradient_descent", 8),
    Exercise("minibatches", "gradient_descent", 9),
)

EXPERIMENTS: Tuple[Experiment, ...] = (
    Experiment("descend_sum_of_squares", 3,
               ("sum_of_squares_gradient", "gradient_step", "add", "scalar_multiply", "distance",
                "squared_distance", "subtract", "sum_of_squares", "dot")),
    Experiment("fit_batch", 3,
               ("linear_gradient", "vector_mean", "vector_sum", "scalar_multiply", "add", "gradient_step")),
    Experiment("fit_minibatch", 3,
               ("minibatches", "linear_gradient", "vector_mean", "vector_sum", "scalar_multiply", "add",
                "gradient_step")),
    Experiment("fit_sgd", 3,
               ("linear_gradient", "gradient_step", "add", "scalar_multiply")),
)

BY_NAME: Dict[str, Exercise] = {e.name: e for e in EXERCISES}
EXPERIMENT_BY_NAME: Dict[str, Experiment] = {e.name: e for e in EXPERIMENTS}
FUNCTION_NAMES: Tuple[str, ...] = tuple(e.name for e in EXERCISES)
MAX_SCORE = sum(e.points for e in EXERCISES) + sum(x.points for x in EXPERIMENTS)  # the default total
