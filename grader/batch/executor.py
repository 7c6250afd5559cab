"""Who runs a class's grade_one jobs: a local pool of processes, or a Dask cluster.

Both take the same jobs, (learner, submission path, output folder, seed), and yield
(learner, seconds, peak KiB) as jobs finish, in any order. Every job grades one
submission in its own sandboxed worker on the machine that runs it, and writes that
learner's files into the output folder itself, atomically, meta.json last (see
grade_one.py): a job that dies leaves nothing half-written, and a run started again
skips the learners whose meta.json matches their submission.

    LocalExecutor(jobs)       fresh processes (spawn) on this machine; the default
    DaskExecutor(address)     the workers of a Dask scheduler (`dask scheduler`,
                              `dask worker ADDRESS --nworkers N --nthreads 1`); the
                              submissions and the output folder must be at the same
                              paths on every worker (a shared file system), and the
                              project installed there too.

A Dask worker that dies mid-job (killed, out of memory, its machine gone) loses only
that job: the scheduler runs it again on another worker (up to Dask's
`distributed.scheduler.allowed-failures` times, 3 by default); a job that raises is
retried `retries` times. A job that still fails is reported as not graded, and the
gradebook says to run batch again.
"""
import multiprocessing
import sys
import uuid
from typing import Iterator, List, Optional, Tuple

from .grade_one import grade_one

Job = Tuple[str, str, str, int]  # learner, submission path, output folder, seed
Outcome = Tuple[str, float, int]  # learner, seconds, the grading process's peak memory in KiB


class LocalExecutor:
    """A pool of fresh processes on this machine, each replaced after a few submissions."""

    def __init__(self, jobs: int, tasks_per_process: int = 25):
        self.jobs, self.tasks_per_process = max(1, jobs), tasks_per_process
        self.failed: List[str] = []

    def run(self, jobs: List[Job]) -> Iterator[Outcome]:
        if not jobs:
            return
        # Fresh processes (spawn): nothing of this process leaks into the graders; each
        # pool process is replaced after a few submissions, so memory stays flat.
        context = multiprocessing.get_context("spawn")
        processes = min(self.jobs, len(jobs))
        with context.Pool(processes=processes, maxtasksperchild=self.tasks_per_process) as pool:
            yield from pool.imap_unordered(grade_one, jobs)


class DaskExecutor:
    """The workers of a Dask distributed scheduler at `address` (tcp://host:8786)."""

    def __init__(self, address: str, retries: int = 2, timeout: float = 30, log=sys.stderr):
        self.address, self.retries, self.timeout, self.log = address, retries, timeout, log
        self.failed: List[str] = []  # learners whose job failed for good

    def run(self, jobs: List[Job]) -> Iterator[Outcome]:
        if not jobs:
            return
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise RuntimeError("--scheduler needs Dask: pip install -e \".[cluster]\"") from None
        try:
            client = Client(self.address, timeout=self.timeout)
        except (OSError, TimeoutError) as error:
            raise RuntimeError(f"cannot reach the Dask scheduler at {self.address}: {error}") from None
        with client:
            _quiet_profiler(client)
            run = uuid.uuid4().hex[:8]  # two runs on one scheduler never share a task
            futures = {client.submit(grade_one, job, retries=self.retries, pure=False,
                                     key=f"grade_one-{_key(job[0])}-{run}"): job[0]
                       for job in jobs}
            for future in as_completed(futures):
                try:
                    yield future.result()
                except Exception as error:  # a job that failed for good: that learner is not graded
                    learner = futures[future]
                    self.failed.append(learner)
                    if self.log is not None:
                        self.log.write(f"\n{learner}: not graded ({type(error).__name__}: {error})\n")
                finally:
                    future.release()


def _quiet_profiler(client) -> None:
    """Stop the workers' statistical profiler, now and on workers that join later.

    It samples the grading thread's stack every 10 ms; pytest's and Hypothesis's stacks are
    deep, and on a loaded machine this cost nearly as much CPU as the grading itself.
    Starting workers with DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False does the same."""
    try:
        from distributed.diagnostics.plugin import WorkerPlugin
    except ImportError:
        return

    class QuietProfiler(WorkerPlugin):
        name = "gradient-descent-kata-quiet-profiler"

        def setup(self, worker):
            for name in ("profile", "profile-cycle"):
                callback = getattr(worker, "periodic_callbacks", {}).get(name)
                if callback is not None:
                    callback.stop()

    register = getattr(client, "register_plugin", None) or getattr(client, "register_worker_plugin")
    try:
        register(QuietProfiler())
    except Exception:  # an older or newer Dask without it: only slower
        pass


def make_executor(jobs: int = 0, scheduler: Optional[str] = None):
    """DaskExecutor(scheduler) when an address is given, else LocalExecutor(jobs or one per core)."""
    if scheduler:
        return DaskExecutor(scheduler)
    import os
    return LocalExecutor(jobs or os.cpu_count() or 1)


def _key(learner: str) -> str:
    from .layout import folder_name
    return folder_name(learner)
