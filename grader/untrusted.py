"""Learner-controlled text and values, made safe to show in any report.

A submission chooses its exception class names and messages, what it prints, the
values it returns, its file and function names. Any of them may carry terminal escape
sequences, newlines followed by a fake score line, characters XML forbids, lone
surrogates, or megabytes. They pass through here once, where they become the grader's
own records (plugin/records.py for failures, grading.py for load errors), and come out

* on one line: every character that is not printable (newlines, ESC and the other
  control characters, bidirectional overrides, lone surrogates, non-characters) is
  written as its Python escape, so a learner's text never starts a report line and
  never moves the cursor;
* bounded: at most the given number of characters, with "..." where text was cut;
* encodable as UTF-8 and valid in XML 1.0.
"""
from typing import Any

TYPE = 100  # an exception's class name
MESSAGE = 500  # an exception's message
WHERE = 200  # one traceback line
PRINTED = 2000  # what a call printed
VALUE_TEXT = 200  # a string inside a returned value
DETAIL = 1000  # a sentence of the grader's that may quote a value
VALUE_ITEMS = 100  # items kept of each list in a returned value
VALUE_DEPTH = 6

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def text(value: Any, limit: int) -> str:
    """value as one printable line of at most `limit` characters (see the module docstring)."""
    value = value if isinstance(value, str) else str(value)
    cut = len(value) > limit
    value = value[:limit]
    if not value.isprintable():
        value = "".join(c if c.isprintable() else _escape(c) for c in value)
        cut = cut or len(value) > limit
        value = value[:limit]
    return value[: max(0, limit - 3)] + "..." if cut else value


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def value(data: Any, depth: int = 0) -> Any:
    """A returned value, bounded for the records: long lists cut (with a note of their length),
    strings made safe with text(), nesting bounded. Numbers, None and booleans are kept."""
    if data is None or isinstance(data, (bool, int, float)):
        return data
    if isinstance(data, str):
        return text(data, VALUE_TEXT)
    if depth >= VALUE_DEPTH:
        return "..."
    if isinstance(data, (list, tuple)):
        kept = [value(item, depth + 1) for item in list(data)[:VALUE_ITEMS]]
        return kept + [f"... ({len(data)} items)"] if len(data) > VALUE_ITEMS else kept
    if isinstance(data, dict):
        items = list(data.items())
        kept = {text(k, VALUE_TEXT): value(v, depth + 1) for k, v in items[:VALUE_ITEMS]}
        if len(items) > VALUE_ITEMS:
            kept["..."] = f"({len(items)} items)"
        return kept
    return text(repr(data), VALUE_TEXT)


def lines(message: str, limit: int, max_lines: int = 20) -> str:
    """A multi-line message of the grader's own that quotes learner text: each line made safe,
    every line after the first indented, so that no quoted text can pass for a report line."""
    kept = [text(line, limit) for line in str(message).splitlines()[:max_lines]] or [""]
    return "\n".join([kept[0]] + ["  " + line for line in kept[1:]])
