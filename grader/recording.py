"""The reference's recorded calls and answers on disk, so that a single grade can replay them.

Replay (plugin/replay.py) passes a test in one round trip when a submission answers
every call of it exactly as the reference did. The calls come from running the suite
against the reference in-process, which costs about as much as a grade; this module
keeps that recording in a file, keyed by everything the calls depend on:

    the seed, the Python, Hypothesis and pytest versions, and a digest of the kata's own
    source (solutions/, tests/kata/, the experiments, the plugin and what it uses).

Where: a shipped copy first (`SHIPPED_DIR`, read-only: a built artifact puts one there
with `build(SHIPPED_DIR)` or `python -m grader.recording --out DIR`), then the user's
cache, $XDG_CACHE_HOME/gradient-descent-kata/ (~/.cache/...), else a private folder in
the temp dir. A file is written atomically (a temp file, then a rename) and validated
when read: a file that does not parse, does not match its digest, has another key or
an unexpected shape is ignored (and, in the cache, rebuilt). Only plain data and the
kata's own trusted test callables (an allow-list) are decoded: never pickle.
"""
import contextlib
import functools
import hashlib
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Callable, Dict, List, Optional

from .paths import KATA_TESTS, PROJECT_ROOT, SOLUTIONS

FORMAT = 2  # 2: a call may carry the inputs of the example it begins ("given")
APP = "gradient-descent-kata"
SHIPPED_DIR = PROJECT_ROOT / "grader" / "recordings"
# What the recorded calls and answers depend on, besides the versions.
SOURCES = (SOLUTIONS, KATA_TESTS, PROJECT_ROOT / "grader" / "kata" / "experiments.py",
           PROJECT_ROOT / "grader" / "kata" / "catalog.py", PROJECT_ROOT / "grader" / "plugin",
           PROJECT_ROOT / "grader" / "expect.py", PROJECT_ROOT / "grader" / "plain.py",
           PROJECT_ROOT / "grader" / "target.py", PROJECT_ROOT / "grader" / "sandbox" / "runtime.py",
           Path(__file__))
# The only objects a recording may hold besides plain data: the tests' own callables.
ALLOWED_OBJECTS = {("kata_helpers", "Quadratic")}
KEPT = 8  # recordings kept in the cache folder: the versions and seeds in use on this machine


class Unstorable(ValueError):
    """A recording holds something this format cannot write."""


@functools.lru_cache(maxsize=1)
def source_digest() -> str:
    """A digest of the kata's own source files (paths and contents), computed once per process."""
    digest = hashlib.sha256()
    for root in SOURCES:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            name = path.relative_to(PROJECT_ROOT).as_posix().encode()
            digest.update(name + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def key(seed: int = 0) -> Dict:
    """Everything a recording depends on: equal keys, equal recordings."""
    import hypothesis
    import pytest
    return {"format": FORMAT, "seed": int(seed),
            "python": f"{sys.implementation.name} {platform.python_version()}",
            "hypothesis": hypothesis.__version__, "pytest": pytest.__version__, "kata": source_digest()}


def file_name(seed: int = 0) -> str:
    k = key(seed)
    return f"recording-{k['seed']}-{hashlib.sha256(_canonical(k)).hexdigest()[:20]}.json"


def cache_dir() -> Optional[Path]:
    """The user's cache folder for recordings, created if need be; None when nowhere is writable."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    candidates = [Path(base) / APP, Path(tempfile.gettempdir()) / f"{APP}-{os.getuid()}"]
    for folder in candidates:
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = folder.stat()
            # A shared folder someone else owns or may write to could hold a planted recording.
            private = info.st_uid == os.getuid() and not info.st_mode & 0o022
            if private and os.access(folder, os.W_OK | os.X_OK):
                return folder
        except OSError:
            continue
    return None


# --- the public entry points ---------------------------------------------------------------

_memo: Dict[str, Dict] = {}


def recording(seed: int = 0, building: Optional[Callable[[], None]] = None) -> Dict[str, List[Dict]]:
    """The reference's calls per test for seed: from memory, a shipped file, the cache, or built now.

    Never raises for a bad or missing file (it is rebuilt); building runs the suite
    against the reference in this process, once per version of the kata, and calls
    building() first (a grade tells the learner why it waits)."""
    def built() -> Dict[str, List[Dict]]:
        if building is not None:
            building()
        return _record(seed)

    name = file_name(seed)
    if name in _memo:
        return _memo[name]
    calls = read(SHIPPED_DIR / name, seed)
    folder = cache_dir() if calls is None else None
    if calls is None and folder is not None:
        calls = read(folder / name, seed)
        if calls is None:
            with _locked(folder):  # a second grader waits for the first one's file instead of building too
                calls = read(folder / name, seed)
                if calls is None:
                    calls = built()
                    with contextlib.suppress(OSError, Unstorable):
                        write(calls, folder / name, seed)
        prune(folder, keep=name)
    if calls is None:
        calls = built()
    _memo[name] = calls
    return calls


def prune(folder: Path, keep: str) -> None:
    """Mark recording `keep` in folder as just used, and remove all but the KEPT most recently used.

    Every change of the kata's sources or versions makes a new recording (1.4 MB); without this
    the cache grows by one for every version ever graded on the machine."""
    with contextlib.suppress(OSError):
        os.utime(folder / keep)
    used = []
    for path in folder.glob("recording-*.json"):
        with contextlib.suppress(OSError):
            used.append((path.stat().st_mtime, path.name != keep, path))
    for _, _, path in sorted(used, key=lambda u: (-u[0], u[1]))[KEPT:]:
        with contextlib.suppress(OSError):
            path.unlink()


def build(directory: Optional[Path] = None, seed: int = 0) -> Path:
    """Record the reference for seed and write it into directory (default: the cache); return the file.

    For built artifacts: `build(SHIPPED_DIR)` (or a staging copy of it) ships a recording
    that graders with the same versions read instead of building their own."""
    folder = Path(directory) if directory is not None else cache_dir()
    if folder is None:
        raise OSError("no writable cache folder for the recording")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name(seed)
    write(_record(seed), path, seed)
    return path


# --- reading and writing -------------------------------------------------------------------

def write(calls: Dict[str, List[Dict]], path: Path, seed: int = 0) -> None:
    """Write atomically: readers see the old file or the whole new one, never half of one.

    The file is a header line (the key and the body's digest) and the body, both JSON."""
    body = _canonical({nodeid: [dict(c, args=_encode(c["args"])) for c in test]
                       for nodeid, test in calls.items()})
    header = _canonical({"key": key(seed), "digest": hashlib.sha256(body).hexdigest()})
    handle = tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=".recording-", suffix=".tmp",
                                         delete=False)
    try:
        with handle:
            handle.write(header + b"\n" + body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise


def read(path: Path, seed: int = 0) -> Optional[Dict[str, List[Dict]]]:
    """The recording in path if it is whole, ours and for these versions; None otherwise."""
    try:
        with open(path, "rb") as handle:
            header, body = handle.read().split(b"\n", 1)
        header = json.loads(header)
        if not isinstance(header, dict) or header.get("key") != key(seed) \
                or header.get("digest") != hashlib.sha256(body).hexdigest():
            return None
        return {nodeid: [_checked_call(c) for c in test]
                for nodeid, test in _checked_tests(json.loads(body, object_hook=_decode_object))}
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def _checked_tests(body):
    if not isinstance(body, dict) or not body:
        raise ValueError("no tests")
    for nodeid, test in body.items():
        if not isinstance(nodeid, str) or not isinstance(test, list) or not test:
            raise ValueError("a malformed test")
        yield nodeid, test


def _checked_call(call) -> Dict:
    from .kata.catalog import FUNCTION_NAMES
    if not isinstance(call, dict) or set(call) - {"given"} != {"name", "args", "seed", "answer"} \
            or not isinstance(call.get("given", ""), str):
        raise ValueError("a malformed call")
    if call["name"] not in FUNCTION_NAMES or type(call["seed"]) is not int \
            or not isinstance(call["args"], list) or not isinstance(call["answer"], list):
        raise ValueError("a malformed call")
    return call


def _record(seed: int) -> Dict[str, List[Dict]]:
    from .grading import golden_recording
    return golden_recording(seed)


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _encode(value):
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) in (list, tuple):  # the channel sends a tuple as a list too
        return [_encode(v) for v in value]
    cls = type(value)
    if (cls.__module__, cls.__qualname__) in ALLOWED_OBJECTS:
        return {"$object": [cls.__module__, cls.__qualname__], "state": _encode_state(vars(value))}
    raise Unstorable(f"a recording cannot hold a {cls.__qualname__}")


def comparable(args) -> Optional[bytes]:
    """A call's arguments as they are recorded, to compare (None for what a recording cannot hold)."""
    try:
        return _canonical(_encode(list(args)))
    except Unstorable:
        return None


def encode_given(value) -> str:
    """An example's inputs (plain data drawn by Hypothesis) as a JSON text, tuples kept as tuples:
    the test's body meets exactly what it met when recorded (decode_given). A text, not nested
    JSON: reading a recording does not build them (a third of its reading time), replay decodes
    one only when an answer differs."""
    return _canonical(_plain_given(value)).decode()


def decode_given(text: str):
    return _from_plain_given(json.loads(text))


def _plain_given(value):
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is list:
        return [_plain_given(v) for v in value]
    if type(value) is tuple:
        return {"$tuple": [_plain_given(v) for v in value]}
    if type(value) is dict and all(type(k) is str for k in value) and "$tuple" not in value:
        return {k: _plain_given(v) for k, v in value.items()}
    raise Unstorable(f"a recording cannot hold an input of type {type(value).__qualname__}")


def _from_plain_given(value):
    if type(value) is list:
        return [_from_plain_given(v) for v in value]
    if type(value) is dict:
        if set(value) == {"$tuple"} and type(value["$tuple"]) is list:
            return tuple(_from_plain_given(v) for v in value["$tuple"])
        return {k: _from_plain_given(v) for k, v in value.items()}
    return value


def _encode_state(state: Dict) -> Dict:
    if not all(isinstance(k, str) for k in state):
        raise Unstorable("an object with odd attributes")
    return {k: _encode(v) for k, v in state.items()}


def _decode_object(value: Dict):
    """json's object_hook: an allowed object written by _encode, or the dict as it is."""
    if set(value) != {"$object", "state"}:
        return value
    module, qualname = value["$object"]
    if (module, qualname) not in ALLOWED_OBJECTS or type(value["state"]) is not dict:
        raise ValueError("an object that is not allowed")
    obj = object.__new__(getattr(_test_module(module), qualname))
    obj.__dict__.update(value["state"])
    return obj


def _test_module(name: str):
    """A helper module of the kata's suite, as pytest imports it (top level, from tests/kata)."""
    if name not in sys.modules:
        import importlib
        sys.path.insert(0, str(KATA_TESTS))
        try:
            importlib.import_module(name)
        finally:
            sys.path.remove(str(KATA_TESTS))
    return sys.modules[name]


@contextlib.contextmanager
def _locked(folder: Path):
    try:
        import fcntl
        handle = open(folder / ".lock", "a")
    except (ImportError, OSError):
        yield
        return
    with handle:
        with contextlib.suppress(OSError):
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def main(argv: Optional[List[str]] = None) -> int:
    import argparse
    parser = argparse.ArgumentParser(
        prog="python -m grader.recording",
        description="Record the reference's answers for replay, ahead of grading.")
    parser.add_argument("--out", type=Path, help=f"the folder to write into (default: the user's cache; "
                        f"{SHIPPED_DIR.relative_to(PROJECT_ROOT)} ships it with the project)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(build(args.out, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
