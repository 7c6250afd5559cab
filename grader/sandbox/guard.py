"""Undo what submission code patched in the modules the worker itself relies on.

Submission code shares the worker's process: it can replace `builtins.isinstance`,
`json.dumps` or the grader's own functions. The worker takes a snapshot before the
submission loads and restores it after loading, after every message, and between the
calls of different functions in one message (worker.py), so a patch never reaches
another function's call. Within one message, the calls of one function (a test's, in
replay) share what they patch, as they share their own modules' globals.
Changes are found by identity, never by ==, which a planted object could fake.
"""
import operator
import sys
from typing import List, Tuple

# The worker's own code reaches other modules only through names bound in grader.*
# modules (channel.py binds os.read, os.write and select.select), so these suffice.
WORKER_MODULES = ("builtins", "json", "json.encoder", "json.decoder", "json.scanner")

_is = operator.is_


class Snapshot:
    def __init__(self):
        names = list(WORKER_MODULES) + [n for n in sys.modules if n == "grader" or n.startswith("grader.")]
        self.modules: List[Tuple[dict, dict]] = []
        self.classes: List[Tuple[type, dict]] = []
        for name in names:
            module = sys.modules.get(name)
            if module is None:
                continue
            self.modules.append((module.__dict__, dict(module.__dict__)))
            if not name.startswith("grader"):
                continue
            for value in list(module.__dict__.values()):
                if isinstance(value, type) and getattr(value, "__module__", None) == name:
                    self.classes.append((value, dict(value.__dict__)))
        for cls in (_json_classes()):
            self.classes.append((cls, dict(cls.__dict__)))

    def restore(self) -> None:
        sys.settrace(None)
        sys.setprofile(None)
        for live, saved in self.modules:
            if len(live) != len(saved) or not all(map(_is, live.values(), saved.values())) \
                    or not all(map(_is, live.keys(), saved.keys())):
                live.clear()
                live.update(saved)
        for cls, saved in self.classes:
            current = cls.__dict__
            if len(current) == len(saved) and all(map(_is, current.values(), saved.values())):
                continue
            for key in [k for k in current if k not in saved]:
                try:
                    delattr(cls, key)
                except (AttributeError, TypeError):
                    pass
            for key, value in saved.items():
                if current.get(key) is not value and key not in ("__dict__", "__weakref__", "__doc__"):
                    try:
                        setattr(cls, key, value)
                    except (AttributeError, TypeError):
                        pass


def _json_classes():
    import json
    return [json.JSONEncoder, json.JSONDecoder]
