"""Vectors as plain Python lists (Data Science from Scratch, chapter 4).

Do these in order: later functions are easiest to write with earlier ones.
Replace each `raise NotImplementedError` with your code, then run
`python -m grader exercises` to see how you are doing.

Every function returns a new vector and leaves its arguments unchanged.
"""
import math  # noqa: F401  (you will want math.sqrt)
from typing import List

Vector = List[float]


def add(v: Vector, w: Vector) -> Vector:
    """Add corresponding elements: [v[0] + w[0], v[1] + w[1], ...].

    Raise an exception (any kind) if v and w have different lengths.

    >>> add([1, 2, 3], [4, 5, 6])
    [5, 7, 9]

    Hint: zip(v, w) pairs the elements up, but silently stops at the shorter vector.
    """
    raise NotImplementedError("add")


def subtract(v: Vector, w: Vector) -> Vector:
    """Subtract corresponding elements: [v[0] - w[0], v[1] - w[1], ...].

    Raise an exception if v and w have different lengths.

    >>> subtract([5, 7, 9], [4, 5, 6])
    [1, 2, 3]

    Hint: just like add, but the order of v and w matters.
    """
    raise NotImplementedError("subtract")


def vector_sum(vectors: List[Vector]) -> Vector:
    """Sum a list of vectors element by element.

    Raise an exception if the list is empty or the vectors differ in length.

    >>> vector_sum([[1, 2], [3, 4], [5, 6], [7, 8]])
    [16, 20]

    Hint: element i of the result is sum(vector[i] for vector in vectors).
    """
    raise NotImplementedError("vector_sum")


def scalar_multiply(c: float, v: Vector) -> Vector:
    """Multiply every element of v by the number c.

    >>> scalar_multiply(2, [1, 2, 3])
    [2, 4, 6]

    Hint: a list comprehension over v.
    """
    raise NotImplementedError("scalar_multiply")


def vector_mean(vectors: List[Vector]) -> Vector:
    """The element-wise average of a non-empty list of vectors of one length.

    >>> vector_mean([[1, 2], [3, 4], [5, 6]])
    [3.0, 4.0]

    Hint: scale the vector_sum by 1 / (the number of vectors).
    """
    raise NotImplementedError("vector_mean")


def dot(v: Vector, w: Vector) -> float:
    """The dot product v[0] * w[0] + ... + v[n-1] * w[n-1].

    Raise an exception if v and w have different lengths.

    >>> dot([1, 2, 3], [4, 5, 6])
    32

    Hint: sum the products of the zipped pairs.
    """
    raise NotImplementedError("dot")


def sum_of_squares(v: Vector) -> float:
    """v[0] ** 2 + ... + v[n-1] ** 2.

    >>> sum_of_squares([1, 2, 3])
    14

    Hint: that is the dot product of v with itself.
    """
    raise NotImplementedError("sum_of_squares")


def magnitude(v: Vector) -> float:
    """The length of v: the square root of its sum of squares.

    >>> magnitude([3, 4])
    5.0

    Hint: math.sqrt.
    """
    raise NotImplementedError("magnitude")


def squared_distance(v: Vector, w: Vector) -> float:
    """(v[0] - w[0]) ** 2 + ... + (v[n-1] - w[n-1]) ** 2.

    >>> squared_distance([1, 2], [4, 6])
    25

    Hint: the sum of squares of subtract(v, w). No square root here.
    """
    raise NotImplementedError("squared_distance")


def distance(v: Vector, w: Vector) -> float:
    """The distance between v and w: the square root of squared_distance(v, w).

    >>> distance([1, 2], [4, 6])
    5.0

    Hint: or magnitude(subtract(v, w)).
    """
    raise NotImplementedError("distance")
