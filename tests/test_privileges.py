"""As root with a Python an unprivileged user can run (as on Gradescope), learner code runs as uid 65534.

With namespaces it is uid 1000 in its own user namespace, mapped to 65534 outside,
whatever Python runs the grader (tests/test_confinement.py shows it with this
machine's own Python under a private /root). Without them (GRADER_NAMESPACES=off)
the worker drops to uid 65534 only when the runtime is readable by that user, and
otherwise keeps uid 0 with every capability dropped; the system Python, where there
is one, shows both paths for real.
"""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from helpers import ROOT

SYSTEM_PYTHON = shutil.which("python3", path="/usr/bin")

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or SYSTEM_PYTHON is None,
                                reason="needs root and a system Python in /usr/bin")

PROBE = '''
import os
def add(v, w):
    if len(v) != len(w):
        raise ValueError("different lengths")
    if v == [123.0]:
        return [float(os.getuid())]
    return [a + b for a, b in zip(v, w)]
'''


@pytest.fixture(scope="module")
def system_venv():
    # Not under pytest's tmp_path: that is private to root, and the unprivileged worker
    # must be able to read the environment's packages, as it can on Gradescope.
    base = Path(tempfile.mkdtemp(prefix="kata-system-python-"))
    base.chmod(0o755)
    yield from _venv(base)
    shutil.rmtree(base, ignore_errors=True)


def _venv(base):
    venv = base / "venv"
    made = subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"the system Python cannot make a venv: {made.stderr.strip()[:200]}")
    installed = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-e", str(ROOT)],
                               capture_output=True, text=True, timeout=600)
    assert installed.returncode == 0, installed.stderr[-2000:]
    yield venv / "bin" / "python"


@pytest.fixture(params=["namespaces", "fallback"])
def mode(request, monkeypatch):
    if request.param == "fallback":
        monkeypatch.setenv("GRADER_NAMESPACES", "off")
    else:
        monkeypatch.delenv("GRADER_NAMESPACES", raising=False)
    return request.param


IDENTITY = {"namespaces": "uid 1000 in its user namespace (uid 65534 outside), no capabilities",
            "fallback": "running as unprivileged uid 65534"}


def test_the_worker_runs_as_an_unprivileged_user_and_grades_in_full(system_venv, mode):
    # --verbose: the isolation line is for instructors, not in the default report.
    result = subprocess.run([str(system_venv), "-m", "grader", "solutions", "--verbose"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    if mode == "namespaces" and "namespaces: unavailable" in result.stdout:
        why = result.stdout.split("namespaces: unavailable", 1)[1].split(";")[0]
        pytest.skip("no namespaces here: " + why)
    assert IDENTITY[mode] in result.stdout and "100/100" in result.stdout, result.stdout


def test_submission_code_sees_the_unprivileged_uid(system_venv, tmp_path, mode):
    path = tmp_path / "probe.py"
    path.write_text(PROBE)
    code = ("from grader.load import load_submission\nfrom grader.target import SandboxTarget\n"
            f"t = SandboxTarget(load_submission({str(path)!r}))\n"
            "print(t.call('add', [[123.0], [1.0]], True, 0)['value'], t.isolation[0])\nt.close()\n")
    result = subprocess.run([str(system_venv), "-c", code], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    if mode == "namespaces" and "namespaces: unavailable" in result.stdout:
        pytest.skip("no namespaces here")
    assert result.stdout.split(" ", 1)[0] == ("[1000.0]" if mode == "namespaces" else "[65534.0]"), result
    assert Path(path).read_text() == PROBE
