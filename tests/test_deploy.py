"""Deploying the kata as instructors do: configuration, pristine pinned builds, the Classroom starter,
Gradescope within its budget, LMS gradebooks, zip uploads and the class summary.

The platforms' formats are checked against their documentation:
  Gradescope   https://gradescope-autograders.readthedocs.io/en/latest/specs/
  PrairieLearn https://prairielearn.readthedocs.io/en/latest/externalGrading/#grading-results
  Classroom    github.com/classroom-resources/autograding-grading-reporter (src/main.js,
               src/notify-classroom.js, src/helpers/test-helpers.js)
  Canvas       https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807
  Moodle       https://docs.moodle.org/en/Grade_import
"""
import base64
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader.config import ConfigError, load_config
from grader.discover import DiscoveryError, extract_zip, learners
from grader.kata import catalog
from grader.kata.mistakes import MUTANTS, reference_source, submission_source
from grader import recording
from grader.platforms import pins
from helpers import ROOT, run_grader

RUNNERS = list(catalog.FUNCTION_NAMES) + [e.name for e in catalog.EXPERIMENTS]
VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}


def mutant(mutant_id):
    return submission_source(next(m for m in MUTANTS if m.id == mutant_id))


# --- grader.toml -------------------------------------------------------------------------

def test_the_defaults_are_the_catalogs_points():
    config = load_config(cwd=Path("/nonexistent"))
    assert config.max_score == catalog.MAX_SCORE == 100
    assert all(config.points[e.name] == e.points for e in catalog.EXERCISES)


def test_a_config_changes_points_limits_and_visibility(tmp_path):
    path = tmp_path / "grader.toml"
    path.write_text('[points]\ndot = 20\nfit_sgd = 0\n[limits]\nmemory_mib = 256\n'
                    '[visibility]\ndefault = "after_due_date"\nadd = "visible"\n'
                    '[gradebook]\nassignment = "Kata 1"\n')
    config = load_config(path)
    assert config.max_score == 100 - 5 + 20 - 3
    assert config.worker_limits() == {"memory_bytes": 256 * 1024 * 1024}
    assert config.visibility_of("add") == "visible" and config.visibility_of("dot") == "after_due_date"
    assert load_config(cwd=tmp_path) == config  # found in the current folder
    again = tmp_path / "again.toml"
    again.write_text(config.to_toml())
    assert load_config(again).points == config.points and load_config(again).memory_mib == 256


@pytest.mark.parametrize("text, words", [
    ("[points]\ndott = 3\n", ["[points] dott", "unknown"]),
    ("[points]\ndot = -1\n", ["[points] dot", "zero or more"]),
    ('[points]\ndot = "5"\n', ["[points] dot", "number"]),
    ("[points]\ndot = true\n", ["[points] dot", "number"]),
    ("[limits]\nmemory_mib = 1.5\n", ["[limits] memory_mib", "whole number"]),
    ("[limits]\ntimeout = 3\n", ["[limits] timeout", "unknown limit"]),
    ('[visibility]\ndot = "secret"\n', ["[visibility] dot", "after_published"]),
    ("[scores]\ndot = 1\n", ["[scores]", "unknown section"]),
    ("[points]\n" + "".join(f"{n} = 0\n" for n in RUNNERS), ["add up to 0"]),
    ("[points\n", ["not valid TOML"]),
])
def test_config_mistakes_name_the_file_and_the_key(tmp_path, text, words):
    path = tmp_path / "grader.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(path) in str(raised.value)
    for word in words:
        assert word in str(raised.value)


def test_the_cli_refuses_a_bad_config(tmp_path):
    (tmp_path / "bad.toml").write_text("[points]\ndot = -2\n")
    result = run_grader("solutions", "--config", tmp_path / "bad.toml")
    assert result.returncode == 2 and "[points] dot" in result.stderr and "bad.toml" in result.stderr


# --- every export with configured points ----------------------------------------------

@pytest.fixture(scope="module")
def configured(tmp_path_factory):
    """A sandboxed grade of a submission whose `dot` is wrong, with 120 points in all and hidden dot."""
    base = tmp_path_factory.mktemp("configured")
    (base / "grader.toml").write_text('[points]\ndot = 25\n[visibility]\ndot = "hidden"\n')
    (base / "work.py").write_text(mutant("dot-adds"))
    out = {name: base / f"{name}.out" for name in ("gradescope", "prairielearn", "github")}
    result = run_grader(base / "work.py", "--config", base / "grader.toml", "--json", out["gradescope"],
                        "--prairielearn", out["prairielearn"], "--classroom", out["github"], cwd=ROOT)
    assert result.returncode == 1, result.stderr
    return result, out


def test_the_terminal_report_uses_the_configured_total(configured):
    result, _ = configured
    assert re.search(r"points\.", result.stdout) and "/120 points" in result.stdout


def test_gradescope_results_follow_the_spec(configured):
    data = json.loads(configured[1]["gradescope"].read_text())
    assert set(data) <= {"score", "max_score", "execution_time", "output", "visibility", "stdout_visibility",
                         "extra_data", "tests", "leaderboard"}
    assert isinstance(data["score"], (int, float)) and data["max_score"] == 120
    assert data["visibility"] in VISIBILITIES and data["stdout_visibility"] in VISIBILITIES
    for test in data["tests"]:
        assert set(test) <= {"score", "max_score", "status", "name", "name_format", "number", "output",
                             "output_format", "tags", "visibility", "extra_data"}
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert 0 <= test["score"] <= test["max_score"] and test["visibility"] in VISIBILITIES
        assert test["status"] in ("passed", "failed") and all(isinstance(t, str) for t in test["tags"])
    assert {t["visibility"] for t in data["tests"] if t["name"].startswith("dot:")} == {"hidden"}
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(120, abs=0.01)
    assert sum(t["score"] for t in data["tests"]) == pytest.approx(data["score"], abs=0.01)
    # dot's failures are hidden, so the always-visible summary does not spell them out
    assert "expected" not in data["output"] and "dot" not in data["output"]


def test_prairielearn_results_follow_the_documented_schema(configured):
    data = json.loads(configured[1]["prairielearn"].read_text())
    assert data["gradable"] is True and 0 <= data["score"] <= 1
    assert set(data) <= {"gradable", "score", "message", "output", "images", "tests", "format_errors"}
    assert len(configured[1]["prairielearn"].read_bytes()) < 1024 * 1024
    for test in data["tests"]:
        assert set(test) <= {"name", "description", "points", "max_points", "message", "output", "images"}
        assert all(isinstance(test[key], str) for key in ("name", "message", "output"))
        assert 0 <= test["points"] <= test["max_points"]
    assert [t["name"] for t in data["tests"]] == RUNNERS
    assert sum(t["max_points"] for t in data["tests"]) == 120
    assert data["score"] == pytest.approx(sum(t["points"] for t in data["tests"]) / 120, abs=1e-4)
    dot = next(t for t in data["tests"] if t["name"] == "dot")
    assert dot["points"] < dot["max_points"] and "expected" in dot["message"]


def test_prairielearn_marks_an_unloadable_submission_not_gradable(tmp_path):
    (tmp_path / "broken.py").write_text("def add(v, w)\n    return v\n")
    run_grader(tmp_path / "broken.py", "--prairielearn", tmp_path / "pl.json")
    data = json.loads((tmp_path / "pl.json").read_text())
    assert data["gradable"] is False and data["format_errors"] and "score" not in data


def reporter_points(outputs: dict):
    """The reporter's two computations: the console table (passed/total of each runner's max_score)
    and the points GitHub Classroom records (the sum of every test's score, out of the max_scores)."""
    console = sum(sum(t["status"] == "pass" for t in r["tests"]) / len(r["tests"]) * r["max_score"]
                  for r in outputs.values())
    recorded = sum(t["score"] for r in outputs.values() if r["max_score"] for t in r["tests"])
    maximum = sum(r["max_score"] for r in outputs.values() if r["max_score"])
    return console, recorded, maximum


def read_outputs(path: Path) -> dict:
    results = {}
    for line in path.read_text().splitlines():
        name, encoded = line.split("=", 1)
        results[name] = json.loads(base64.b64decode(encoded))
    return results


def test_classroom_outputs_give_the_reporter_truthful_points(configured):
    outputs = read_outputs(configured[1]["github"])
    assert list(outputs) == RUNNERS
    console, recorded, maximum = reporter_points(outputs)
    assert maximum == 120 and console == pytest.approx(recorded, abs=0.01) and 0 < recorded < 120
    assert outputs["dot"]["status"] == "fail" and outputs["add"]["status"] == "pass"
    for result in outputs.values():
        assert result["version"] == 1 and result["status"] in ("pass", "fail", "error")
        for test in result["tests"]:
            assert {"name", "status", "score", "message", "line_no"} <= set(test)


# --- pristine, pinned builds --------------------------------------------------------------

@pytest.fixture
def dirty_clone(tmp_path):
    """A clone of this project (its last commit) whose exercises/ holds an instructor's answer."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    stub = clone / "exercises" / "linear_algebra.py"
    answer = "return [a + b for a, b in zip(v, w)]  # MY ANSWER"
    stub.write_text(stub.read_text().replace('raise NotImplementedError("add")', answer))
    return clone


def test_builds_refuse_edited_stubs_and_never_ship_them(dirty_clone, tmp_path):
    refused = run_grader("gradescope", "build", "--out", tmp_path / "a.zip", cwd=dirty_clone)
    assert refused.returncode == 2 and "exercises/linear_algebra.py" in refused.stderr
    assert "--allow-dirty" in refused.stderr and not (tmp_path / "a.zip").exists()
    refused = run_grader("classroom", "build", "--out", tmp_path / "s", "--repo", "https://example.org/k",
                         cwd=dirty_clone)
    assert refused.returncode == 2 and "--allow-dirty" in refused.stderr

    built = run_grader("gradescope", "build", "--out", tmp_path / "a.zip", "--allow-dirty", cwd=dirty_clone)
    assert built.returncode == 0 and "warning" in built.stdout
    committed = subprocess.run(["git", "-C", str(ROOT), "show", "HEAD:exercises/linear_algebra.py"],
                               capture_output=True, check=True).stdout
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        assert archive.read("exercises/linear_algebra.py") == committed
        assert not any(b"MY ANSWER" in archive.read(n) for n in archive.namelist())
    built = run_grader("classroom", "build", "--out", tmp_path / "s", "--repo", "https://example.org/k",
                       "--allow-dirty", cwd=dirty_clone)
    assert built.returncode == 0
    assert (tmp_path / "s" / "exercises" / "linear_algebra.py").read_bytes() == committed


def test_the_gradescope_zip_pins_the_recordings_versions(tmp_path):
    assert run_grader("gradescope", "build", "--out", tmp_path / "a.zip").returncode == 0
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        requirements = archive.read("requirements.txt").decode()
        setup = archive.read("setup.sh").decode()
        manifest = json.loads(archive.read("kata-build.json"))
        config = archive.read("grader.toml").decode()
        names = archive.namelist()
    pinned = dict(re.findall(r"^([\w-]+)==(\S+)$", requirements, re.M))
    import hypothesis
    import pytest as pytest_module
    assert pinned["hypothesis"] == hypothesis.__version__ and pinned["pytest"] == pytest_module.__version__
    assert pinned == pins.versions() == manifest["pins"]
    assert "-r requirements.txt" in setup and re.search(r"^[a-f0-9]{40}$", manifest["commit"])
    assert "memory_mib = 512" in config and "run_autograder" in names and "setup.sh" in names
    assert not any(n.startswith("tests/") and not n.startswith("tests/kata/") for n in names)


# --- the Classroom starter, in a simulated checkout ---------------------------------------

def _workflow_steps(text: str) -> dict:
    """{step name: its run: script} of the starter's workflow."""
    steps = {}
    for match in re.finditer(r"- name: (.+)\n(?:\s+id: \w+\n)?\s+run: (\|\n((?:\s{10}.+\n)+)|.+\n)", text):
        body = match.group(3) if match.group(3) else match.group(2)
        steps[match.group(1)] = "\n".join(line.strip() for line in body.strip().splitlines())
    return steps


def test_the_classroom_starter_leaks_nothing_and_grades_correct_code_at_100(tmp_path, monkeypatch):
    starter = tmp_path / "starter"
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    built = run_grader("classroom", "build", "--out", starter, "--repo", ROOT.as_uri(), "--ref", commit)
    assert built.returncode == 0, built.stderr
    files = sorted(p.relative_to(starter).as_posix() for p in starter.rglob("*") if p.is_file())
    assert files == [".github/kata/build.json", ".github/kata/requirements.txt",
                     ".github/workflows/classroom.yml", ".gitignore", "README.md", "exercises/__init__.py",
                     "exercises/gradient_descent.py", "exercises/linear_algebra.py", "grader.toml"]
    everything = "\n".join((starter / f).read_text() for f in files)
    from grader import text
    for name in catalog.FUNCTION_NAMES:  # no hint ladder (the last steps are answers), no mistake bank
        assert text.hints(name)[-1] not in everything
    modules = ("linear_algebra.py", "gradient_descent.py")
    stubs = "".join((ROOT / "exercises" / n).read_text() for n in modules)
    for name in modules:  # no line of the answers that is not in the stubs
        answers = {line.strip() for line in (ROOT / "solutions" / name).read_text().splitlines()}
        leaked = {line for line in answers if len(line) > 12 and line not in stubs and line in everything}
        assert not leaked, leaked
    assert "formative" in (starter / "README.md").read_text()
    workflow = (starter / ".github" / "workflows" / "classroom.yml").read_text()
    assert "secrets." not in workflow and "token" not in workflow.lower()
    assert f"KATA_REF: {commit}" in workflow
    assert re.search(r"runners: (.+)\n", workflow).group(1).split(",") == RUNNERS
    for runner in RUNNERS:
        assert f'{runner.upper()}_RESULTS: "${{{{ steps.kata.outputs.{runner} }}}}"' in workflow
    assert pins.requirements(commit) == (starter / ".github" / "kata" / "requirements.txt").read_text()
    # The runner keeps the reference's recording between pushes, where the grader looks for it, under a
    # key made of what it depends on; saved right after grading, before the report can fail the job.
    restored = re.search(r"uses: actions/cache/restore@v\d+\n\s+id: (\w+)\n\s+with:\n\s+path: (.+)\n"
                         r"\s+key: (.+)\n", workflow)
    assert restored, workflow
    step, path, key = restored.groups()
    for part in ("${{ env.KATA_REF }}", "${{ steps.py.outputs.python-version }}",
                 "${{ hashFiles('.github/kata/requirements.txt') }}"):
        assert part in key
    saved = re.search(r"uses: actions/cache/save@v\d+\n\s+if: steps\.(\w+)\.outputs\.cache-hit != 'true'\n"
                      r"\s+continue-on-error: true\n\s+with:\n\s+path: (.+)\n\s+key: (.+)\n", workflow)
    assert saved, workflow
    assert saved.groups() == (step, path, f"${{{{ steps.{step}.outputs.cache-primary-key }}}}")
    assert restored.start() < workflow.index("- name: Grade") < saved.start() \
        < workflow.index("- name: Report to GitHub Classroom")
    cache_home = re.search(r"- name: Grade\n(?:.+\n)*?\s+env:\n\s+XDG_CACHE_HOME: (.+)\n", workflow).group(1)
    with monkeypatch.context() as runner:
        runner.setenv("XDG_CACHE_HOME", str(tmp_path / "runner-cache"))
        folder = recording.cache_dir().relative_to(tmp_path / "runner-cache").as_posix()
    assert path == f"{cache_home}/{folder}"

    # The learner's checkout, with correct code; a fresh Python where the grader is installed as the
    # workflow installs it; then the workflow's exact commands, and the reporter's arithmetic.
    for name in ("linear_algebra.py", "gradient_descent.py"):
        shutil.copyfile(ROOT / "solutions" / name, starter / "exercises" / name)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    steps = _workflow_steps(workflow)
    env = dict(os.environ, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
               RUNNER_TEMP=str(tmp_path / "rt"), GITHUB_WORKSPACE=str(starter),
               GITHUB_OUTPUT=str(tmp_path / "github_output"), KATA_REPO=ROOT.as_uri(), KATA_REF=commit)
    env.pop("PYTHONPATH", None)
    (tmp_path / "rt").mkdir()
    for step in ("Install the grader", "Grade"):
        result = subprocess.run(["bash", "-e", "-c", steps[step]], cwd=starter, env=env, capture_output=True,
                                text=True, timeout=900)
        assert result.returncode == 0, (step, result.stdout[-2000:], result.stderr[-2000:])
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import grader; print(grader.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path).stdout
    assert where.startswith(str(tmp_path / "rt"))  # the installed grader, not this checkout
    outputs = read_outputs(tmp_path / "github_output")
    assert list(outputs) == RUNNERS
    console, recorded, maximum = reporter_points(outputs)
    assert console == recorded == maximum == 100


def test_a_token_never_goes_into_the_workflow(tmp_path):
    result = run_grader("classroom", "build", "--out", tmp_path / "s",
                        "--repo", "https://x-access-token:ghp_abcdef123456@github.com/org/kata")
    assert result.returncode == 2 and "credential" in result.stderr and not (tmp_path / "s").exists()


def test_the_code_needs_no_python_newer_than_3_10(tmp_path):
    vermin = shutil.which("vermin") or str(Path(sys.executable).parent / "vermin")
    if not Path(vermin).exists():
        pytest.skip("vermin is not installed (pip install -e '.[test]')")
    command = [vermin, "--target=3.10-", "--no-tips", "--violations"]
    result = subprocess.run([*command, "grader", "solutions", "exercises", "tests/kata"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (tmp_path / "new.py").write_text("import tomllib\n")  # 3.11 only: the check must notice it
    assert subprocess.run([*command, str(tmp_path / "new.py")], capture_output=True).returncode != 0


# --- zip uploads -------------------------------------------------------------------------------

def make_zip(path: Path, members: dict, symlink: str = "") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, "/etc/passwd")
    return path


@pytest.mark.parametrize("members, symlink, why", [
    ({"../../evil.py": "x = 1"}, "", "'..'"),
    ({"/tmp/evil.py": "x = 1"}, "", "absolute"),
    ({"a.py": "x = 1"}, "link.py", "symbolic link"),
    ({"bomb.py": "0" * (40 * 1024 * 1024)}, "", "zip bomb"),
])
def test_hostile_zips_are_refused_with_a_reason(tmp_path, members, symlink, why):
    upload = make_zip(tmp_path / "up.zip", members, symlink)
    with pytest.raises(DiscoveryError, match=re.escape(why)):
        extract_zip(upload, tmp_path / "out")
    assert not (tmp_path / "out").exists() and not (tmp_path.parent / "evil.py").exists()


def test_a_zip_that_lies_about_its_size_is_caught(tmp_path):
    upload = make_zip(tmp_path / "up.zip", {"big.py": "y" * 300_000})
    data = bytearray(upload.read_bytes())
    # shrink the declared size in the central directory and the local header: the real bytes exceed it
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        at = data.find(signature)
        data[at + offset:at + offset + 4] = (1000).to_bytes(4, "little")
    upload.write_bytes(bytes(data))
    with pytest.raises(DiscoveryError):
        extract_zip(upload, tmp_path / "out")


def test_a_zip_upload_is_one_learner(tmp_path):
    klass = tmp_path / "class"
    klass.mkdir()
    make_zip(klass / "hank.zip", {"hank/__MACOSX/x.py": "junk", "hank/kata.py": "x = 1"})
    (klass / "ivan.txt").write_text("hello")
    found, passed_over = learners(klass, unpack_into=tmp_path / "staging")
    assert [e.learner for e in found] == ["hank"] and (found[0].path / "hank" / "kata.py").exists()
    assert not (found[0].path / "hank" / "__MACOSX").exists()
    assert passed_over == [("ivan.txt", "not a .py file, a notebook or a folder")]


# --- a class with a roster: Canvas and Moodle gradebooks, the summary --------------------------

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    klass = base / "class"
    klass.mkdir()
    (klass / "alice.py").write_text(reference_source())  # id = file name
    (klass / "smith--john_1234_999_kata.py").write_text(mutant("dot-adds"))  # Canvas download name
    for index, name in enumerate(("linear_algebra.py", "gradient_descent.py", "__init__.py")):  # 3 files
        (klass / f"doe--jane-late_555_9{index}_{name}").write_text((ROOT / "solutions" / name).read_text())
    moodle = klass / "Bob Builder_77_assignsubmission_file_"
    moodle.mkdir()
    (moodle / "work.py").write_text(mutant("vector_mean-n-minus-one"))
    make_zip(klass / "hank@uni.edu.zip", {"kata/work.py": reference_source()})  # email, zipped
    make_zip(klass / "eve.zip", {"../../escape.py": "x = 1"})
    (klass / "carol.py").write_text("def add(v, w)\n    return v\n")
    (klass / "ivan.txt").write_text("hello")
    roster = base / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Email\n"
                      "    Points Possible,,,,,\n"
                      '"Liddell, Alice",alice,S1,aliddell,A,alice@uni.edu\n'
                      '"Smith, John",1234,S2,jsmith,A,john@uni.edu\n'
                      '"Doe, Jane",555,S3,jdoe,B,jane@uni.edu\n'
                      "Bob Builder,102,S4,bob,B,bob@uni.edu\n"
                      "Hank Hill,103,S5,hank,B,hank@uni.edu\n"
                      "Eve Evil,eve,S6,eve,B,eve@uni.edu\n"
                      "Carol Jones,carol,S7,carol,A,carol@uni.edu\n"
                      "=HYPERLINK(1),105,S8,zoe,B,zoe@uni.edu\n")
    out = base / "out"
    result = run_grader("batch", klass, "--out", out, "--roster", roster, "--jobs", "2", timeout=1800)
    assert result.returncode == 0, result.stderr
    with (out / "grades.csv").open() as handle:
        book = {row["learner"]: row for row in csv.DictReader(handle)}
    return out, book, result


def test_every_roster_learner_and_every_entry_gets_a_row_with_a_reason(graded_class):
    out, book, _ = graded_class
    assert set(book) == {"alice", "1234", "555", "102", "103", "eve", "carol", "105", "ivan.txt"}
    assert all(row["status"] and row["reason"] for row in book.values())
    assert book["alice"]["total"] == "100" and book["alice"]["reason"] == "passed every test"
    assert book["555"]["total"] == "100"  # three Canvas files graded together
    assert float(book["1234"]["dot"]) < 5 and "dot" in book["1234"]["reason"]
    assert book["102"]["vector_mean"] == "0"
    assert book["103"]["total"] == "100" and book["103"]["source"] == "hank@uni.edu.zip"
    assert book["eve"]["status"] == "passed over" and "'..'" in book["eve"]["reason"]
    assert book["carol"]["status"] == "could not be loaded" and book["carol"]["reason"]
    assert str(out.parent) not in book["carol"]["reason"]  # no instructor path
    assert book["105"]["status"] == "no submission"
    assert book["ivan.txt"]["status"] == "passed over"


def test_the_canvas_csv_has_canvass_import_layout(graded_class):
    out, book, _ = graded_class
    with (out / "canvas.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == CANVAS_FIXED + ["Gradient descent kata"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5] == "100"
    by_id = {row[1]: row for row in rows[2:]}
    assert set(by_id) == {"alice", "1234", "555", "102", "103", "eve", "carol", "105"}
    assert by_id["1234"][:5] == ["Smith, John", "1234", "S2", "jsmith", "A"]
    assert by_id["1234"][5] == book["1234"]["total"] and by_id["105"][5] == "" and by_id["carol"][5] == "0"
    assert by_id["105"][0] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet


def test_the_moodle_csv_maps_by_email(graded_class):
    out, book, _ = graded_class
    with (out / "moodle.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["ID number", "Email address", "Full name", "Gradient descent kata", "Feedback"]
    by_email = {row["Email address"]: row for row in rows}
    assert by_email["john@uni.edu"]["Gradient descent kata"] == book["1234"]["total"]
    assert by_email["zoe@uni.edu"]["Gradient descent kata"] == "" and "no submission" in \
        by_email["zoe@uni.edu"]["Feedback"]
    assert not any(row["Full name"].startswith(("=", "+", "@")) for row in rows)


def test_the_class_summary_shows_what_to_reteach(graded_class):
    out, book, result = graded_class
    summary = (out / "summary.txt").read_text()
    assert "Totals (out of 100), 5 graded" in summary
    rates = dict(re.findall(r"^  (\w+)\s+(\d+)%$", summary, re.M))
    assert set(rates) == set(RUNNERS)
    assert int(rates["dot"]) < 100 and int(rates["add"]) == 100
    assert "`dot` sums v[i] + w[i]" in summary and "Slowest submissions" in summary
    assert (out / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "summary.txt" in result.stdout


def test_a_roster_without_an_identifier_is_refused(tmp_path):
    (tmp_path / "roster.csv").write_text("Name,Section\nAlice,A\n")
    (tmp_path / "class").mkdir()
    result = run_grader("batch", tmp_path / "class", "--out", tmp_path / "out",
                        "--roster", tmp_path / "roster.csv")
    assert result.returncode == 2 and "no id or email column" in result.stderr


def test_configured_points_reach_the_gradebooks(tmp_path):
    (tmp_path / "class").mkdir()
    (tmp_path / "class" / "alice.py").write_text(reference_source())
    (tmp_path / "grader.toml").write_text('[points]\nminibatches = 21\n[gradebook]\nassignment = "Kata"\n'
                                          "canvas_assignment_id = 4321\n")
    (tmp_path / "roster.csv").write_text("id,name,email\nalice,Alice Liddell,alice@uni.edu\n")
    result = run_grader("batch", tmp_path / "class", "--out", tmp_path / "out",
                        "--roster", tmp_path / "roster.csv", "--config", tmp_path / "grader.toml")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader((tmp_path / "out" / "canvas.csv").open()))
    assert rows[0][-1] == "Kata (4321)" and rows[1][-1] == "112" and rows[2][-1] == "112"
    results = json.loads((tmp_path / "out" / "learners" / "alice" / "results.json").read_text())
    assert results["max_score"] == 112


# --- the README is enough ---------------------------------------------------------------------

def test_the_readmes_configuration_example_is_valid(tmp_path):
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"```toml\n(.+?)```", readme, re.S).group(1)
    (tmp_path / "grader.toml").write_text(example)
    config = load_config(tmp_path / "grader.toml")
    assert config.points["minibatches"] == 12 and config.visibility_of("minibatches") == "after_due_date"


def test_the_readmes_instructor_commands_exist():
    from grader.cli import parser
    readme = (ROOT / "README.md").read_text()
    commands = {
        "batch": ["batch", "class", "--out", "o", "--roster", "r.csv", "--config", "g.toml", "--jobs", "2"],
        "gradescope build": ["gradescope", "build", "--config", "g.toml", "--allow-dirty"],
        "classroom build": ["classroom", "build", "--out", "s", "--repo", "u", "--ref", "c", "--allow-dirty"],
        "grade": ["grade", "x.py", "--prairielearn", "p.json", "--json", "j.json", "--config", "g.toml"],
    }
    for words, argv in commands.items():
        assert f"python -m grader {words}" in readme or words == "grade"
        parser().parse_args(argv)
    for option in ("--roster", "--allow-dirty", "--prairielearn", "--repo", "--ref", "--config"):
        assert option in readme
