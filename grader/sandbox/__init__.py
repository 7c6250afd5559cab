"""Running submission code: in a confined worker process, or in-process for trusted code."""
