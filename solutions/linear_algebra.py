"""Reference solutions: vectors as lists of floats (Data Science from Scratch, ch. 4)."""
import math
from typing import List

Vector = List[float]


def _check_same_length(v: Vector, w: Vector) -> None:
    if len(v) != len(w):
        raise ValueError(f"vectors must be the same length ({len(v)} != {len(w)})")


def add(v: Vector, w: Vector) -> Vector:
    """Adds corresponding elements."""
    _check_same_length(v, w)
    return [v_i + w_i for v_i, w_i in zip(v, w)]


def subtract(v: Vector, w: Vector) -> Vector:
    """Subtracts corresponding elements."""
    _check_same_length(v, w)
    return [v_i - w_i for v_i, w_i in zip(v, w)]


def vector_sum(vectors: List[Vector]) -> Vector:
    """Sums all corresponding elements."""
    if not vectors:
        raise ValueError("no vectors provided")
    num_elements = len(vectors[0])
    for vector in vectors:
        _check_same_length(vectors[0], vector)
    return [sum(vector[i] for vector in vectors) for i in range(num_elements)]


def scalar_multiply(c: float, v: Vector) -> Vector:
    """Multiplies every element by c."""
    return [c * v_i for v_i in v]


def vector_mean(vectors: List[Vector]) -> Vector:
    """Computes the element-wise average."""
    n = len(vectors)
    return scalar_multiply(1 / n, vector_sum(vectors))


def dot(v: Vector, w: Vector) -> float:
    """Computes v_1 * w_1 + ... + v_n * w_n."""
    _check_same_length(v, w)
    return sum(v_i * w_i for v_i, w_i in zip(v, w))


def sum_of_squares(v: Vector) -> float:
    """Returns v_1 * v_1 + ... + v_n * v_n."""
    return dot(v, v)


def magnitude(v: Vector) -> float:
    """Returns the magnitude (or length) of v."""
    return math.sqrt(sum_of_squares(v))


def squared_distance(v: Vector, w: Vector) -> float:
    """Computes (v_1 - w_1) ** 2 + ... + (v_n - w_n) ** 2."""
    return sum_of_squares(subtract(v, w))


def distance(v: Vector, w: Vector) -> float:
    """Computes the distance between v and w."""
    return math.sqrt(squared_distance(v, w))
