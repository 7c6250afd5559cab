"""The trusted side of the sandbox: start a worker, call into it with deadlines, kill it.

A worker that crashes, exits or times out is killed together with everything it
started (detached processes included: this process becomes their subreaper), and
the next call starts a fresh one, so a failure costs only the call that made it.
"""
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional

from ..plain import NotPlain, to_plain
from . import IsolationMissing, confine
from .channel import Channel, ChannelClosed, ChannelTimeout
from ..text import say

GRADER_ROOT = Path(__file__).resolve().parents[2]
UNPRIVILEGED_UID = 65534
PROCESS_HEADROOM = 32  # processes the worker may start beyond those its user already runs
NAMESPACE_PROCESSES = 32  # in its own user namespace the worker's uid runs nothing else
SCRATCH_BYTES = 16 * 1024 ** 2  # the scratch tmpfs, with namespaces
LAYERS = ("namespaces", "landlock")  # what GRADER_REQUIRE may name
_PR_SET_CHILD_SUBREAPER = 36
_live_workers: Dict[int, "Worker"] = {}


class SubmissionFailure(Exception):
    """Submission code did not return normally. `reply` is plain data about it."""

    kind = "raised"

    def __init__(self, reply: Dict):
        super().__init__(reply.get("message", ""))
        self.reply = reply


class Raised(SubmissionFailure):
    kind = "raised"


class Crashed(SubmissionFailure):
    kind = "crashed"


class TimedOut(SubmissionFailure):
    kind = "timed out"


class LoadFailed(Exception):
    """The submission could not be loaded at all; `reply` says why."""

    def __init__(self, reply: Dict):
        super().__init__(reply.get("message", ""))
        self.reply = reply


# The defaults; a Worker takes others (grader.toml's [limits], the Gradescope zip's 512 MiB).
DEFAULT_LIMITS = {
    "memory_bytes": 2 * 1024 ** 3,
    "file_bytes": 16 * 1024 ** 2,
    "open_files": 256,
}


class Worker:
    """One confined worker process serving one submission laid out in a scratch directory.

    files maps relative paths to source text; kind is "module" or "package" (see
    runtime.load). serve_reference answers the worker's requests for correct
    stand-in functions.
    """

    def __init__(self, files: Dict[str, str], kind: str, functions: List[str],
                 serve_reference: Callable[[str, list], object], *, total_seconds: float = 300,
                 cpu_seconds: int = 300, landlock: bool = True, limits: Optional[Dict[str, int]] = None):
        self.files, self.kind, self.functions = files, kind, functions
        self.limits = dict(DEFAULT_LIMITS, **(limits or {}))
        self.serve_reference = serve_reference
        self.deadline = time.monotonic() + total_seconds
        self.cpu_seconds = cpu_seconds
        self.landlock = landlock
        self.process = None
        self.channel: Optional[Channel] = None
        self.scratch: Optional[Path] = None
        self.isolation: List[str] = []
        self.present: List[str] = []
        self.required: List[str] = []

    # --- life cycle -------------------------------------------------------
    def start(self, wait: bool = True) -> None:
        """Start the worker and load the submission; raises LoadFailed.

        With wait=False the worker loads in the background; `wait_ready` collects the
        outcome (the grader imports pytest meanwhile)."""
        self.required = required_layers()
        _become_subreaper()
        self.scratch = Path(tempfile.mkdtemp(prefix="grader-"))
        for relative, text in self.files.items():
            path = self.scratch / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        uid = None
        if os.geteuid() == 0 and confine.runtime_readable_by_others():
            try:
                for path in [self.scratch, *self.scratch.rglob("*")]:
                    os.chown(path, UNPRIVILEGED_UID, UNPRIVILEGED_UID)
                uid = UNPRIVILEGED_UID
            except OSError:  # root of a user namespace that does not map 65534
                pass
        os.chmod(self.scratch, 0o700)
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        code = (f"import sys; sys.path.insert(0, {str(GRADER_ROOT)!r}); "
                f"from grader.sandbox.worker import main; main({to_worker_r}, {from_worker_w})")
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(self.scratch), "TMPDIR": str(self.scratch),
               "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
               "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        # GRADER_WORKER_STDERR=FILE keeps the worker's own stderr, for debugging the grader.
        debug = os.environ.get("GRADER_WORKER_STDERR")
        stderr = open(debug, "ab") if debug else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-s", "-c", code], pass_fds=(to_worker_r, from_worker_w), cwd=self.scratch,
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
            start_new_session=True)
        if debug:
            stderr.close()
        os.close(to_worker_r)
        os.close(from_worker_w)
        _live_workers[self.process.pid] = self
        self.channel = Channel(from_worker_r, to_worker_w, self._serve)
        limits = dict(self.limits, cpu_seconds=self.cpu_seconds)
        limits["processes"] = _process_count(uid if uid is not None else os.geteuid()) + PROCESS_HEADROOM
        self.channel.send({"op": "start", "scratch": str(self.scratch), "kind": self.kind, "uid": uid,
                           "limits": limits, "limit_labels": {"processes": f"{PROCESS_HEADROOM} more than running"},
                           "landlock": self.landlock, "functions": self.functions,
                           "grader_root": str(GRADER_ROOT), "namespaces": namespaces_wanted(),
                           "namespace_processes": NAMESPACE_PROCESSES, "quota_bytes": SCRATCH_BYTES})
        self._waiting = True
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        if not getattr(self, "_waiting", False):
            return
        self._waiting = False
        try:
            reply = self.channel.receive(min(self.deadline, time.monotonic() + 30))
        except ChannelTimeout:
            self.close()
            raise LoadFailed({"type": "TimeoutError", "message": say("load.took_too_long", seconds=30),
                              "where": []}) from None
        except ChannelClosed:
            code = _exit_status(self.process)
            self.close()
            raise LoadFailed({"type": "Exit", "where": [], "message":
                              say("load.exit_at_import", status=code)}) from None
        if reply["op"] != "ready":
            self.close()
            raise LoadFailed(reply)
        self.isolation = [str(x) for x in reply.get("isolation", [])]
        self.present = [str(x) for x in reply.get("functions", [])]
        missing = [layer for layer in self.required if layer not in reply.get("layers", [])]
        if missing:
            self.close()
            raise IsolationMissing(f"refusing to grade: {', '.join(missing)} required (--require or GRADER_REQUIRE) "
                                   f"but not in force here. Isolation: {'; '.join(self.isolation)}")
        self.load_notes = [n for n in reply.get("notes") or [] if isinstance(n, dict)]  # what loading skipped

    def close(self) -> None:
        if self.process is not None:
            _kill_tree(self.process)
            _live_workers.pop(self.process.pid, None)
            self.process = None
        if self.channel is not None:
            for fd in (self.channel.read_fd, self.channel.write_fd):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self.channel = None
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

    # --- calls ------------------------------------------------------------
    def call_many(self, calls: List[Dict], timeout: float) -> List[Dict]:
        """Several exercise calls in one round trip: [{"fn", "args", "seed"}] -> their replies.

        A crash or timeout raises as for `call`; the replies of a batch are all or nothing."""
        if self.process is None:
            self.start()
        self.wait_ready()
        encoded = [dict(c, args=self.channel.encode(list(c["args"]))) for c in calls]
        return self.call({"many": True}, [], timeout, 0, kwargs={"calls": encoded})["value"]

    def call(self, fn: Dict, args: list, timeout: float, seed: int, kwargs: Optional[Dict] = None):
        """Run fn in the worker; return its plain value or raise a SubmissionFailure."""
        now = time.monotonic()
        if now >= self.deadline:
            raise TimedOut({"type": "TimeoutError", "where": [],
                            "message": say("sandbox.whole_submission_time_out")})
        if self.process is None:
            self.start()
        self.wait_ready()
        message = {"op": "call", "fn": fn, "args": self.channel.encode(list(args)), "seed": seed, "top": True}
        if kwargs is not None:
            message["kwargs"] = kwargs
        try:
            reply = self.channel.request(message, min(self.deadline, now + timeout))
        except ChannelTimeout:
            self.close()
            raise TimedOut({"type": "TimeoutError", "where": [],
                            "message": say("sandbox.call_time_out", seconds=timeout)}) from None
        except ChannelClosed as error:
            status = _exit_status(self.process)
            self.close()
            raise Crashed({"type": "Crash", "where": [], "message": _crash_message(status, error)}) from None
        finally:
            if self.channel is not None:
                self.channel.forget_exports()
        if reply["op"] == "return":
            return reply
        if reply.get("type") == "MemoryError":
            # Out of memory: a fresh worker for the next call, and the test ends here.
            self.close()
            raise Crashed(dict(reply, message=say("sandbox.out_of_memory",
                                                  mib=self.limits['memory_bytes'] // 1024 ** 2)))
        raise Raised(reply)

    def _serve(self, message: Dict) -> Dict:
        """Answer the worker's calls: correct stand-ins and the tests' own callables."""
        fn = message.get("fn") or {}
        args = self.channel.decode(message.get("args") or [], self.deadline)
        try:
            if "reference" in fn:
                value = self.serve_reference(str(fn["reference"]), args)
            else:
                value = self.channel.exported(fn["callable"])(*args)
            return {"op": "return", "value": self.channel.encode(to_plain(value) if not callable(value) else value)}
        except SubmissionFailure as failure:
            return dict(failure.reply, op="raise")
        except (NotPlain, Exception) as error:
            return {"op": "raise", "type": type(error).__name__, "message": str(error), "is_exception": True,
                    "where": []}


def namespaces_wanted() -> bool:
    """GRADER_NAMESPACES=off runs the worker without namespaces (to test that fallback)."""
    return os.environ.get("GRADER_NAMESPACES", "on").strip().lower() not in ("off", "0", "no", "false")


def required_layers() -> List[str]:
    """The layers GRADER_REQUIRE (comma-separated) names: grading stops when one is missing."""
    names = [n.strip().lower() for n in os.environ.get("GRADER_REQUIRE", "").split(",") if n.strip()]
    unknown = [n for n in names if n not in LAYERS]
    if unknown:
        raise IsolationMissing(f"unknown isolation layer {', '.join(unknown)} in --require or GRADER_REQUIRE "
                               f"(the layers are {', '.join(LAYERS)})")
    return names


def _exit_status(process) -> Optional[int]:
    """The worker's exit status, waiting briefly: its pipe closes a moment before it is gone
    (longer with namespaces, where the processes that wait for the namespace's init end after it)."""
    if process is None:
        return None
    try:
        return process.wait(timeout=0.5)
    except subprocess.TimeoutExpired:
        return None


def _crash_message(status, error) -> str:
    if status is None:
        return say("sandbox.worker_stopped_answering", error=error)
    if status < 0:
        name = signal.Signals(-status).name if -status in signal.Signals._value2member_map_ else str(-status)
        if name in ("SIGKILL", "SIGXCPU"):
            return say("sandbox.too_much_cpu_or_memory", signal=name)
        if name == "SIGSEGV":
            return say("sandbox.segmentation_fault")
        return say("sandbox.stopped_by_signal", signal=name)
    return say("sandbox.exit_status", status=status)


def _become_subreaper() -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _proc_stat(pid: int):
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            data = handle.read().decode(errors="replace")
    except OSError:
        return None
    fields = data[data.rfind(")") + 2:].split()
    return {"ppid": int(fields[1]), "sid": int(fields[3]), "start": int(fields[19])}


def _start_time(pid: int) -> int:
    stat = _proc_stat(pid)
    return stat["start"] if stat else 0


def _process_count(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


def _kill_tree(process) -> None:
    """Kill the worker, its descendants, and the detached processes it left to us."""
    pid, me = process.pid, os.getpid()
    started = _start_time(pid)
    for _ in range(50):
        stats = {}
        for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
            if entry.isdigit():
                stat = _proc_stat(int(entry))
                if stat:
                    stats[int(entry)] = stat
        others = {p for p in _live_workers if p != pid}

        def doomed(p):
            seen = 0
            while p in stats and seen < 1000:
                if p == pid or stats[p]["sid"] == pid:
                    return True
                parent = stats[p]["ppid"]
                if parent == me:  # reparented to us: ours unless it is another live worker's tree
                    return p not in others and stats[p]["start"] >= started and stats[p]["sid"] not in others
                if parent in others:
                    return False
                p, seen = parent, seen + 1
            return False

        victims = [p for p in stats if p != me and doomed(p)]
        if pid not in victims and process.poll() is None:
            victims.append(pid)
        if not victims:
            break
        for victim in victims:
            try:
                os.kill(victim, signal.SIGKILL)
            except OSError:
                pass
        for victim in victims:
            if stats.get(victim, {}).get("ppid") == me and victim != pid:
                try:
                    os.waitpid(victim, 0)
                except OSError:
                    pass
        process.poll()
    try:
        process.wait(timeout=5)
    except Exception:
        pass
