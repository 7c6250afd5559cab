import os
import sys

from .cli import grades, main

code = main()
if grades(sys.argv[1:]):
    # A grade has closed everything it opened (its workers, its files) by now. Tearing the
    # interpreter down, pytest's and Hypothesis's modules object by object, would keep a
    # learner waiting another 0.2 s for nothing.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
sys.exit(code)
