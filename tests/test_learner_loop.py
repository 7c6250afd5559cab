"""The learner's loop: one function at a time, hints in steps, re-grading on save, plots."""
import os
import shutil
import subprocess
import sys
import time

from grader import text
from grader.kata.mistakes import MUTANTS, reference_source
from grader.learner import hints, notebook
from helpers import ROOT, run_grader


def heading(name, number):
    return text.say("hints.heading", number=number, total=3, text=text.hints(name)[number - 1], function=name)


def test_hints_are_opt_in_come_in_steps_are_remembered_and_start_over(tmp_path):
    target = tmp_path / "work"
    shutil.copytree(ROOT / "exercises", target)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    report = run_grader(target, "--only", "dot", env=env)
    assert text.say("hints.offer", function="dot") in report.stdout  # the report offers, never shows
    assert not any(hint in report.stdout for hint in text.hints("dot"))
    first = run_grader(target, "--hint", "dot", env=env)
    assert first.returncode == 1
    assert heading("dot", 1) in first.stdout and text.hints("dot")[1] not in first.stdout
    assert text.say("hints.more", function="dot") in first.stdout
    assert text.say("hints.reset", function="dot") in first.stdout
    assert "✓" not in first.stdout and "`add`" not in first.stdout
    second = run_grader(target, "--hint", "dot", env=env)
    assert heading("dot", 2) in second.stdout and text.hints("dot")[0] not in second.stdout
    third = run_grader(target, "--hint", "dot", env=env)
    assert heading("dot", 3) in third.stdout and text.say("hints.last", function="dot") in third.stdout
    other = run_grader(target, "--hint", "add", env=env)
    assert heading("add", 1) in other.stdout
    again = run_grader(target, "--hint-reset", "dot", "--hint", "dot", env=env)
    assert text.say("hints.reset_done", function="dot") in again.stdout and heading("dot", 1) in again.stdout


def test_hint_reset_alone_starts_over_without_grading(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert hints.next_level("exercises", "dot") == 1 and hints.next_level("exercises", "dot") == 2
    result = run_grader("exercises", "--hint-reset", "dot")
    assert result.returncode == 0
    assert result.stdout.strip() == text.say("hints.reset_done", function="dot")  # and no report
    assert hints.shown("exercises", "dot") == 0


def test_the_notebook_hint_climbs_and_starts_over(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    for number in (1, 2, 3, 3):
        notebook.hint("vector_mean")
        assert heading("vector_mean", number) in capsys.readouterr().out
    notebook.hint("vector_mean", reset=True)
    assert text.say("hints.reset_done_notebook", function="vector_mean") in capsys.readouterr().out
    notebook.hint("vector_mean")
    shown = capsys.readouterr().out
    assert heading("vector_mean", 1) in shown and 'hint("vector_mean", reset=True)' in shown
    notebook.hint("dott")
    assert "dott" in capsys.readouterr().out


def test_no_hint_for_a_function_that_passes(tmp_path):
    result = run_grader("solutions", "--hint", "dot", env={"XDG_CACHE_HOME": str(tmp_path)})
    assert result.returncode == 0 and text.say("hints.not_needed", function="dot") in result.stdout


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
    process = subprocess.Popen([sys.executable, "-m", "grader", str(path), "--watch", "--only", "dot"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        first = read_until(process, text.say("report.watching", target=path))
        assert "✗ dot" in first
        path.write_text(reference_source())
        os.utime(path, None)
        second = read_until(process, text.say("report.watching", target=path))
        assert text.say("report.changed") in second and "✓ dot" in second
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_plots_are_written_for_each_experiment(tmp_path):
    result = run_grader("solutions", "--plot", tmp_path / "plots")
    assert result.returncode == 0
    for name in ("descend_sum_of_squares", "fit_batch", "fit_minibatch", "fit_sgd"):
        png = tmp_path / "plots" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_function_that_prints_instead_of_returning_is_told_so_and_sees_its_print(write_submission):
    source = reference_source() + "\ndef dot(v, w):\n    print(sum(a * b for a, b in zip(v, w)))\n"
    result = run_grader(write_submission(source), "--only", "dot")
    assert text.say("report.printed_instead_of_return") in result.stdout
    shown = result.stdout.splitlines()
    printed = shown.index("        " + text.say("report.printed"))
    float(shown[printed + 1])  # the number it printed, right under the heading


def test_a_function_that_returns_none_is_told_so(write_submission):
    source = reference_source() + "\ndef add(v, w):\n    [a + b for a, b in zip(v, w)]\n"
    result = run_grader(write_submission(source), "--only", "add")
    assert "returned None" in result.stdout and "forget to `return`" in result.stdout
