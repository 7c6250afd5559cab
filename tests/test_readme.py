"""The README is true: CI runs its test command, and its grading command names real things."""
import re

from helpers import ROOT


def readme_commands():
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text(), re.S)


def test_ci_runs_the_readmes_test_command():
    commands = readme_commands()
    assert len(commands) >= 2
    install_and_grade, install_and_test = commands[0], commands[1]
    assert "python -m grader solutions" in install_and_grade
    assert install_and_test in (ROOT / ".ci" / "run").read_text().splitlines()


def test_the_points_table_matches_the_catalog():
    from grader.kata import catalog
    readme = (ROOT / "README.md").read_text()
    for exercise in catalog.EXERCISES:
        assert f"| {exercise.name} | {exercise.points} |" in readme
