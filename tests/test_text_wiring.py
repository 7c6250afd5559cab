"""The text catalogue is the only place learner sentences live: none is written in the code.

The scan reads grader/ (but grader/text/) and tests/kata/ with ast, and flags every
string of four words or more that is handed to something that shows it to a person:
an exception that is raised, Mismatch, print, a write to a stream, pytest.fail, the
lines of a report. Developer- and instructor-facing messages are listed below, each
with the reason it may stay in code.
"""
import ast
import re
import textwrap

import pytest
from helpers import ROOT

GRADER = ROOT / "grader"
SCANNED = sorted(p for p in GRADER.rglob("*.py") if p.relative_to(GRADER).parts[0] != "text")
SCANNED += sorted((ROOT / "tests" / "kata").glob("*.py"))
MIN_WORDS = 4
WORD = re.compile(r"^\W*[A-Za-z][A-Za-z'’-]*\W*$")  # a word of prose, not an identifier or a regex
# Calls whose string arguments reach a person (by the called name, attribute or plain).
SINKS = {"Mismatch", "explain", "print", "write", "append", "extend", "fail", "skip", "error", "Failure",
         "LoadError", "DiscoveryError", "LoadFailed", "Raised", "Crashed", "TimedOut", "SubmissionFailure",
         "NotPlain"}

# (file, start of the text, or None for the whole file): messages that are not for learners, and why.
ALLOWED = {
    ("grader/plugin/impl.py", "this test grades"): "an AttributeError: a kata test asks the wrong function",
    ("grader/cli.py", "\npython -m grader: error: give a TARGET"): "argparse usage, for the command line",
    ("grader/cli.py", " is not a folder of submissions"): "batch: instructors",
    ("grader/cli.py", "Graded "): "batch summary: instructors",
    ("grader/cli.py", "Wrote "): "gradescope build: instructors",
    ("grader/batch/layout.py", None): "batch: instructors",
    ("grader/discover.py", "a symbolic link: hand in"): "batch: why a class's entry was passed over",
    ("grader/discover.py", "not a .py file, a notebook"): "batch: why a class's entry was passed over",
    ("grader/discover.py", "the learner "): "batch: why a class's entry was passed over",
    ("grader/target.py", "name '"): "Python's own NameError wording, for trusted in-process targets",
    ("grader/sandbox/confine.py", None): "the isolation line: instructors (--verbose, platform outputs)",
    ("grader/sandbox/channel.py", None): "protocol errors between grader processes, never shown",
    ("grader/sandbox/namespaces.py", None): "the isolation line: instructors (--verbose, platform outputs)",
    ("grader/sandbox/worker.py", "scratch: "): "the isolation line: instructors",
    ("grader/sandbox/worker.py", "Landlock: "): "the isolation line: instructors",
    ("grader/sandbox/process.py", "refusing to grade: "): "--require: instructors",
    ("grader/sandbox/process.py", "unknown isolation layer "): "--require: instructors",
    ("grader/batch/executor.py", None): "batch on a cluster: instructors",
    ("grader/batch/gradebook.py", None): "the gradebook's status and reason columns: instructors",
    ("grader/batch/roster.py", None): "the class roster: instructors",
    ("grader/config.py", None): "grader.toml errors: instructors",
    ("grader/platforms/classroom.py", None): "building the Classroom starter: instructors",
    ("grader/pristine.py", None): "building artifacts from committed stubs: instructors",
    ("grader/recording.py", None): "the reference's recording on disk: developers",
    ("grader/discover.py", ": "):
        "why an uploaded zip was refused: the gradebook's reason column, instructors",
    ("grader/discover.py", "a .zip: "): "why a class's entry was passed over: instructors",
    ("grader/cli.py", "python -m grader"): "command-line errors, after argparse's own",
    ("grader/cli.py", " is not a folder"): "merge: instructors",
    ("grader/cli.py", "\n learner(s) not graded"): "merge summary: instructors",
    ("grader/cli.py", " submission(s) could not be graded"): "batch summary: instructors",
}


def _string(node):
    """The text of a string literal or f-string (its constant parts), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return None


def _name(func) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _strings_reaching(node):
    """String literals inside node, not counting the keys passed to say() and the like."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call) and _name(current.func) in ("say", "mistake", "hint", "hints"):
            continue
        text = _string(current)
        if text is not None:
            yield current, text
            continue
        if isinstance(current, ast.Call):
            stack.extend(current.args + [k.value for k in current.keywords])
        else:
            stack.extend(ast.iter_child_nodes(current))


def sentences(path):
    """(line, text) of every sentence-like literal in path that reaches a person."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        sources = []
        if isinstance(node, ast.Call) and _name(node.func) in SINKS:
            sources = node.args + [k.value for k in node.keywords]
        elif isinstance(node, ast.Raise) and node.exc is not None:
            sources = [node.exc]
        for source in sources:
            for literal, text in _strings_reaching(source):
                if len([w for w in text.split() if WORD.match(w)]) >= MIN_WORDS:
                    found.append((literal.lineno, text))
    return found


def allowed(relative: str, text: str) -> bool:
    return any(path == relative and (start is None or text.startswith(start)) for path, start in ALLOWED)


def test_the_scan_finds_sentences_it_should(tmp_path):
    assert sentences(ROOT / "tests" / "kata" / "kata_helpers.py") == []  # wired: only say(...) calls
    probe = tmp_path / "probe.py"
    probe.write_text(textwrap.dedent('''
        raise ValueError(f"{x} is not the right thing at all")
        print("Hello there dear learner")
        Mismatch(call, "a value", got, "Each element should be doubled here.")
        lines.append(say("report.fine") + " ok")
        Mismatch(call, say("checks.x"), got, say("checks.y", value="four words in here"))
        title = "four words, but shown to nobody"
    '''), encoding="utf-8")
    texts = sorted(text for _, text in sentences(probe))
    assert texts == sorted(["Each element should be doubled here.", "Hello there dear learner",
                            " is not the right thing at all"])


@pytest.mark.parametrize("path", SCANNED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_learner_sentence_is_written_in_code(path):
    relative = str(path.relative_to(ROOT))
    written = [f"{relative}:{line}: {text!r}" for line, text in sentences(path)
               if not allowed(relative, text)]
    assert not written, "move these to grader/text/<lang>/*.toml and use say():\n" + "\n".join(written)


def test_every_allowance_is_still_needed():
    unused = [(path, start) for path, start in ALLOWED
              if not any(allowed(path, text) and (start is None or text.startswith(start))
                         for _, text in sentences(ROOT / path))]
    assert not unused


def test_every_key_the_code_asks_for_exists():
    """A mistyped key would only fail when that message is due: catch it here, for literal keys."""
    from grader import text
    keys = text.all_keys("en")
    asked = []
    ours = sorted((ROOT / "grader").rglob("*.py")) + sorted((ROOT / "tests").rglob("*.py"))
    for path in [p for p in ours if "fixtures" not in p.relative_to(ROOT).parts]:  # learners' code is data
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) == "say" and node.args:
                key = node.args[0]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    asked.append((str(path.relative_to(ROOT)), key.value))
    assert len(asked) > 100
    missing = [(path, key) for path, key in asked if key not in keys and path != "tests/test_text.py"]
    assert not missing
