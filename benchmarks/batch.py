"""Benchmark: grading a class of 100 submissions (correct, buggy and hostile mixed).

    python benchmarks/batch.py [--size 100]

Prints wall time, submissions per second and peak memory with 1 and 2 workers, and
the speed-up from 1 to 2.
"""
import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.kata.mistakes import MUTANTS, reference_source, submission_source  # noqa: E402

HOSTILE = [
    "import sys\nsys.exit(0)\n",
    "def add(v, w):\n    while True:\n        pass\n",
    "def subtract(v, w):\n    hog = []\n    while True:\n        hog.append(bytearray(50 * 1024 * 1024))\n",
    "import os\ndef dot(v, w):\n    os._exit(0)\n",
    "def magnitude(v):\n    print('x' * 100000)\n    return 5.0\n",
]


def make_class(folder: Path, size: int) -> dict:
    """About 60% correct (four styles), 30% mutants, 10% hostile."""
    alternatives = sorted((ROOT / "tests" / "bank" / "alternatives").glob("*.py"))
    counts = {"correct": 0, "buggy": 0, "hostile": 0}
    for i in range(size):
        kind = "hostile" if i % 10 == 9 else "buggy" if i % 10 in (6, 7, 8) else "correct"
        if kind == "correct":
            source = alternatives[i % len(alternatives)].read_text() if i % 2 else reference_source()
        elif kind == "buggy":
            source = submission_source(MUTANTS[i % len(MUTANTS)])
        else:
            source = reference_source() + "\n" + HOSTILE[(i // 10) % len(HOSTILE)]
        (folder / f"learner{i:03d}.py").write_text(source)
        counts[kind] += 1
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="kata-batch-"))
    klass = base / "class"
    klass.mkdir()
    counts = make_class(klass, args.size)
    print(f"class of {args.size}: {counts['correct']} correct, {counts['buggy']} buggy, "
          f"{counts['hostile']} hostile")
    from grader.batch import run_batch
    times = {}
    for jobs in (1, 2):
        out = base / f"out{jobs}"
        started = time.perf_counter()
        summary = run_batch(klass, out, jobs=jobs, progress=open("/dev/null", "w"))
        times[jobs] = time.perf_counter() - started
        peaks = summary["peak_kib"]
        first, last = max(peaks[:10]) / 1024, max(peaks[-10:]) / 1024
        print(f"{jobs} worker(s): {times[jobs]:6.1f} s, {args.size / times[jobs]:5.2f} submissions/s; "
              f"grader process memory: {first:.0f} MiB after the first 10, {last:.0f} MiB after the last 10")
    print(f"speed-up from 1 to 2 workers: {times[1] / times[2]:.2f}x")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
