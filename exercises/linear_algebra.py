"""Vectors as plain Python lists (Data Science from Scratch, chapter 4).

Do these in order: later functions are easiest to write with earlier ones.
Replace each `raise NotImplementedError` with your code, then run
`python -m grader exercises` to see how you are doing.

Every function returns a new vector or number and leaves its arguments unchanged.
Elements are ints or floats. Stuck? `python -m grader exercises --hint NAME`
gives a hint for function NAME, one step more each time you ask.
"""
import math  # noqa: F401  (you will want math.sqrt)
from typing import List

Vector = List[float]


def add(v: Vector, w: Vector) -> Vector:
    """Return the element-wise sum of v and w, as a new list: element i is v[i] + w[i].

    v and w must have the same length: if they do not, raise an exception (any
    ordinary one, such as ValueError). Leave v and w unchanged.

    >>> add([1, 2, 3], [4, 5, 6])
    [5, 7, 9]
    """
    raise NotImplementedError("add")


def subtract(v: Vector, w: Vector) -> Vector:
    """Return the element-wise difference of v and w, as a new list: element i is v[i] - w[i].

    v and w must have the same length: if they do not, raise an exception.
    Leave v and w unchanged.

    >>> subtract([5, 7, 9], [4, 5, 6])
    [1, 2, 3]
    """
    raise NotImplementedError("subtract")


def vector_sum(vectors: List[Vector]) -> Vector:
    """Return the element-wise sum of a list of vectors, as a new list: element i is
    the sum of element i of every vector.

    Raise an exception if the list is empty, or if the vectors do not all have the
    same length. Leave the list and its vectors unchanged.

    >>> vector_sum([[1, 2], [3, 4], [5, 6], [7, 8]])
    [16, 20]
    """
    raise NotImplementedError("vector_sum")


def scalar_multiply(c: float, v: Vector) -> Vector:
    """Return a new list: every element of v multiplied by the number c.

    Leave v unchanged.

    >>> scalar_multiply(2, [1, 2, 3])
    [2, 4, 6]
    """
    raise NotImplementedError("scalar_multiply")


def vector_mean(vectors: List[Vector]) -> Vector:
    """Return the element-wise mean of a non-empty list of vectors of one length:
    element i is the average of element i over all the vectors.

    Leave the list and its vectors unchanged.

    >>> vector_mean([[1, 2], [3, 4], [5, 6]])
    [3.0, 4.0]
    """
    raise NotImplementedError("vector_mean")


def dot(v: Vector, w: Vector) -> float:
    """Return the dot product of v and w, a number: v[0]*w[0] + v[1]*w[1] + ...

    v and w must have the same length: if they do not, raise an exception.
    Leave v and w unchanged.

    >>> dot([1, 2, 3], [4, 5, 6])
    32
    """
    raise NotImplementedError("dot")


def sum_of_squares(v: Vector) -> float:
    """Return the sum of the squares of the elements of v: v[0]**2 + v[1]**2 + ...

    Leave v unchanged.

    >>> sum_of_squares([1, 2, 3])
    14
    """
    raise NotImplementedError("sum_of_squares")


def magnitude(v: Vector) -> float:
    """Return the magnitude (Euclidean length) of v: the square root of the sum of
    the squares of its elements.

    Leave v unchanged.

    >>> magnitude([3, 4])
    5.0
    """
    raise NotImplementedError("magnitude")


def squared_distance(v: Vector, w: Vector) -> float:
    """Return the squared Euclidean distance between v and w, vectors of the same
    length: (v[0] - w[0])**2 + (v[1] - w[1])**2 + ... , with no square root.

    Leave v and w unchanged.

    >>> squared_distance([1, 2], [4, 6])
    25
    """
    raise NotImplementedError("squared_distance")


def distance(v: Vector, w: Vector) -> float:
    """Return the Euclidean distance between v and w, vectors of the same length:
    the square root of (v[0] - w[0])**2 + (v[1] - w[1])**2 + ...

    Leave v and w unchanged.

    >>> distance([1, 2], [4, 6])
    5.0
    """
    raise NotImplementedError("distance")
