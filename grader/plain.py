"""Turn whatever a submission returns into plain data: None, bool, int, float, str, lists, dicts.

Only plain data crosses from the worker to the trusted side. Subclasses are reduced
to their base value (a float subclass that claims equality with everything becomes
an ordinary float), numpy arrays and scalars become lists and numbers, and any
other iterable (a generator, a tuple, a map object) becomes a list.
"""

MAX_ITEMS = 100_000
MAX_DEPTH = 8


class NotPlain(TypeError):
    """The value cannot be expressed as plain data."""


def to_plain(value, depth: int = 0):
    if value is None or type(value) in (bool, int, float, str):
        return value
    if depth > MAX_DEPTH:
        raise NotPlain("the value is nested too deeply")
    # Base-class methods, never the value's own: a subclass may lie about itself.
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if type(value).__module__.split(".")[0] == "numpy" and hasattr(value, "tolist"):
        return to_plain(value.tolist(), depth + 1)
    if isinstance(value, list):
        return _plain_items(list.__iter__(value), depth)
    if isinstance(value, tuple):
        return _plain_items(tuple.__iter__(value), depth)
    if isinstance(value, dict):
        return {str.__str__(k) if isinstance(k, str) else repr(k): to_plain(v, depth + 1)
                for k, v in list(dict.items(value))[:MAX_ITEMS]}
    if isinstance(value, (set, frozenset, bytes, bytearray)):
        raise NotPlain(f"a {type(value).__name__} is not a vector or a number")
    if hasattr(type(value), "__iter__"):
        return _plain_items(iter(value), depth)
    if hasattr(type(value), "__float__"):  # Fraction, Decimal and the like
        return float.__float__(float(value))
    raise NotPlain(f"a {type(value).__name__} is not a vector or a number")


def _plain_items(items, depth):
    out = []
    for item in items:
        if len(out) >= MAX_ITEMS:
            raise NotPlain(f"more than {MAX_ITEMS} items")
        out.append(to_plain(item, depth + 1))
    return out
