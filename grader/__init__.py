"""The kata's autograder, as a pipeline: discover -> load -> sandbox -> check -> score -> export.

The core, in the order data flows (each stage hands typed records to the next):

    discover.py   what a user points at -> the source files of one submission (read safely)
    load.py       source files -> Submission: what to run, what it defines (parsing only)
    definitions.py  one source file -> its definitions only, at their own line numbers
    sandbox/      the confined worker that runs submission code, and its trusted side
    target.py     what the tests call: a sandboxed submission, or trusted code in-process
    plugin/       the pytest side: session, ordering, the `impl` proxy, replay, records
    grading.py    runs tests/kata with the plugin; returns a Run (result.py)
    result.py     the typed records: Run, Record, Failure
    expect.py     tolerant comparisons the kata's tests use
    plain.py      the plain data allowed across the sandbox boundary
    score.py      records -> points (kata/catalog.py has the table)
    paths.py      where the project's own files are

Around the core:

    kata/         the content: catalog (functions, points), experiments, the tests' f (quadratic),
                  the mistake bank
    text/         every sentence a learner reads, per language (TOML), and its lookup
    exports/      terminal report, Gradescope results.json, JUnit XML, GitHub Classroom outputs
    platforms/    Gradescope's autograder zip and runner (and its container's limits, emulated here),
                  GitHub Classroom's starter repository, the pinned versions
    batch/        a whole class: executor, per-learner results, the gradebook
    learner/      the notebook, hints, --watch, plots
    cli.py        python -m grader: a thin command line over the above
"""
