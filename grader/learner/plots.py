"""Plots of the convergence experiments: the learner's run against the reference's.

matplotlib is optional (`.venv/bin/pip install -e ".[plot]"`); without it, `available()`
is False and callers say so instead of plotting. Labels are in grader/text (report.plot).
Without the reference solutions (a learner's starter copy), the learner's run is plotted alone.
"""
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List, Optional

from ..kata import experiments
from ..text import say


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def reference_trace(name: str, seed: int) -> List:
    """The reference's run of the experiment; [] when the reference solutions are not installed."""
    from ..sandbox.runtime import load_trusted, seed_randomness
    try:
        functions = load_trusted("solutions").functions
    except ImportError:
        return []
    seed_randomness(seed)
    fns = SimpleNamespace(**functions)
    kwargs = experiments.arguments(name, seed)
    return experiments.downsample(experiments.DRIVERS[name](fns, **kwargs)["trace"], kwargs["epochs"])


def figure(name: str, trace: List, seed: int, reference: Optional[List] = None):
    """A matplotlib figure: parameters and loss per epoch, learner (solid) against reference (dashed).

    A trace may hold every epoch (a run as the drivers return it) or every k-th
    (as a grading records it): either is shown at about TRACE_POINTS epochs."""
    import matplotlib
    if matplotlib.get_backend().lower() == "agg" or "inline" not in matplotlib.get_backend().lower():
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    reference = reference if reference is not None else reference_trace(name, seed)
    kwargs = experiments.arguments(name, seed)
    trace = experiments.downsample(trace, kwargs["epochs"])
    reference = experiments.downsample(reference, kwargs["epochs"])
    every = max(1, int(kwargs["epochs"]) // experiments.TRACE_POINTS)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    runs = [(trace, "-", say("report.plot.yours"))] + ([(reference, "--", say("report.plot.reference"))]
                                                        if reference else [])
    for run, style, who in runs:
        epochs = [i * every for i in range(len(run))]
        if name == "descend_sum_of_squares":
            for k in range(3):
                left.plot(epochs, [v[k] for v in run], style, label=f"v[{k}] ({who})")
            loss = [sum(x * x for x in v) for v in run]
        else:
            left.plot(epochs, [t[0] for t in run], style, label=f"{say('report.plot.slope')} ({who})")
            left.plot(epochs, [t[1] for t in run], style, label=f"{say('report.plot.intercept')} ({who})")
            loss = [experiments.mean_squared_error(kwargs["data"], t) for t in run]
        right.plot(epochs, [max(value, 1e-12) for value in loss], style, label=who)
    left.set_title(say("report.plot.parameters"))
    left.set_xlabel(say("report.plot.epoch"))
    left.legend(fontsize=7)
    right.set_title(say("report.plot.sum_of_squares" if name == "descend_sum_of_squares"
                        else "report.plot.mean_squared_error"))
    right.set_yscale("log")
    right.set_xlabel(say("report.plot.epoch"))
    right.legend(fontsize=7)
    fig.suptitle(say(f"report.experiment_titles.{name}"))
    fig.tight_layout()
    return fig


def write_all(traces: Dict[str, List], seed: int, directory: Path) -> List[Path]:
    """One PNG per experiment that produced a trace; returns the paths written."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, trace in traces.items():
        if not trace:
            continue
        fig = figure(name, trace, seed)
        path = directory / f"{name}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written
