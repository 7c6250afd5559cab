"""Benchmark: grading time end to end against running the same suite in-process.

    python benchmarks/grading.py [--repeat N]

Prints the median wall time of
  1. the kata suite in-process, no isolation:  pytest tests/kata --target solutions --in-process
  2. the same suite through the sandbox:       pytest tests/kata --target solutions --sandbox
  3. the grader end to end:                    python -m grader solutions --json ...
and the overhead of 3 over 1. Each is a fresh process, as a user would run it.
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wall(command, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=False, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times), min(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp()) / "results.json"
    python = sys.executable
    rows = [
        ("suite in-process (no isolation)",
         [python, "-m", "pytest", "tests/kata", "-q", "--target", "solutions", "--in-process"]),
        ("suite through the sandbox",
         [python, "-m", "pytest", "tests/kata", "-q", "--target", "solutions", "--sandbox"]),
        ("grader end to end (python -m grader)", [python, "-m", "grader", "solutions", "--json", str(out)]),
    ]
    results = {}
    print(f"{'what':<40} {'median':>8} {'min':>8} {'max':>8}   (seconds, {args.repeat} runs each)")
    for name, command in rows:
        median, low, high = wall(command, args.repeat)
        results[name] = median
        print(f"{name:<40} {median:8.2f} {low:8.2f} {high:8.2f}")
    baseline = results["suite in-process (no isolation)"]
    overhead = results["grader end to end (python -m grader)"] / baseline
    print(f"overhead of the grader over the in-process suite: {overhead:.2f}x")


if __name__ == "__main__":
    main()
