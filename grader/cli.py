"""python -m grader: grade a submission, or the reference solutions.

Exit status: 0 everything passed, 1 something failed, 2 the target could not be
loaded or the command was misused.
"""
import argparse
import os
import sys
from pathlib import Path
from typing import List, Optional

from .kata import catalog

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
`python -m grader grade --help` lists the grading options (--json, --junit, --only, --hint, ...).

examples:
  python -m grader solutions
  python -m grader exercises --only dot
  python -m grader my_work.ipynb --json results.json --junit junit.xml
  python -m grader notebook               build the learner notebook (--solutions: the answer key)
  python -m grader batch SUBMISSIONS --out DIR   grade a class into DIR/grades.csv
  python -m grader batch SUBMISSIONS --out DIR --scheduler tcp://HOST:8786   ... on a Dask cluster
  python -m grader merge OUT1 OUT2 --out DIR     merge the outputs of --shard runs into one gradebook
  python -m grader gradescope build       the Gradescope autograder zip
  python -m grader classroom build --out DIR     the GitHub Classroom starter repository
  python -m grader grade batch            grade a folder named like a command (or ./batch)
"""


COMMANDS = ("grade", "notebook", "batch", "merge", "gradescope", "classroom")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit status 2 with a pointer to --help
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\nRun `{self.prog} --help` for the options.\n")


def parser() -> argparse.ArgumentParser:
    """The whole command line: `grade` (the default), `notebook`, `batch`, `gradescope`."""
    p = _Parser(prog="python -m grader", description=DESCRIPTION, epilog=EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="store_true", help="print the versions grades depend on, and exit")
    commands = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _grade_arguments(commands.add_parser(
        "grade", help="grade TARGET (the default: `python -m grader TARGET` means `grade TARGET`)",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter))
    _notebook_arguments(commands.add_parser(
        "notebook", help="build the learner notebook (or, with --solutions, the answer key)",
        description="Build the learner notebook from exercises/ (or the answer key from solutions/)."))
    _batch_arguments(commands.add_parser(
        "batch", help="grade a class folder into a gradebook",
        description="Grade a folder with one submission per learner (.py, folder or .ipynb), in parallel; "
                    "writes DIR/grades.csv and DIR/learners/<learner>/results.json and report.txt. Run it "
                    "again to resume an interrupted run."))
    _merge_arguments(commands.add_parser(
        "merge", help="merge the outputs of `batch --shard` runs into one gradebook",
        description="Copy the graded learners of each OUTPUT into --out; write one grades.csv for them all."))
    _gradescope_arguments(commands.add_parser(
        "gradescope", help="build or run Gradescope's autograder", description="Gradescope's autograder."))
    _classroom_arguments(commands.add_parser(
        "classroom", help="build the GitHub Classroom starter repository",
        description="Build the starter repository for GitHub Classroom: the committed stubs, a learner "
                    "README and a workflow that installs this grader at a pinned commit."))
    return p


def _config_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="PATH", type=Path,
                   help="the instructor's grader.toml (default: ./grader.toml if there is one)")


def _grade_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", metavar="TARGET", help="what to grade (see above)")
    p.add_argument("--json", metavar="PATH", type=Path, help="also write Gradescope's results.json here")
    p.add_argument("--junit", metavar="PATH", type=Path, help="also write JUnit XML here")
    p.add_argument("--classroom", metavar="FILE", type=Path,
                   help="append GitHub Classroom reporter results to FILE (the step's $GITHUB_OUTPUT)")
    p.add_argument("--seed", metavar="N", type=int, default=0,
                   help="vary the generated inputs and the noisy data "
                        "(default 0: the fixed, derandomized run)")
    p.add_argument("--only", metavar="NAME", action="append", choices=catalog.FUNCTION_NAMES,
                   help="grade only this function (repeatable); experiments are skipped")
    p.add_argument("--hint", metavar="NAME", choices=catalog.FUNCTION_NAMES,
                   help="grade NAME and show its next hint (one step more each time you ask)")
    p.add_argument("--hint-reset", metavar="NAME", choices=catalog.FUNCTION_NAMES,
                   help="start the hints for NAME over (with --hint: and show the first)")
    p.add_argument("--verbose", action="store_true", help="also show how the submission was isolated")
    p.add_argument("--watch", action="store_true", help="grade again every time a file of TARGET is saved")
    p.add_argument("--plot", metavar="DIR", type=Path,
                   help="write PNG plots of the experiments, yours against the reference (needs matplotlib)")
    p.add_argument("--prairielearn", metavar="PATH", type=Path,
                   help="also write PrairieLearn's external-grader results.json here")
    p.add_argument("--quiet", action="store_true", help="print only the total")
    p.add_argument("--require", metavar="LAYERS",
                   help="refuse to grade (exit 2) unless these isolation layers are "
                        "in force: namespaces, landlock, comma-separated (or set GRADER_REQUIRE)")
    _config_argument(p)
    p.add_argument("--no-replay", action="store_true",
                   help="run every test for real, without replaying the reference's answers (slower)")


def main(argv: Optional[List[str]] = None) -> int:
    from .sandbox import IsolationMissing
    try:
        return _main(argv)
    except IsolationMissing as error:  # a layer that --require or GRADER_REQUIRE asks for is missing
        sys.stderr.write(f"python -m grader: {error}\n")
        return 2


def grades(argv: List[str]) -> bool:
    """Whether argv (without the program) asks to grade: `grade ...`, or a bare TARGET."""
    return bool(argv) and (argv[0] == "grade" or (argv[0] not in COMMANDS and not argv[0].startswith("-")))


def _main(argv: Optional[List[str]]) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if grades(argv) and argv[0] != "grade":
        argv.insert(0, "grade")  # a bare TARGET means grade it
    args = parser().parse_args(argv)
    if args.version:
        return version_main()
    if args.command is None:
        parser().print_help(sys.stderr)
        sys.stderr.write("\npython -m grader: error: give a TARGET to grade, or a COMMAND.\n")
        return 2
    if hasattr(args, "config"):
        from .config import ConfigError, load_config
        try:
            args.config = load_config(args.config)
        except ConfigError as error:
            sys.stderr.write(f"python -m grader: error: {error}\n")
            return 2
    return {"grade": grade_main, "notebook": notebook_main, "batch": batch_main, "merge": merge_main,
            "gradescope": gradescope_main, "classroom": classroom_main}[args.command](args)


def version_main() -> int:
    from .grading import versions
    from .platforms import pins
    installed = dict(versions(), **pins.versions())
    listed = ", ".join(f"{k} {v}" for k, v in installed.items())
    print(f"gradient-descent-kata {pins.kata_version()}; {listed}")
    return 0


def grade_main(args) -> int:
    if args.require:
        os.environ["GRADER_REQUIRE"] = args.require
    if args.hint_reset:
        from . import text
        from .learner import hints
        hints.reset(args.target, args.hint_reset)
        print(text.say("hints.reset_done", function=args.hint_reset))
        if not args.hint:
            return 0
    if args.hint:
        args.only = [args.hint]
    if args.watch:
        from .learner.watch import watch
        return watch(args.target, lambda: grade_once(args))
    return grade_once(args)


def grade_once(args) -> int:
    from .grading import grade
    from .exports import gradescope, junit, terminal
    from .score import max_total, score_lines, total

    config = args.config
    run = grade(args.target, seed=args.seed, only=args.only, replay=not args.no_replay, config=config,
                notice=lambda text: print(text, file=sys.stderr, flush=True))
    if args.json:
        gradescope.write(run, args.json, config)
    if args.junit:
        junit.write(run, args.junit)
    if args.classroom:
        from .exports import classroom
        classroom.write_outputs(run, args.classroom, config)
    if args.prairielearn:
        from .exports import prairielearn
        prairielearn.write(run, args.prairielearn, config)
    if run.load_error:
        sys.stderr.write(terminal.render(run, sys.stderr, verbose=args.verbose, config=config))
        return 2
    lines = score_lines(run.records, run.only, config)
    if args.quiet:
        print(f"{total(lines):g}/{max_total(lines):g}")
    else:
        sys.stdout.write(terminal.render(run, sys.stdout, verbose=args.verbose, config=config))
    passed = run.passed
    if args.hint:
        show_hints(args.target, args.hint, passed)
    if args.plot:
        write_plots(run, args.plot)
    sys.stdout.flush()
    return 0 if passed else 1


def show_hints(target: str, name: str, passed: bool) -> None:
    """The next step of name's hints (the first, the first time), with how to go on and start over."""
    from . import text
    from .learner import hints
    if passed:
        print(text.say("hints.not_needed", function=name))
        return
    print()
    print(text.hint(name, hints.next_level(target, name)))


def write_plots(run, directory: Path) -> None:
    from . import text
    from .learner import plots
    if not plots.available():
        print(text.say("report.plots_need_matplotlib"), file=sys.stderr)
        return
    traces = {r.experiment: r.trace for r in run.records if r.experiment}
    for path in plots.write_all(traces, run.seed, directory):
        print(text.say("report.wrote", path=path))


def _batch_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("submissions", metavar="SUBMISSIONS_DIR", type=Path)
    p.add_argument("--out", metavar="DIR", type=Path, required=True,
                   help="where the gradebook and reports go")
    p.add_argument("--jobs", metavar="N", type=int, default=0,
                   help="parallel graders (default: one per core)")
    p.add_argument("--shard", metavar="I/N", help="grade only shard I of N (1-based), to share a class "
                   "between machines")
    p.add_argument("--seed", metavar="N", type=int, default=0, help="as for a single grading")
    p.add_argument("--roster", metavar="CSV", type=Path,
                   help="the class list (id, name, email, section): map submissions to learners, list those "
                        "who handed in nothing, and write the Canvas and Moodle gradebooks")
    _config_argument(p)
    p.add_argument("--scheduler", metavar="ADDRESS", help="grade on the workers of this Dask scheduler "
                   "(tcp://host:8786) instead of on this machine; needs the `cluster` extra")


def _merge_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("outputs", metavar="OUTPUT", type=Path, nargs="+", help="the --out folders of the shards")
    p.add_argument("--out", metavar="DIR", type=Path, required=True, help="where the merged gradebook goes")
    p.add_argument("--submissions", metavar="DIR", type=Path,
                   help="the class folder: list every learner in the gradebook, graded or not")


def merge_main(args) -> int:
    from .batch.merge import merge
    p = _Parser(prog="python -m grader merge")
    for folder in args.outputs:
        if not folder.is_dir():
            p.error(f"{folder} is not a folder")
    summary = merge(args.outputs, args.out, args.submissions)
    missing = summary["missing"]
    print(f"Merged {summary['learners']} learner(s) into {args.out}. Gradebook: {summary['gradebook']}"
          + (f"\n{len(missing)} learner(s) not graded by any shard: {', '.join(missing[:10])}"
             + (" ..." if len(missing) > 10 else "") if missing else ""))
    return 0


def batch_main(args) -> int:
    from . import batch
    p = _Parser(prog="python -m grader batch")
    if not args.submissions.is_dir():
        p.error(f"{args.submissions} is not a folder of submissions")
    if args.shard:
        try:
            batch.parse_shard(args.shard)
        except ValueError as error:
            p.error(str(error))
    roster = None
    if args.roster:
        from .batch.roster import RosterError, read_roster
        try:
            roster = read_roster(args.roster)
        except RosterError as error:
            p.error(str(error))
    try:
        summary = batch.run_batch(args.submissions, args.out, jobs=args.jobs, shard_spec=args.shard,
                                  seed=args.seed, config=args.config, roster=roster, scheduler=args.scheduler)
    except RuntimeError as error:  # the cluster cannot be reached or used
        sys.stderr.write(f"python -m grader batch: {error}\n")
        return 2
    print(f"Graded {summary['graded']} submission(s) in {summary['seconds']:.1f} s "
          f"({summary['skipped']} already done). Gradebook: {summary['gradebook']}")
    for path in summary.get("written", []):
        print(f"Wrote {path}")
    if summary.get("failed"):
        print(f"{len(summary['failed'])} submission(s) could not be graded: run the same command again.")
        return 1
    return 0


def _gradescope_arguments(p: argparse.ArgumentParser) -> None:
    commands = p.add_subparsers(dest="action", required=True, metavar="build|run", parser_class=_Parser)
    build = commands.add_parser("build", help="build the autograder zip to upload to Gradescope")
    build.add_argument("--out", metavar="PATH", type=Path, default=Path("autograder.zip"))
    build.add_argument("--allow-dirty", action="store_true",
                       help="build even if exercises/ has uncommitted changes (the zip still gets the "
                            "committed stubs)")
    _config_argument(build)
    run = commands.add_parser("run", help="grade ROOT/submission into ROOT/results/results.json "
                              "(what run_autograder calls)")
    run.add_argument("--root", metavar="ROOT", type=Path, default=Path("/autograder"))
    _config_argument(run)


def _classroom_arguments(p: argparse.ArgumentParser) -> None:
    commands = p.add_subparsers(dest="action", required=True, metavar="build", parser_class=_Parser)
    build = commands.add_parser("build", help="write the starter repository into DIR")
    build.add_argument("--out", metavar="DIR", type=Path, required=True, help="a new, empty folder")
    build.add_argument("--repo", metavar="URL", help="the public address of this grader's repository "
                       "(default: this clone's origin); no token")
    build.add_argument("--ref", metavar="COMMIT", help="the commit or tag the workflow installs (default: "
                       "HEAD, which must be pushed there)")
    build.add_argument("--allow-dirty", action="store_true",
                       help="build even if exercises/ has uncommitted changes (the starter still gets the "
                            "committed stubs)")
    _config_argument(build)


def classroom_main(args) -> int:
    from .platforms import classroom
    from .pristine import NotPristine
    try:
        out, notes = classroom.build(args.out, repo=args.repo, ref=args.ref, config=args.config,
                                     allow_dirty=args.allow_dirty)
    except (NotPristine, ValueError, FileExistsError) as error:
        sys.stderr.write(f"python -m grader classroom build: error: {error}\n")
        return 2
    for note in notes:
        print(note)
    print(f"Wrote the starter repository {out}: push it to GitHub and make it the assignment's template.")
    return 0


def _notebook_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--solutions", action="store_true", help="build the instructor's answer key instead")
    p.add_argument("--out", metavar="PATH", type=Path, help="where to write it (default: "
                   "gradient_descent_kata.ipynb, or gradient_descent_kata_answers.ipynb with --solutions)")


def gradescope_main(args) -> int:
    from .platforms import gradescope as autograder
    from .pristine import NotPristine
    if args.action == "build":
        try:
            out, notes = autograder.build(args.out, args.config, allow_dirty=args.allow_dirty)
        except NotPristine as error:
            sys.stderr.write(f"python -m grader gradescope build: error: {error}\n")
            return 2
        for note in notes:
            print(note)
        print(f"Wrote {out}: upload it as the autograder of a Gradescope assignment.")
        return 0
    return autograder.run(args.root, args.config)


def notebook_main(args) -> int:
    from .learner import notebook
    out = args.out or Path("gradient_descent_kata_answers.ipynb" if args.solutions
                           else "gradient_descent_kata.ipynb")
    from . import text
    for edited in notebook.edited_stubs(args.solutions):
        print(text.say("notebook.built_from_pristine", path=edited), file=sys.stderr)
    notebook.write(out, answers=args.solutions)
    print(text.say("notebook.wrote", path=out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
