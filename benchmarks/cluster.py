"""Benchmark: a class through a Dask cluster against the local pool, on the same machine.

    python benchmarks/cluster.py [--size 40] [--workers 2]

Builds a class like benchmarks/batch.py (60% correct, 30% buggy, 10% hostile), grades
it with the local pool (`--jobs N`) and then through a Dask LocalCluster of N worker
processes with one thread each (what `dask scheduler` plus `dask worker ADDRESS
--nworkers N --nthreads 1` start), and prints wall time and submissions per second
for both. The cluster's figure includes starting nothing: the cluster is up before the
clock starts, as it would be for an instructor. Both write the same gradebook.
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from batch import make_class  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    from grader.batch import run_batch
    base = Path(tempfile.mkdtemp(prefix="kata-cluster-"))
    klass = base / "class"
    klass.mkdir()
    counts = make_class(klass, args.size)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; class of {args.size}: "
          f"{counts['correct']} correct, {counts['buggy']} buggy, {counts['hostile']} hostile")
    quiet = open(os.devnull, "w")
    times = {}
    started = time.perf_counter()
    run_batch(klass, base / "local", jobs=args.workers, progress=quiet)
    times["local pool"] = time.perf_counter() - started
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster):
        started = time.perf_counter()
        summary = run_batch(klass, base / "dask", scheduler=cluster.scheduler_address, progress=quiet)
        times["Dask cluster"] = time.perf_counter() - started
    for name, seconds in times.items():
        rate = args.size / seconds
        print(f"{name:<14} {args.workers} worker(s): {seconds:6.1f} s, {rate:5.2f} submissions/s")
    print(f"cluster throughput / local throughput: {times['local pool'] / times['Dask cluster']:.2f}")
    local = (base / "local" / "grades.csv").read_text().splitlines()
    dask = (base / "dask" / "grades.csv").read_text().splitlines()
    print(f"same gradebook: {local == dask}; not graded on the cluster: {len(summary['failed'])}")
    for mine, theirs in zip(local, dask):
        if mine != theirs:  # on a loaded machine, a call can time out in one run and not the other
            print(f"  local: {mine}\n  dask:  {theirs}")
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
