"""GitHub Classroom: build the starter repository learners get.

    python -m grader classroom build --out DIR [--repo URL] [--ref COMMIT] [--config grader.toml]

The starter holds only what a learner should have:

    exercises/                    the stubs, as committed (pristine.py)
    README.md                     what to do, how it is graded, and that the grades are formative
    grader.toml                   the points and limits the workflow grades with
    .github/kata/requirements.txt the exact pytest/Hypothesis/... versions (pins.py)
    .github/workflows/classroom.yml

The workflow fetches the grader at one pinned commit of the instructor's public
repository (no token: a secret in a workflow learners can edit is not a secret),
installs it with the pinned requirements, grades $GITHUB_WORKSPACE/exercises with
`--classroom "$GITHUB_OUTPUT"`, and hands one runner per function and experiment to
classroom-resources/autograding-grading-reporter.

What Classroom cannot hide: the workflow runs on a runner the learner controls (they can
edit the workflow, and the grader, with its reference solutions, is installed on that
runner), so its grades are formative. Summative grades come from `batch` or Gradescope,
which run where learners cannot reach. The starter itself ships no solutions, no hint
ladder and no mistake bank: those stay in the installed grader.
"""
import json
import re
import subprocess
from pathlib import Path
from typing import List, Optional, Tuple

from ..config import Config
from ..kata import catalog
from ..paths import PROJECT_ROOT
from ..text import say
from .. import pristine
from . import pins

REPORTER = "classroom-resources/autograding-grading-reporter@v1"
RUNNERS = tuple(catalog.FUNCTION_NAMES) + tuple(e.name for e in catalog.EXPERIMENTS)

WORKFLOW = """# GitHub Classroom autograding for the gradient-descent kata (python -m grader classroom build).
# The grader comes from one pinned commit of {repo}, with pinned
# versions of pytest and Hypothesis (.github/kata/requirements.txt): the same inputs, the same grades,
# every run. These grades are formative: the runner is the learner's (see the instructor's README).
name: Autograding
on: [push, workflow_dispatch, repository_dispatch]
permissions:
  checks: write
  actions: read
  contents: read
env:
  KATA_REPO: {repo}
  KATA_REF: {ref}
jobs:
  grade:
    runs-on: ubuntu-latest
    if: github.actor != 'github-classroom[bot]'
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        id: py
        with:
          python-version: "{python}"
      # The reference's recording (replay: 15 s to build) depends on the grader's commit, the Python and
      # the pinned versions: kept between pushes under a key made of them. Saved right after grading,
      # as the job fails later whenever a function is not right yet (a failed job saves no cache).
      - uses: actions/cache/restore@v4
        id: recording
        with:
          path: ${{{{ runner.temp }}}}/kata-cache/gradient-descent-kata
          key: {cache_key}
      - name: Install the grader
        run: |
          git init -q "$RUNNER_TEMP/kata"
          git -C "$RUNNER_TEMP/kata" fetch -q --depth 1 "$KATA_REPO" "$KATA_REF"
          git -C "$RUNNER_TEMP/kata" checkout -q FETCH_HEAD
          python -m pip install -q -r .github/kata/requirements.txt -e "$RUNNER_TEMP/kata"
      - name: Grade
        id: kata
        run: python -m grader exercises/ --config grader.toml --classroom "$GITHUB_OUTPUT" || true
        env:
          XDG_CACHE_HOME: ${{{{ runner.temp }}}}/kata-cache
      - uses: actions/cache/save@v4
        if: steps.recording.outputs.cache-hit != 'true'
        continue-on-error: true
        with:
          path: ${{{{ runner.temp }}}}/kata-cache/gradient-descent-kata
          key: ${{{{ steps.recording.outputs.cache-primary-key }}}}
      - name: Report to GitHub Classroom
        uses: {reporter}
        env:
{env}
        with:
          runners: {runners}
"""


def workflow(repo: str, ref: str) -> str:
    major, minor = pins.minimum_python()
    env = "\n".join(f'          {name.upper()}_RESULTS: "${{{{ steps.kata.outputs.{name} }}}}"'
                    for name in RUNNERS)
    return WORKFLOW.format(repo=repo, ref=ref, python=f"{major}.{minor}", reporter=REPORTER, env=env,
                           runners=",".join(RUNNERS), cache_key=CACHE_KEY)


# What the reference's recording depends on, in GitHub's expressions (see the workflow).
CACHE_KEY = ("kata-recording-${{ steps.py.outputs.python-version }}-${{ env.KATA_REF }}-"
             "${{ hashFiles('.github/kata/requirements.txt') }}")


def readme(repo: str, ref: str) -> str:
    install = (f'git clone {repo} kata && git -C kata checkout {ref}\n'
               f'python3 -m venv .venv && .venv/bin/pip install -r .github/kata/requirements.txt -e kata\n'
               f'.venv/bin/python -m grader exercises/ --config grader.toml')
    return "\n\n".join([f"# {say('platforms.classroom.title')}", say("platforms.classroom.intro"),
                        say("platforms.classroom.grading"), say("platforms.classroom.local"),
                        f"```bash\n{install}\n```", say("platforms.classroom.formative")]) + "\n"


def default_repo() -> Optional[str]:
    """The instructor's clone's `origin`, as an https address, if there is one."""
    try:
        out = subprocess.run(["git", "-C", str(PROJECT_ROOT), "remote", "get-url", "origin"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    url = out.stdout.strip()
    if out.returncode != 0 or not url:
        return None
    ssh = re.match(r"git@([^:]+):(.+)$", url)
    return f"https://{ssh.group(1)}/{ssh.group(2)}" if ssh else url


def check_repo(repo: str) -> str:
    """The grader's address, refused if it carries credentials (they would be public to every learner)."""
    if re.search(r"//[^/@]*@", repo) or re.search(r"(gh[pousr]_|github_pat_)[A-Za-z0-9_]+", repo):
        raise ValueError(f"{repo}: the address holds a credential; learners can read the workflow. Use a "
                         f"public repository address with no token.")
    return repo


def build(out: Path, repo: Optional[str] = None, ref: Optional[str] = None, config: Optional[Config] = None,
          allow_dirty: bool = False) -> Tuple[Path, List[str]]:
    """Write the starter repository into out (which must not exist or be empty); returns it and notes.

    Raises pristine.NotPristine (edited stubs), ValueError (no grader address, or a token in it),
    FileExistsError (out is not empty)."""
    notes = [w for w in [pristine.refuse_if_dirty(allow_dirty)] if w]
    repo = repo or default_repo()
    if not repo:
        raise ValueError("give the public address of the grader's repository with --repo URL (this clone has "
                         "no `origin`)")
    repo = check_repo(repo)
    ref = ref or pristine.commit()
    if ref == pristine.commit() and pristine.changes("grader") + pristine.changes("solutions"):
        notes.append("warning: grader/ or solutions/ have uncommitted changes; the workflow installs commit "
                     f"{ref}, without them")
    notes.append(f"the workflow installs commit {ref} of {repo}: push that commit there before learners "
                 f"start")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: give a new folder for the starter")
    files = {name: data for name, data in pristine.pristine_files(pristine.STUBS).items()}
    files["README.md"] = readme(repo, ref).encode()
    files["grader.toml"] = (config or Config()).to_toml().encode()
    files[".github/kata/requirements.txt"] = pins.requirements(ref).encode()
    files[".github/kata/build.json"] = (json.dumps({"kata": pins.kata_version(), "repo": repo, "ref": ref,
                                                    "pins": pins.versions()}, indent=2) + "\n").encode()
    files[".github/workflows/classroom.yml"] = workflow(repo, ref).encode()
    files[".gitignore"] = b".venv/\n__pycache__/\n*.pyc\nkata/\n"
    for name, data in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return out, notes
