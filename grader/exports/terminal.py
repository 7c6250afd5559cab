"""The report a person reads: points per function, the smallest failing input, and what to do next.

Quiet by default: how the submission was isolated is for instructors, shown with
`verbose=True` (`--verbose`, and in every platform output through `plain_text`).
Hints are opt-in: the report says how to ask for one, it never shows one.
"""
import os
import sys
from typing import List, Optional, TextIO

from ..config import Config
from ..kata import catalog
from ..result import Run
from ..score import Line, max_total, score_lines, total
from ..text import all_keys, listed, say
from .feedback import explain, is_not_implemented, repeated_key

MAX_FAILURES_SHOWN = 2  # distinct failures shown per function


class _Style:
    def __init__(self, stream: TextIO):
        self.on = hasattr(stream, "isatty") and stream.isatty() and not os.environ.get("NO_COLOR")

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.on else text


def render(run: Run, stream: TextIO = sys.stdout, verbose: bool = False,
           config: Optional[Config] = None) -> str:
    style = _Style(stream)
    out: List[str] = []
    versions = run.versions
    out.append(style(say("report.grading", target=run.label), "1") + "  " + say(
        "report.versions", seed=run.seed, python=versions.get("python", "?"),
        hypothesis=versions.get("hypothesis", "?")))
    if run.load_error:
        out.append("")
        out.append(style(say("report.could_not_grade"), "31;1"))
        out.append(run.load_error)
        return "\n".join(out) + "\n"
    if verbose:
        isolation = "; ".join(run.isolation) or say("report.isolation_none")
        out.append(say("report.isolation", isolation=isolation))
    for note in run.notes:
        out.append(say("report.note", note=note))
    lines = score_lines(run.records, run.only, config)
    out.append("")
    out.extend(body(run, style, config))
    out.append("")
    functions = [line for line in lines if not line.is_experiment]
    done = sum(1 for line in functions if line.done)
    out.append(style(say("report.summary", done=done, count=len(functions), points=_num(total(lines)),
                         max_points=_num(max_total(lines))), "1"))
    out.extend(ending(run, style, config))
    return "\n".join(out) + "\n"


def body(run: Run, style=None, config: Optional[Config] = None) -> List[str]:
    """The score table: a heading per section, a line per function or experiment, failures under it."""
    style = style or _Style(_NoTerminal())
    out: List[str] = []
    heading = None
    for line in score_lines(run.records, run.only, config):
        group = say("report.experiments_heading") if line.is_experiment else section(line.name)
        if group != heading:
            heading = group
            out.append(style(group, "1"))
        out.extend(_render_line(line, run.missing, style))
    return out


def section(name: str) -> str:
    """The section of the chapter an exercise belongs to ("Vectors", ...).

    report.sections.<exercise> names the section that starts with that exercise."""
    keys = all_keys()
    found = ""
    for exercise in catalog.FUNCTION_NAMES:
        if f"report.sections.{exercise}" in keys:
            found = say(f"report.sections.{exercise}")
        if exercise == name:
            break
    return found


def ending(run: Run, style=None, config: Optional[Config] = None) -> List[str]:
    """What to do next: the first function to write or fix, or that everything asked for passes."""
    style = style or _Style(_NoTerminal())
    lines = score_lines(run.records, run.only, config)
    functions = [line for line in lines if not line.is_experiment]
    todo = next((line for line in functions if not line.done), None)
    if todo is not None:
        first = next((r.failure for r in todo.records if r.failure), None)
        if is_not_implemented(first) or todo.name in run.missing:
            return [say("report.next_implement", function=todo.name) + " "
                    + say(f"functions.{todo.name}.summary"), say("hints.offer", function=todo.name)]
        return [say("report.next_fix", function=todo.name), say("hints.offer", function=todo.name)]
    if total(lines) < max_total(lines):
        return [say("report.next_experiments")]
    if run.only:
        names = [line.name for line in functions]
        key = "report.only_pass" if len(names) == 1 else "report.only_pass_many"
        return [style(say(key, functions=listed(names)), "32;1")]
    return [style(say("report.all_pass"), "32;1")]


def plain_text(run: Run, config: Optional[Config] = None) -> str:
    """The report without colours, for files and platforms: everything, the isolation line included."""
    return render(run, _NoTerminal(), verbose=True, config=config)


class _NoTerminal:
    def isatty(self):
        return False


def _render_line(line: Line, missing, style) -> List[str]:
    mark = style("✓", "32") if line.done else style("✗", "31")
    out = [f"  {mark} {line.title:<48} {_num(line.points):>5} / {_num(line.max_points)}"]
    if line.done:
        # "distance passes with a correct subtract; yours breaks it" belongs under the passing function.
        note = next((r.note for r in line.records if r.note), None)
        return out + ([f"      {note}"] if note else [])
    failures = [r for r in line.records if r.status == "failed"]
    if not line.records:
        out.append("      " + say("report.not_run"))
    if failures and (is_not_implemented(failures[0].failure) or line.name in missing):
        out.append("      " + explain(failures[0].failure, failures[0].function, missing)[0])
        return out
    seen = set()  # what the learner has been told already: each failure once, one note
    shown = 0
    noted = False
    for record in failures:
        lines = explain(record.failure, record.function, missing)
        key = repeated_key(record.failure, lines)
        if key in seen or shown == MAX_FAILURES_SHOWN:
            continue
        seen.add(key)
        shown += 1
        if record.note and not noted:
            noted = True
            lines.append(record.note)
        out.extend("      " + text for text in lines)
    if len(failures) > shown:
        out.append("      " + say("report.more_failures", count=len(failures) - shown))
    return out


def _num(x: float) -> str:
    return f"{x:g}" if float(x).is_integer() else f"{x:.2f}"
