"""Gradescope's default container, emulated on this machine: 768 MB of memory and half a CPU.

For trying a grade within Gradescope's budget before uploading an autograder (the
project's tests and `benchmarks/single.py` do). With writable cgroups (version 1, as
root) both are real limits on the command and everything it starts: a CPU quota of
50 ms per 100 ms and a memory limit. Otherwise the closest this machine allows: one
CPU (`taskset`) and a limit on the grading process's address space (`prlimit`), which
is more generous than the container, and says so in its description.
"""
import os
import shutil
import time
from typing import List, Optional, Tuple

MEMORY_BYTES = 768 * 1000 * 1000
CPU_QUOTA = (50_000, 100_000)  # microseconds of CPU per period: half a CPU

CGROUPS = "cgroups: 0.5 CPU, 768 MB"
ONE_CPU = "one CPU (taskset), 768 MiB address space (prlimit)"


def _cgroup_v1_writable() -> bool:
    return all(os.access(f"/sys/fs/cgroup/{c}", os.W_OK)
               and os.path.exists(f"/sys/fs/cgroup/{c}/cgroup.procs") for c in ("cpu", "memory"))


def limited(command: List[str]) -> Optional[Tuple[List[str], str]]:
    """(command run within the budget, how the budget is applied); None when this machine can do neither.

    The cgroups are made for the one run and removed after it."""
    if _cgroup_v1_writable():
        name = f"kata-gradescope-{os.getpid()}-{time.monotonic_ns()}"
        quota, period = CPU_QUOTA
        # A shell puts itself in the new groups, then becomes the command: its children inherit them.
        # The groups go away after the run, and after a failure to make them.
        script = (f"c=/sys/fs/cgroup/cpu/{name}; m=/sys/fs/cgroup/memory/{name}; "
                  f"trap 'rmdir $c $m 2>/dev/null' EXIT; mkdir $c $m || exit 90; "
                  f"echo {period} > $c/cpu.cfs_period_us && echo {quota} > $c/cpu.cfs_quota_us && "
                  f"echo {MEMORY_BYTES} > $m/memory.limit_in_bytes || exit 91; "
                  f"(echo $BASHPID > $c/cgroup.procs && echo $BASHPID > $m/cgroup.procs && "
                  f"exec \"$@\")")
        return ["bash", "-c", script, "_", *command], CGROUPS
    if shutil.which("taskset") and shutil.which("prlimit"):
        return ["taskset", "-c", "0", "prlimit", f"--as={768 * 1024 * 1024}", *command], ONE_CPU
    return None
