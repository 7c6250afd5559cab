"""python -m grader: grade a submission, or the reference solutions.

Exit status: 0 everything passed, 1 something failed, 2 the target could not be
loaded or the command was misused.
"""
import argparse
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
    p.add_argument("--seed", metavar="N", type=int, default=0,
                   help="vary the generated inputs and the noisy data (default 0: the fixed, derandomized run)")
    p.add_argument("--only", metavar="NAME", action="append", choices=catalog.FUNCTION_NAMES,
                   help="grade only this function (repeatable); experiments are skipped")
    p.add_argument("--quiet", action="store_true", help="print only the total")
    return p


def notebook_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m grader notebook",
                description="Build the learner notebook from exercises/ (or the answer key from solutions/).")
    p.add_argument("--solutions", action="store_true", help="build the instructor's answer key instead")
    p.add_argument("--out", metavar="PATH", type=Path, help="where to write it (default: "
                   "gradient_descent_kata.ipynb, or gradient_descent_kata_answers.ipynb with --solutions)")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["notebook"]:
        return notebook_main(argv[1:])
    args = parser().parse_args(argv)
    from .check import grade
    from .report import gradescope, junit, terminal
    from .score import max_total, score_lines, total

    run = grade(args.target, seed=args.seed, only=args.only)
    if args.json:
        gradescope.write(run, args.json)
    if args.junit:
        junit.write(run, args.junit)
    if run.load_error:
        sys.stderr.write(terminal.render(run, sys.stderr))
        return 2
    lines = score_lines(run.records, run.only)
    if args.quiet:
        print(f"{total(lines):g}/{max_total(lines):g}")
    else:
        sys.stdout.write(terminal.render(run, sys.stdout))
    return 0 if all(r["status"] == "passed" for r in run.records) and run.records else 1


def notebook_main(argv: List[str]) -> int:
    args = notebook_parser().parse_args(argv)
    from . import notebook
    out = args.out or Path("gradient_descent_kata_answers.ipynb" if args.solutions else "gradient_descent_kata.ipynb")
    notebook.write(out, answers=args.solutions)
    print(f"Wrote {out}. Open it with `jupyter notebook {out}` (or JupyterLab, VS Code, Colab).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
