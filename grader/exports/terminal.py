"""The report a person reads: points per function, the smallest failing input, and a hint."""
import os
import sys
from typing import List, Optional, TextIO

from ..config import Config
from ..kata import catalog
from ..result import Run
from ..score import Line, max_total, score_lines, total
from .feedback import explain, hint, is_not_implemented

MAX_FAILURES_SHOWN = 2


class _Style:
    def __init__(self, stream: TextIO):
        self.on = hasattr(stream, "isatty") and stream.isatty() and not os.environ.get("NO_COLOR")

    def __call__(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.on else text


def render(run: Run, stream: TextIO = sys.stdout, config: Optional[Config] = None) -> str:
    style = _Style(stream)
    out: List[str] = []
    versions = run.versions
    out.append(style(f"Grading {run.label}", "1") + f"  (seed {run.seed}; Python {versions.get('python', '?')}, "
               f"Hypothesis {versions.get('hypothesis', '?')})")
    if run.load_error:
        out.append("")
        out.append(style("Could not grade this submission.", "31;1"))
        out.append(run.load_error)
        return "\n".join(out) + "\n"
    out.append("Isolation: " + ("; ".join(run.isolation) or "none"))
    missing = run.missing
    for note in run.notes:
        out.append(f"Note: {note}")
    lines = score_lines(run.records, run.only, config)
    out.append("")
    heading = None
    for line in lines:
        group = "Experiments (your functions working together)" if line.is_experiment else \
            f"{catalog.BY_NAME[line.name].module}.py"
        if group != heading:
            heading = group
            out.append(style(group, "1"))
        out.extend(_render_line(line, missing, style))
    out.append("")
    functions = [l for l in lines if not l.is_experiment]
    done = sum(1 for l in functions if l.done)
    out.append(style(f"{done}/{len(functions)} functions done, {_num(total(lines))}/{_num(max_total(lines))} points.",
                     "1"))
    todo = next((l for l in functions if not l.done), None)
    if todo is not None and not run.only:
        first = next((r.failure for r in todo.records if r.failure), None)
        if is_not_implemented(first):
            out.append(f"Next: implement `{todo.name}`. {hint(todo.name)}")
        else:
            out.append(f"Next: fix `{todo.name}`. {hint(todo.name)}")
    elif done == len(functions) and total(lines) == max_total(lines):
        out.append(style("Everything passes. Well done!", "32;1"))
    return "\n".join(out) + "\n"


def plain_text(run: Run, config: Optional[Config] = None) -> str:
    """The report without colours, for files and platforms."""
    return render(run, _NoTerminal(), config)


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
        out.append("      not run")
    if failures and (is_not_implemented(failures[0].failure) or line.name in missing):
        out.append("      " + explain(failures[0].failure, failures[0].function, missing)[0])
        return out
    for record in failures[:MAX_FAILURES_SHOWN]:
        for text in explain(record.failure, record.function, missing):
            out.append("      " + text)
        if record.note:
            out.append("      " + record.note)
    if len(failures) > MAX_FAILURES_SHOWN:
        out.append(f"      (and {len(failures) - MAX_FAILURES_SHOWN} more failing check(s) of this function)")
    if not line.is_experiment:
        out.append("      " + hint(line.name))
    return out


def _num(x: float) -> str:
    return f"{x:g}" if float(x).is_integer() else f"{x:.2f}"
