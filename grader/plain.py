"""Turn whatever a submission returns into plain data: None, bool, int, float, str, lists, dicts.

Only plain data crosses from the worker to the trusted side. Subclasses are reduced
to their base value (a float subclass that claims equality with everything becomes
an ordinary float), numpy arrays and scalars become lists and numbers, and any
other iterable (a generator, a tuple, a map object) becomes a list.
"""

import json

MAX_ITEMS = 100_000
MAX_DEPTH = 8


class NotPlain(TypeError):
    """The value cannot be expressed as plain data.

    Raised inside the worker, which never reads the text catalogue: it carries a code
    and plain fields, and str() is their JSON, which the trusted side turns into words
    with `describe` (`sandbox.not_plain_<code>` in grader/text).
    """

    def __init__(self, code: str, **fields):
        super().__init__(code, fields)
        self.code, self.fields = code, fields

    def __str__(self) -> str:
        return json.dumps({"code": self.code, "fields": self.fields}, sort_keys=True)


def to_plain(value, depth: int = 0):
    if value is None or type(value) in (bool, int, float, str):
        return value
    if depth > MAX_DEPTH:
        raise NotPlain("too_deep")
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
        raise NotPlain("type", type=type(value).__name__[:80])
    if hasattr(type(value), "__iter__"):
        return _plain_items(iter(value), depth)
    if hasattr(type(value), "__float__"):  # Fraction, Decimal and the like
        return float.__float__(float(value))
    raise NotPlain("type", type=type(value).__name__[:80])


def _plain_items(items, depth):
    out = []
    for item in items:
        if len(out) >= MAX_ITEMS:
            raise NotPlain("too_long", count=MAX_ITEMS)
        out.append(to_plain(item, depth + 1))
    return out


CODES = {"type": ("type",), "too_deep": (), "too_long": ("count",),
         "theta": ("epoch", "dim", "type"),  # an experiment's theta after an epoch (kata/experiments.py)
         "batches": ("epoch",)}  # a minibatch run's batches that are not the data's slices (the same)


def describe(message: str):
    """(code, fields) from the message of a NotPlain reply, or None when it is not one of ours.

    The message crossed from the worker, so it is checked like any untrusted data:
    a known code, exactly its fields, each a short string or an int.
    """
    try:
        data = json.loads(message) if isinstance(message, str) and len(message) < 1000 else None
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("code") not in CODES:
        return None
    if not isinstance(data.get("fields"), dict):
        return None
    code, fields = data["code"], data["fields"]
    if set(fields) != set(CODES[code]):
        return None
    if not all((type(v) is int) or (type(v) is str and len(v) <= 80) for v in fields.values()):
        return None
    return code, fields
