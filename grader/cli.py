"""python -m grader: grade a submission, or the reference solutions.

Exit status: 0 everything passed, 1 something failed, 2 the target could not be
loaded or the command was misused.
"""
import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional

from . import catalog

DESCRIPTION = """\
Grade a gradient-descent kata submission with property-based and convergence tests.

TARGET is one of:
  solutions           the reference solutions (should score 100)
  exercises           the exercise stubs you are filling in
  FILE.py             one file defining all the functions at top level
  FOLDER/             a folder laid out like exercises/
  NOTEBOOK.ipynb      a Jupyter notebook (only its definitions are graded)
"""

EPILOG = """\
examples:
  python -m grader solutions
  python -m grader exercises --only dot
  python -m grader my_work.ipynb --json results.json --junit junit.xml
  python -m grader notebook               build the learner notebook (--solutions: the answer key)
  python -m grader batch SUBMISSIONS --out DIR   grade a class into DIR/grades.csv
  python -m grader gradescope build       the Gradescope autograder zip
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit status 2 with a pointer to --help
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\nRun `python -m grader --help` for the options.\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m grader", description=DESCRIPTION, epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", metavar="TARGET", help="what to grade (see above)")
    p.add_argument("--json", metavar="PATH", type=Path, help="also write Gradescope's results.json here")
    p.add_argument("--junit", metavar="PATH", type=Path, help="also write JUnit XML here")
    p.add_argument("--classroom", metavar="FILE", type=Path,
                   help="append GitHub Classroom reporter results to FILE (the step's $GITHUB_OUTPUT)")
    p.add_argument("--seed", metavar="N", type=int, default=0,
                   help="vary the generated inputs and the noisy data (default 0: the fixed, derandomized run)")
    p.add_argument("--only", metavar="NAME", action="append", choices=catalog.FUNCTION_NAMES,
                   help="grade only this function (repeatable); experiments are skipped")
    p.add_argument("--hint", metavar="NAME", choices=catalog.FUNCTION_NAMES,
                   help="grade NAME and show one more hint for it each time you ask")
    p.add_argument("--watch", action="store_true", help="grade again every time a file of TARGET is saved")
    p.add_argument("--plot", metavar="DIR", type=Path,
                   help="write PNG plots of the experiments, yours against the reference (needs matplotlib)")
    p.add_argument("--quiet", action="store_true", help="print only the total")
    p.add_argument("--require", metavar="LAYERS", help="refuse to grade (exit 2) unless these isolation layers are "
                   "in force: namespaces, landlock, comma-separated (or set GRADER_REQUIRE)")
    return p


def notebook_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m grader notebook",
                description="Build the learner notebook from exercises/ (or the answer key from solutions/).")
    p.add_argument("--solutions", action="store_true", help="build the instructor's answer key instead")
    p.add_argument("--out", metavar="PATH", type=Path, help="where to write it (default: "
                   "gradient_descent_kata.ipynb, or gradient_descent_kata_answers.ipynb with --solutions)")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    from .sandbox import IsolationMissing
    try:
        return _main(argv)
    except IsolationMissing as error:  # a layer that --require or GRADER_REQUIRE asks for is missing
        sys.stderr.write(f"python -m grader: {error}\n")
        return 2


def _main(argv: Optional[List[str]]) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["notebook"]:
        return notebook_main(argv[1:])
    if argv[:1] == ["batch"]:
        return batch_main(argv[1:])
    if argv[:1] == ["gradescope"]:
        return gradescope_main(argv[1:])
    args = parser().parse_args(argv)
    if args.require:
        os.environ["GRADER_REQUIRE"] = args.require
    if args.hint:
        args.only = [args.hint]
    if args.watch:
        return watch(args)
    return grade_once(args)


def grade_once(args) -> int:
    from .check import grade
    from .report import gradescope, junit, terminal
    from .score import max_total, score_lines, total

    run = grade(args.target, seed=args.seed, only=args.only)
    if args.json:
        gradescope.write(run, args.json)
    if args.junit:
        junit.write(run, args.junit)
    if args.classroom:
        from .report import classroom
        classroom.write_outputs(run, args.classroom)
    if run.load_error:
        sys.stderr.write(terminal.render(run, sys.stderr))
        return 2
    lines = score_lines(run.records, run.only)
    if args.quiet:
        print(f"{total(lines):g}/{max_total(lines):g}")
    else:
        sys.stdout.write(terminal.render(run, sys.stdout))
    passed = all(r["status"] == "passed" for r in run.records) and bool(run.records)
    if args.hint:
        show_hints(args.target, args.hint, passed)
    if args.plot:
        write_plots(run, args.plot)
    sys.stdout.flush()
    return 0 if passed else 1


def show_hints(target: str, name: str, passed: bool) -> None:
    from . import hints
    if passed:
        print(f"`{name}` already passes every test: no hint needed.")
        return
    level = hints.next_level(target, name)
    for number, text in enumerate(hints.all_hints(name)[:level], start=1):
        print(f"Hint {number} of {hints.LEVELS}: {text}")
    if level < hints.LEVELS:
        print(f"Still stuck? Ask again: --hint {name}")


def write_plots(run, directory: Path) -> None:
    from . import plots
    if not plots.available():
        print("Plots need matplotlib: pip install -e \".[plot]\"", file=sys.stderr)
        return
    traces = {r["experiment"]: r.get("trace") for r in run.records if r["experiment"]}
    for path in plots.write_all(traces, run.seed, directory):
        print(f"Wrote {path}")


def watch(args) -> int:
    """Grade, then grade again whenever a file of the target changes; Ctrl-C stops."""
    import time
    target = Path(args.target)
    files = lambda: sorted(target.rglob("*.py")) if target.is_dir() else [target]  # noqa: E731
    stamp = lambda: [(p, p.stat().st_mtime_ns) for p in files() if p.exists()]  # noqa: E731
    try:
        while True:
            seen = stamp()
            grade_once(args)
            print(f"Watching {args.target} for changes (Ctrl-C to stop)...", flush=True)
            while stamp() == seen:
                time.sleep(0.2)
            print("\n" + "-" * 60 + "\nChanged: grading again.", flush=True)
    except KeyboardInterrupt:
        return 0


def batch_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m grader batch", description="Grade a folder with one submission per learner "
                "(.py, folder or .ipynb), in parallel; writes DIR/grades.csv and DIR/<learner>/results.json "
                "and report.txt. Run it again to resume an interrupted run.")
    p.add_argument("submissions", metavar="SUBMISSIONS_DIR", type=Path)
    p.add_argument("--out", metavar="DIR", type=Path, required=True, help="where the gradebook and reports go")
    p.add_argument("--jobs", metavar="N", type=int, default=0, help="parallel graders (default: one per core)")
    p.add_argument("--shard", metavar="I/N", help="grade only shard I of N (1-based), to share a class "
                   "between machines")
    p.add_argument("--seed", metavar="N", type=int, default=0, help="as for a single grading")
    return p


def batch_main(argv: List[str]) -> int:
    p = batch_parser()
    args = p.parse_args(argv)
    from . import batch
    if not args.submissions.is_dir():
        p.error(f"{args.submissions} is not a folder of submissions")
    if args.shard:
        try:
            batch.parse_shard(args.shard)
        except ValueError as error:
            p.error(str(error))
    summary = batch.run_batch(args.submissions, args.out, jobs=args.jobs, shard_spec=args.shard, seed=args.seed)
    print(f"Graded {summary['graded']} submission(s) in {summary['seconds']:.1f} s "
          f"({summary['skipped']} already done). Gradebook: {summary['gradebook']}")
    return 0


def gradescope_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m grader gradescope", description="Gradescope's autograder.")
    commands = p.add_subparsers(dest="command", required=True, metavar="build|run")
    build = commands.add_parser("build", help="build the autograder zip to upload to Gradescope")
    build.add_argument("--out", metavar="PATH", type=Path, default=Path("autograder.zip"))
    run = commands.add_parser("run", help="grade ROOT/submission into ROOT/results/results.json "
                              "(what run_autograder calls)")
    run.add_argument("--root", metavar="ROOT", type=Path, default=Path("/autograder"))
    return p


def gradescope_main(argv: List[str]) -> int:
    args = gradescope_parser().parse_args(argv)
    from . import autograder
    if args.command == "build":
        print(f"Wrote {autograder.build(args.out)}: upload it as the autograder of a Gradescope assignment.")
        return 0
    return autograder.run(args.root)


def notebook_main(argv: List[str]) -> int:
    args = notebook_parser().parse_args(argv)
    from . import notebook
    out = args.out or Path("gradient_descent_kata_answers.ipynb" if args.solutions else "gradient_descent_kata.ipynb")
    notebook.write(out, answers=args.solutions)
    print(f"Wrote {out}. Open it with `jupyter notebook {out}` (or JupyterLab, VS Code, Colab).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
