"""The class at a glance: what to re-teach, from the gradebook's rows.

    DIR/summary.txt   the distribution of totals, each function's and experiment's pass rate,
                      the named mistakes most learners made, and the slowest submissions
    DIR/summary.png   the same at a glance: a histogram of totals and the pass rates as bars
                      (only when matplotlib is installed: pip install -e ".[plot]")

A function "passes" for a learner when every one of its tests passed. A named mistake
is a known wrong implementation of the mistake bank (grader/kata/mistakes.py) that a
learner's answers matched (Failure.mistake); it is counted once per learner.
"""
from collections import Counter
from pathlib import Path
from typing import List, Optional, Tuple

from ..text import mistake as mistake_text
from ..config import Config
from .gradebook import COLUMNS, GRADED, Row

BINS = 10
SLOWEST = 5
MISTAKES = 8


def _graded(table: List[Row]) -> List[Row]:
    return [row for row in table if row.run is not None and row.status == GRADED]


def histogram(totals: List[float], maximum: float, bins: int = BINS) -> List[Tuple[float, float, int]]:
    """(low, high, count) for bins equal slices of [0, maximum]; the last one includes maximum."""
    width = maximum / bins if maximum else 1.0
    counts = [0] * bins
    for value in totals:
        counts[min(int(value / width), bins - 1) if value > 0 else 0] += 1
    return [(round(i * width, 2), round((i + 1) * width, 2), counts[i]) for i in range(bins)]


def pass_rates(table: List[Row]) -> List[Tuple[str, float]]:
    """(function or experiment, share of graded learners for whom all its tests passed)."""
    graded = _graded(table)
    rates = []
    for name in COLUMNS:
        passed = 0
        for row in graded:
            mine = [r for r in row.run.records if r.graded == name]
            passed += bool(mine) and all(r.passed for r in mine)
        rates.append((name, passed / len(graded) if graded else 0.0))
    return rates


def mistakes(table: List[Row]) -> List[Tuple[str, int]]:
    """(named mistake, learners who made it), most common first."""
    counter: Counter = Counter()
    for row in _graded(table):
        counter.update({r.failure.mistake for r in row.run.records if r.failure and r.failure.mistake})
    return counter.most_common(MISTAKES)


def text(table: List[Row], config: Optional[Config] = None) -> str:
    config = config or Config()
    graded = _graded(table)
    statuses = Counter(row.status for row in table)
    out = [f"Class summary: {len(table)} row(s) in grades.csv; " + ", ".join(f"{n} {s}" for s, n in
                                                                           sorted(statuses.items()))]
    totals = sorted(row.total or 0.0 for row in graded)
    if not totals:
        return "\n".join(out + ["No submission was graded."]) + "\n"
    middle = len(totals) // 2
    median = totals[middle] if len(totals) % 2 else (totals[middle - 1] + totals[middle]) / 2
    mean = sum(totals) / len(totals)
    out += ["", f"Totals (out of {config.max_score:g}), {len(totals)} graded: mean {mean:.1f}, "
                f"median {median:g}, lowest {totals[0]:g}, highest {totals[-1]:g}"]
    peak = max(count for _, _, count in histogram(totals, config.max_score)) or 1
    for low, high, count in histogram(totals, config.max_score):
        out.append(f"  {low:>6g} - {high:<6g} {'#' * round(30 * count / peak):<30} {count}")
    out += ["", "Pass rate per function and experiment (lowest first: what to re-teach):"]
    for name, rate in sorted(pass_rates(table), key=lambda item: item[1]):
        out.append(f"  {name:<30} {rate:>5.0%}")
    common = mistakes(table)
    out += ["", "Most common named mistakes (learners):"]
    out += [f"  {count:>3}  {mistake_text(mistake)}" for mistake, count in common] or [
        "  none matched the mistake bank"]
    out += ["", "Slowest submissions (seconds to grade):"]
    for row in sorted(graded, key=lambda r: r.run.seconds, reverse=True)[:SLOWEST]:
        out.append(f"  {row.run.seconds:>6.1f}  {row.learner}")
    return "\n".join(out) + "\n"


def plot(table: List[Row], path: Path, config: Optional[Config] = None) -> Optional[Path]:
    """Write the PNG; None when matplotlib is not installed."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    config = config or Config()
    totals = [row.total or 0.0 for row in _graded(table)]
    rates = pass_rates(table)
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5.5))
    edges = [low for low, _, _ in histogram(totals, config.max_score)] + [config.max_score]
    left.hist(totals, bins=edges, color="#4477aa", edgecolor="white")
    left.set_title(f"Totals ({len(totals)} graded)")
    left.set_xlabel(f"points out of {config.max_score:g}")
    left.set_ylabel("learners")
    names = [name for name, _ in rates]
    right.barh(names, [100 * rate for _, rate in rates], color="#228833")
    right.invert_yaxis()
    right.set_xlim(0, 100)
    right.set_title("Learners who pass all tests (%)")
    right.tick_params(axis="y", labelsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return Path(path)


def write(out: Path, table: List[Row], config: Optional[Config] = None) -> List[Path]:
    """Write summary.txt and, if possible, summary.png into out; returns the paths written."""
    written = [out / "summary.txt"]
    written[0].write_text(text(table, config), encoding="utf-8")
    image = plot(table, out / "summary.png", config)
    return written + ([image] if image else [])
