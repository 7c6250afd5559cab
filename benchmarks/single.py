"""Benchmark: one submission, end to end, against the targets of issue 14.

    python benchmarks/single.py [--repeat 5] [--mutants all|N] [--no-budget]

Every grade is a fresh `python -m grader FILE --quiet`, as a learner runs it, with the
reference's recording already on disk (the first grade, which builds it, is timed on
its own). Prints first the floor (CPU no correct grade avoids: Python importing pytest and
Hypothesis, and the experiments run by the reference's own functions), then, in seconds of
wall time (median, worst) and of CPU time (grader and worker together, which on an idle
machine is close to the wall time of a sequential grade):

* a correct submission (target: <= 1 s);
* untouched stubs, everything raising NotImplementedError (target: <= 1 s);
* one bug, each mutant of the bank in turn (target: median <= 2 s, worst <= 5 s);
* the same grades within Gradescope's budget, half a CPU and 768 MB, as its default
  container has (target: <= 5 s). As root with writable cgroups these are real limits
  (grader/platforms/container.py); otherwise one CPU (`taskset -c 0`) shared half and
  half with a busy loop pinned there, and 768 MiB of address space (`prlimit --as`);
* and, for comparison, the correct submission with --no-replay.

The machine's load average is printed first: on a shared machine the wall times are
several times the idle ones, the CPU times much less so.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.kata.mistakes import MUTANTS, reference_source, submission_source  # noqa: E402
from grader.platforms import container  # noqa: E402


SCORES = []  # what each grade printed (the total), to show the timed grades were right


def timed(command, env):
    """(wall seconds, CPU seconds of the command and its children) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    SCORES.append(result.stdout.strip() or f"exit {result.returncode}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def grade_command(path, budget=False, extra=()):
    command = [sys.executable, "-m", "grader", str(path), "--quiet", *extra]
    if budget:
        command, _ = container.limited(command)
    return command


def floor(repeat: int):
    """CPU seconds that no grade of a correct submission avoids, each the best of `repeat`: Python
    importing pytest and Hypothesis, and the chapter's experiments (7,400 epochs, about 740,000
    calls) run by the reference's own functions in this machine's Python, without a sandbox."""
    startup = min(timed([sys.executable, "-c", "import pytest, hypothesis"], os.environ)[1]
                  for _ in range(repeat))
    code = ("import time, types; from solutions import gradient_descent as g, linear_algebra as l; "
            "from grader.kata import catalog, experiments as e; "
            "fns = types.SimpleNamespace(**{**vars(l), **vars(g)}); t = time.process_time(); "
            "[e.run(x.name, fns, e.arguments(x.name, 0)) for x in catalog.EXPERIMENTS]; "
            "print(time.process_time() - t)")
    experiments = min(float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                                           text=True, check=True).stdout) for _ in range(repeat))
    label = f"floor (CPU, best of {repeat})"
    print(f"{label:<46} Python with pytest and Hypothesis {startup:.2f} s + "
          f"the reference's experiments {experiments:.2f} s = {startup + experiments:.2f} s")


class Competitor:
    """A busy loop pinned to CPU 0, where the fallback's grades run: they get about half of it.
    Not needed (and not started) when cgroups give the grades half a CPU of their own."""

    def __init__(self, how: str):
        self.needed = how != container.CGROUPS

    def __enter__(self):
        if self.needed:
            self.process = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-c", "while True: pass"])
        return self

    def __exit__(self, *exc):
        if self.needed:
            self.process.kill()
            self.process.wait()


def row(name, samples, target=None):
    walls = [w for w, _ in samples]
    cpus = [c for _, c in samples]
    verdict = ""
    if target is not None:
        met = "met" if statistics.median(walls) <= target else "not met"
        verdict = f"  (target <= {target:g} s: {met})"
    scores = sorted(set(SCORES[-len(samples):]))
    shown = ", ".join(scores) if len(scores) <= 3 else f"{len(scores)} different totals"
    print(f"{name:<46} wall {statistics.median(walls):6.2f} median {max(walls):6.2f} worst   "
          f"cpu {statistics.median(cpus):5.2f} median {max(cpus):5.2f} worst   "
          f"n={len(samples)}{verdict}   [{shown}]")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--mutants", default="all",
                        help="all, or how many mutants of the bank (spread evenly)")
    parser.add_argument("--no-budget", action="store_true", help="skip the Gradescope-budget rows")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="kata-single-"))
    env = dict(os.environ, XDG_CACHE_HOME=str(base / "cache"))
    correct = base / "correct.py"
    correct.write_text(reference_source())
    stubs = ROOT / "exercises"
    mutants = list(MUTANTS)
    if args.mutants != "all":
        step = max(1, len(mutants) // int(args.mutants))
        mutants = mutants[::step][:int(args.mutants)]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; Python {sys.version.split()[0]}")

    floor(args.repeat)
    row("first grade (builds the recording)", [timed(grade_command(correct), env)])
    row("correct submission", [timed(grade_command(correct), env) for _ in range(args.repeat)], 1)
    row("correct submission, --no-replay",
        [timed(grade_command(correct, extra=["--no-replay"]), env) for _ in range(max(1, args.repeat // 2))])
    row("untouched stubs (exercises/)", [timed(grade_command(stubs), env) for _ in range(args.repeat)], 1)
    samples, worst = [], (0.0, "")
    for mutant in mutants:
        path = base / f"{mutant.id}.py"
        path.write_text(submission_source(mutant))
        sample = timed(grade_command(path), env)
        samples.append(sample)
        worst = max(worst, (sample[0], mutant.id))
    row(f"one bug ({len(mutants)} mutants of the bank)", samples, 2)
    print(f"{'':<46} slowest: {worst[1]} ({worst[0]:.2f} s; target for the worst: <= 5 s)")
    # Not in the bank: the slowest held-out bug, whose experiments grow a vector until
    # the worker runs out of memory.
    concat = base / "add-concatenates.py"
    concat.write_text(reference_source() + "\ndef add(v, w):\n    return v + w\n")
    row("held-out bug: add concatenates", [timed(grade_command(concat), env)])
    budget = None if args.no_budget else container.limited([])
    if budget is not None:
        print(f"Gradescope's budget here: {budget[1]}")
        with Competitor(budget[1]) as competitor:
            row("Gradescope budget: correct submission",
                [timed(grade_command(correct, budget=True), env) for _ in range(args.repeat)], 5)
            row("Gradescope budget: untouched stubs",
                [timed(grade_command(stubs, budget=True), env) for _ in range(args.repeat)], 5)
            some = mutants[:: max(1, len(mutants) // 5)]
            row(f"Gradescope budget: one bug ({len(some)} mutants)",
                [timed(grade_command(base / f"{m.id}.py", budget=True), env) for m in some], 5)
        if competitor.needed:
            print("(CPU times under the budget include only the grade, not the competitor)")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
