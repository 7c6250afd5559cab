"""Plots of the convergence experiments: the learner's run against the reference's.

matplotlib is optional (`pip install -e ".[plot]"`); without it, `available()` is False
and callers say so instead of plotting.
"""
from pathlib import Path
from types import SimpleNamespace
from typing import Dict, List, Optional

from ..kata import experiments


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def reference_trace(name: str, seed: int) -> List:
    """The reference's run, thinned as a plot shows it (experiments.downsample)."""
    from ..sandbox.runtime import load_trusted, seed_randomness
    seed_randomness(seed)
    fns = SimpleNamespace(**load_trusted("solutions").functions)
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
    for run, style, who in ((trace, "-", "yours"), (reference, "--", "reference")):
        epochs = [i * every for i in range(len(run))]
        if name == "descend_sum_of_squares":
            for k in range(3):
                left.plot(epochs, [v[k] for v in run], style, label=f"v[{k}] ({who})")
            loss = [sum(x * x for x in v) for v in run]
        else:
            left.plot(epochs, [t[0] for t in run], style, label=f"slope ({who})")
            left.plot(epochs, [t[1] for t in run], style, label=f"intercept ({who})")
            loss = [experiments.mean_squared_error(kwargs["data"], t) for t in run]
        right.plot(epochs, [max(l, 1e-12) for l in loss], style, label=who)
    left.set_title("parameters")
    left.set_xlabel("epoch")
    left.legend(fontsize=7)
    right.set_title("sum of squares" if name == "descend_sum_of_squares" else "mean squared error")
    right.set_yscale("log")
    right.set_xlabel("epoch")
    right.legend(fontsize=7)
    fig.suptitle(name.replace("_", " "))
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
