"""Running submission code: in a confined worker process, or in-process for trusted code."""


class IsolationMissing(RuntimeError):
    """An isolation layer the instructor required (GRADER_REQUIRE, --require) is not in force."""
