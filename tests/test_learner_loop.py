"""The learner's loop: one function at a time, hints in steps, re-grading on save, plots."""
import os
import shutil
import subprocess
import sys
import time

from grader.kata.mistakes import MUTANTS, reference_source
from helpers import ROOT, run_grader


def test_hints_come_in_steps_and_are_remembered(tmp_path):
    target = tmp_path / "work"
    shutil.copytree(ROOT / "exercises", target)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = run_grader(target, "--hint", "dot", env=env)
    assert first.returncode == 1
    assert "Hint 2 of 3" in first.stdout and "Hint 3 of 3" not in first.stdout
    assert "✓" not in first.stdout and "dot" in first.stdout and "add" not in first.stdout
    second = run_grader(target, "--hint", "dot", env=env)
    assert "Hint 3 of 3" in second.stdout
    other = run_grader(target, "--hint", "add", env=env)
    assert "Hint 2 of 3" in other.stdout and "Hint 3 of 3" not in other.stdout


def test_no_hint_for_a_function_that_passes(tmp_path):
    result = run_grader("solutions", "--hint", "dot", env={"XDG_CACHE_HOME": str(tmp_path)})
    assert result.returncode == 0 and "no hint needed" in result.stdout


def read_until(process, text, timeout=120):
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"{text!r} never appeared in:\n{''.join(seen)}")


def test_watch_grades_again_when_the_file_is_saved(tmp_path):
    path = tmp_path / "work.py"
    broken = next(m for m in MUTANTS if m.id == "dot-adds")
    path.write_text(reference_source() + "\n" + broken.source)
    process = subprocess.Popen([sys.executable, "-m", "grader", str(path), "--watch", "--only", "dot"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = read_until(process, "Watching")
        assert "✗ dot" in first
        path.write_text(reference_source())
        os.utime(path, None)
        second = read_until(process, "Watching")
        assert "Changed: grading again" in second and "✓ dot" in second
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_plots_are_written_for_each_experiment(tmp_path):
    result = run_grader("solutions", "--plot", tmp_path / "plots")
    assert result.returncode == 0
    for name in ("descend_sum_of_squares", "fit_batch", "fit_minibatch", "fit_sgd"):
        png = tmp_path / "plots" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_function_that_prints_instead_of_returning_is_told_so(write_submission):
    source = reference_source() + "\ndef dot(v, w):\n    print(sum(a * b for a, b in zip(v, w)))\n"
    result = run_grader(write_submission(source), "--only", "dot")
    assert "printed its answer but returned None" in result.stdout


def test_a_function_that_returns_none_is_told_so(write_submission):
    source = reference_source() + "\ndef add(v, w):\n    [a + b for a, b in zip(v, w)]\n"
    result = run_grader(write_submission(source), "--only", "add")
    assert "returned None" in result.stdout and "forget to `return`" in result.stdout
