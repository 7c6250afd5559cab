"""Grading a class on a real Dask cluster: a scheduler and two worker processes, one of them killed mid-class.

The class goes through `python -m grader batch --scheduler`, as an instructor runs it;
the gradebook must be complete and the same as the local pool's, and running the same
command again grades nothing.
"""
import csv
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from grader.kata.mistakes import MUTANTS, reference_source, submission_source
from helpers import BANK, ROOT

distributed = pytest.importorskip("distributed")

MUTANT_IDS = ("subtract-reversed", "dot-adds")


def make_class(folder):
    folder.mkdir()
    (folder / "ada.py").write_text(reference_source())
    for name in ("functional_style", "index_loops"):
        shutil.copy(BANK / "alternatives" / f"{name}.py", folder / f"{name}.py")
    for mutant in MUTANTS:
        if mutant.id in MUTANT_IDS:
            (folder / f"{mutant.id}.py").write_text(submission_source(mutant))
    shutil.copytree(ROOT / "exercises", folder / "stubs", ignore=shutil.ignore_patterns("__pycache__"))
    return sorted(p.stem for p in folder.iterdir())


def batch(*args):
    return subprocess.Popen([sys.executable, "-m", "grader", "batch", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def rows(out):
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def done(out):
    return len(list((out / "learners").glob("*/meta.json"))) if (out / "learners").exists() else 0


def test_a_class_graded_on_a_cluster_survives_a_killed_worker(tmp_path):
    klass = tmp_path / "class"
    learners = make_class(klass)
    local = tmp_path / "local"
    assert batch(klass, "--out", local, "--jobs", "2").wait(timeout=600) == 0

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, scheduler_port=0)
    client = distributed.Client(cluster)
    try:
        out = tmp_path / "cluster"
        graded = batch(klass, "--out", out, "--scheduler", cluster.scheduler_address)
        killed = None
        deadline = time.monotonic() + 300
        while killed is None and graded.poll() is None and time.monotonic() < deadline:
            busy = [w for w, keys in client.processing().items() if keys]
            if done(out) >= 1 and busy:  # in the middle: one learner written, another being graded
                pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed = pid
            time.sleep(0.05)
        stdout, stderr = graded.communicate(timeout=600)
        assert killed is not None, "the class was graded before a worker could be killed"
        assert graded.returncode == 0, stdout + stderr
    finally:
        client.close()
        cluster.close()

    book = rows(out)
    assert [r[0] for r in book[1:]] == learners
    status = book[0].index("status")
    assert all(r[status] == "graded" for r in book[1:]), [(r[0], r[status]) for r in book]
    assert book == rows(local)
    # Resumed: everything is on disk already, so nothing is graded again (and no cluster is needed).
    again = batch(klass, "--out", out)
    stdout, _ = again.communicate(timeout=300)
    assert again.returncode == 0 and "Graded 0 submission(s)" in stdout and rows(out) == book
    check_merge(out, klass, tmp_path, book)


def check_merge(out, klass, tmp_path, book):
    """Shard outputs (here: the cluster's learners dealt into two folders) merge into the same gradebook."""
    shards = [tmp_path / "shard1", tmp_path / "shard2"]
    for index, folder in enumerate(sorted((out / "learners").iterdir())):
        shutil.copytree(folder, shards[index % 2] / "learners" / folder.name)
    for shard in shards:  # a learner no shard finished
        shutil.rmtree(shard / "learners" / "stubs", ignore_errors=True)
    merged = tmp_path / "merged"
    command = [sys.executable, "-m", "grader", "merge", *map(str, shards), "--out", str(merged),
               "--submissions", str(klass)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    merged_book = rows(merged)
    assert [r for r in merged_book if r[0] != "stubs"] == [r for r in book if r[0] != "stubs"]
    status = merged_book[0].index("status")
    assert [r[status] for r in merged_book if r[0] == "stubs"] == ["not graded"]
