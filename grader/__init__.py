"""The kata's autograder: load a submission, run it in a sandbox, check it, score it, report it.

    load.py      TARGET -> Submission (parsing only; notebooks via nbformat)
    sandbox/     the confined worker that runs submission code, and its trusted side
    target.py    what the tests call: a sandboxed submission, or trusted code in-process
    check.py     runs tests/kata with pytest_plugin.py and collects one record per test
    score.py     records -> points (catalog.py has the table)
    report/      terminal, Gradescope results.json, JUnit XML
    cli.py       python -m grader
"""
