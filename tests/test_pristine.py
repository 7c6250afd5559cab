"""grader.pristine: the stubs as handed out, whatever a learner has since written into exercises/."""
import shutil
import subprocess

import pytest
from helpers import ROOT

from grader import pristine
from grader.learner import notebook

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(folder, *args):
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A copy of exercises/ committed in a fresh git repository, standing in for the project."""
    shutil.copytree(ROOT / "exercises", tmp_path / "exercises")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "exercises")
    git(tmp_path, "-c", "user.name=kata", "-c", "user.email=kata@example.org", "commit", "-q", "-m", "stubs")
    monkeypatch.setattr(pristine, "PROJECT_ROOT", tmp_path)
    return tmp_path


@needs_git
def test_an_edited_stub_reads_as_committed_and_is_reported_as_edited(project):
    path = project / "exercises" / "linear_algebra.py"
    original = path.read_text()
    assert pristine.pristine_text("exercises/linear_algebra.py") == original
    assert not pristine.differs("exercises/linear_algebra.py")
    edited = original.replace('raise NotImplementedError("add")', "return [a + b for a, b in zip(v, w)]")
    path.write_text(edited)
    assert pristine.pristine_text("exercises/linear_algebra.py") == original
    assert pristine.differs("exercises/linear_algebra.py")
    assert not pristine.differs("exercises/gradient_descent.py")


@needs_git
def test_the_learner_notebook_is_built_from_the_pristine_stubs(project):
    path = project / "exercises" / "linear_algebra.py"
    path.write_text(path.read_text().replace('raise NotImplementedError("add")', "return 'my own attempt'"))
    assert notebook.edited_stubs() == ["exercises/linear_algebra.py"]
    assert notebook.edited_stubs(answers=True) == []
    cells = [c.source for c in notebook.build().cells if c.cell_type == "code"]
    add = next(c for c in cells if c.startswith("def add("))
    assert 'raise NotImplementedError("add")' in add and "my own attempt" not in "\n".join(cells)


def test_outside_git_the_files_on_disk_are_the_originals(tmp_path, monkeypatch):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "stub.py").write_text("x = 1\n")
    monkeypatch.setattr(pristine, "PROJECT_ROOT", tmp_path)
    assert pristine.pristine_text("exercises/stub.py") == "x = 1\n"
    assert not pristine.differs("exercises/stub.py")
    with pytest.raises(FileNotFoundError):
        pristine.pristine_text("exercises/missing.py")


@pytest.mark.parametrize("path", ["../secret.py", "/etc/passwd", "", "exercises/../../x.py"])
def test_only_paths_inside_the_project_are_read(path):
    with pytest.raises(ValueError):
        pristine.pristine_text(path)


def test_this_project_stubs_are_readable():
    text = pristine.pristine_text("exercises/gradient_descent.py")
    assert "def minibatches(" in text and "NotImplementedError" in text
