"""The gradient-descent kata: fill in linear_algebra.py first, then gradient_descent.py.

Check your work at any time with `python -m grader exercises`.
"""
