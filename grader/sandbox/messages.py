"""What the trusted side accepts from the worker: every message checked against its schema first.

The worker runs learner code, so whatever arrives on its pipe may have been written by
that code: a forged reply, a malformed one, a message nested 200,000 deep or as large
as memory allows. `parse` is the only way a message from the worker becomes data on
the trusted side. It bounds the message's size before reading it (the channel does,
with MAX_MESSAGE), its shape (depth, item count, number sizes) before and while
decoding it, and returns a fresh dict holding only the fields of its operation, each of
the expected type and bounded in length. Anything else raises Malformed, which the
channel turns into a protocol violation: the worker is killed and the call fails.

Bounds here are about safety, not presentation: text is cut to a length the trusted
side can afford; grader/untrusted.py makes it safe to show.
"""
import json
from typing import Dict, List

from ..kata.catalog import FUNCTION_NAMES

MAX_MESSAGE = 8 * 1024 * 1024  # bytes of one message from the worker
MAX_DEPTH = 10  # nesting of a returned value
MAX_ITEMS = 100_000  # numbers, strings and containers in one message's values
MAX_VALUE_STRING = 10_000  # a string inside a returned value (no exercise returns text)
MAX_DIGITS = 1_000  # an integer written with more digits is not an answer
MAX_PRINTED = 4_000  # what a call printed (the worker keeps as much)
MAX_TYPE = 1_000  # an exception's class name
MAX_MESSAGE_TEXT = 4_000  # an exception's message
MAX_WHERE = 5  # traceback lines
MAX_WHERE_TEXT = 500
MAX_MUTATED = 64  # argument positions
MAX_NAMES = 64  # function names in "ready"
MAX_NAME = 100
MAX_ISOLATION = 32  # lines about the isolation in force
MAX_NOTES = 20  # what loading skipped ("ready")
MAX_NOTE_FIELDS = 12
MAX_ISOLATION_TEXT = 500
# Cheap bounds on the raw bytes, checked before decoding, so that decoding itself stays
# bounded: every container costs an opening bracket, every item a comma or a bracket.
MAX_BRACKETS = 4 * MAX_ITEMS
MAX_COMMAS = 8 * MAX_ITEMS


class Malformed(ValueError):
    """A message that does not follow the protocol: `reason` names the text
    sandbox.bad_message.<reason> (grader/text), `fields` fills it in."""

    def __init__(self, reason: str, **fields):
        super().__init__(reason, fields)
        self.reason, self.fields = reason, fields


def parse(body: bytes) -> Dict:
    """Decode and check one message from the worker; raise Malformed."""
    if body.count(b"[") + body.count(b"{") > MAX_BRACKETS or body.count(b",") > MAX_COMMAS:
        raise Malformed("too_many_items", count=MAX_ITEMS)
    try:
        raw = _DECODER.decode(body.decode("utf-8"))
    except RecursionError:
        raise Malformed("too_deep", depth=MAX_DEPTH) from None
    except Malformed:
        raise
    except (ValueError, MemoryError):
        raise Malformed("not_json") from None
    return check(raw)


def _int(digits: str) -> int:
    if len(digits) > MAX_DIGITS:
        raise Malformed("too_many_digits", digits=MAX_DIGITS)
    return int(digits)


_DECODER = json.JSONDecoder(parse_int=_int, parse_constant=float)


def check(raw) -> Dict:
    """The message raw, checked and rebuilt field by field; raise Malformed."""
    if not isinstance(raw, dict) or not isinstance(raw.get("op"), str):
        raise Malformed("no_operation")
    op = raw["op"]
    budget = _Budget()
    if op == "return":  # two levels more for the replies of several calls in one ("many")
        return return_reply(raw, budget, MAX_DEPTH + 2)
    if op in ("raise", "failed"):
        return raise_reply(raw)
    if op == "call":
        return call_request(raw, budget)
    if op == "ready":
        return {"op": "ready",
                "functions": _texts(raw.get("functions", []), MAX_NAMES, MAX_NAME, "functions"),
                "isolation": _texts(raw.get("isolation", []), MAX_ISOLATION, MAX_ISOLATION_TEXT, "isolation"),
                "layers": _texts(raw.get("layers", []), MAX_ISOLATION, MAX_NAME, "layers"),
                "notes": _notes(raw.get("notes", []))}
    raise Malformed("unknown_operation", op=_quote(op))


def return_reply(raw: Dict, budget: "_Budget" = None, depth: int = MAX_DEPTH, checked: bool = False) -> Dict:
    """checked: raw's value is plain data `value` has already checked (part of a checked message)."""
    mutated = raw.get("mutated", [])
    if not isinstance(mutated, list) or len(mutated) > MAX_MUTATED or \
            not all(type(i) is int and 0 <= i < MAX_MUTATED for i in mutated):
        raise Malformed("bad_field", field="mutated")
    result = raw.get("value") if checked else value(raw.get("value"), budget or _Budget(), limit=depth)
    return {"op": "return", "value": result,
            "mutated": sorted(set(mutated)), "printed": _text(raw.get("printed", ""), MAX_PRINTED, "printed")}


def raise_reply(raw: Dict) -> Dict:
    is_exception = raw.get("is_exception", True)
    if not isinstance(is_exception, bool):
        raise Malformed("bad_field", field="is_exception")
    return {"op": "raise" if raw["op"] == "raise" else "failed",
            "type": _text(raw.get("type", "Error"), MAX_TYPE, "type"),
            "message": _text(raw.get("message", ""), MAX_MESSAGE_TEXT, "message"),
            "is_exception": is_exception,
            "where": _texts(raw.get("where", []), MAX_WHERE, MAX_WHERE_TEXT, "where"),
            "printed": _text(raw.get("printed", ""), MAX_PRINTED, "printed")}


def call_request(raw: Dict, budget: "_Budget") -> Dict:
    """The worker asking for a stand-in ({"reference": name}) or a test's callable ({"callable": key})."""
    fn = raw.get("fn")
    if isinstance(fn, dict) and set(fn) == {"reference"} and fn["reference"] in FUNCTION_NAMES:
        checked = {"reference": fn["reference"]}
    elif isinstance(fn, dict) and set(fn) == {"callable"} and type(fn["callable"]) is int:
        checked = {"callable": fn["callable"]}
    else:
        raise Malformed("bad_request")
    args = raw.get("args", [])
    if not isinstance(args, list):
        raise Malformed("bad_field", field="args")
    return {"op": "call", "fn": checked, "args": value(args, budget)}


def many_replies(raw, count: int) -> List[Dict]:
    """The value of a reply to `count` calls made in one round trip: that many replies.

    raw is the value of a reply that `check` made, within its bounds (two levels deeper for
    these replies): the values in it are checked already, and only the replies' shape is here."""
    if not isinstance(raw, list) or len(raw) != count:
        raise Malformed("bad_many", count=count)
    replies = []
    for reply in raw:
        if not isinstance(reply, dict) or reply.get("op") not in ("return", "raise"):
            raise Malformed("bad_field", field="op")
        replies.append(return_reply(reply, checked=True) if reply["op"] == "return" else raise_reply(reply))
    return replies


class _Budget:
    """Items left for the values of one message."""

    def __init__(self):
        self.left = MAX_ITEMS

    def spend(self, count: int = 1) -> None:
        self.left -= count
        if self.left < 0:
            raise Malformed("too_many_items", count=MAX_ITEMS)


_NUMBERS = frozenset((int, float, bool, type(None)))


def value(raw, budget: _Budget, depth: int = 0, limit: int = MAX_DEPTH):
    """Plain data as plain.py allows it: bounded depth, items and strings.

    raw is what json.loads just made, referenced nowhere else, so it is checked in
    place (strings clipped where they stand) rather than copied: a list of 100,000
    numbers costs one pass.
    """
    budget.spend()
    kind = type(raw)
    if kind in _NUMBERS:
        return raw
    if kind is str:
        return _clip(raw, MAX_VALUE_STRING)
    if depth >= limit:
        raise Malformed("too_deep", depth=limit)
    if kind is list:
        budget.spend(len(raw))
        for index, item in enumerate(raw):
            if type(item) not in _NUMBERS:
                budget.left += 1  # value() counts it again
                raw[index] = value(item, budget, depth + 1, limit)
        return raw
    if kind is dict:
        return {_clip(key, MAX_NAME): value(item, budget, depth + 1, limit) for key, item in raw.items()}
    raise Malformed("bad_field", field="value")  # json only makes the kinds above


def _text(raw, limit: int, field: str) -> str:
    if not isinstance(raw, str):
        raise Malformed("bad_field", field=field)
    return _clip(raw, limit)


def _notes(raw) -> List[Dict]:
    """What loading skipped: at most MAX_NOTES flat records of short texts and numbers."""
    if not isinstance(raw, list):
        raise Malformed("bad_field", field="notes")
    notes = []
    for note in raw[:MAX_NOTES]:
        if not isinstance(note, dict):
            raise Malformed("bad_field", field="notes")
        notes.append({_clip(str(k), MAX_NAME): (_clip(v, MAX_ISOLATION_TEXT) if isinstance(v, str) else v)
                      for k, v in list(note.items())[:MAX_NOTE_FIELDS]
                      if isinstance(v, str) or (type(v) in (int, float))})
    return notes


def _texts(raw, count: int, limit: int, field: str) -> List[str]:
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise Malformed("bad_field", field=field)
    return [_clip(item, limit) for item in raw[:count]]


def _clip(text: str, limit: int) -> str:
    """At most limit characters, and always encodable: JSON may carry lone surrogates."""
    text = text[:limit]
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _quote(text: str) -> str:
    return repr(_clip(text, 40))
