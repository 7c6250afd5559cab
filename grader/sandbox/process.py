"""The trusted side of the sandbox: start a worker, call into it with limits, kill it.

A worker that crashes, exits or times out is killed together with everything it
started (detached processes included: this process becomes their subreaper), and
the next call starts a fresh one, so a failure costs only the call that made it.

Nothing the worker sends is believed as it comes: every message is checked against
its schema (messages.py) before anything reads it, and a message that breaks the
protocol kills the worker and fails the call. The worker may ask for a correct
stand-in only where the current call allows one (`allowed`), and for the test's own
callables; any other request is refused and fails the call. Calls are limited by the
time they are charged (meter.py), which does not depend on the machine's load, with a
wall-clock backstop far above it.
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
from typing import Callable, Dict, FrozenSet, List, Optional

from ..plain import NotPlain, to_plain
from ..text import say
from . import IsolationMissing, confine, messages
from .channel import Channel, ChannelClosed, ChannelTimeout, ProtocolError
from .meter import Meter

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


class _Overtime(ChannelTimeout):
    """The call used more time than it is allowed (see meter.py)."""


class LoadFailed(Exception):
    """The submission could not be loaded at all; `reply` says why."""

    def __init__(self, reply: Dict):
        super().__init__(reply.get("message", ""))
        self.reply = reply


LOAD_SECONDS = 30  # charged time to load a submission
BACKSTOP_FACTOR = 10  # wall-clock backstop: this many times a call's limit, at least BACKSTOP_MIN
BACKSTOP_MIN = 10.0
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
    stand-in functions, where a call allows them.

    total_seconds bounds the time charged to the whole submission (`charged`, which
    may start above 0: the trusted side's own work on it); the wall clock gets
    BACKSTOP_FACTOR times as much.
    """

    def __init__(self, files: Dict[str, str], kind: str, functions: List[str],
                 serve_reference: Callable[[str, list], object], *, total_seconds: float = 300,
                 cpu_seconds: int = 300, landlock: bool = True, limits: Optional[Dict[str, int]] = None,
                 charged: float = 0.0):
        self.files, self.kind, self.functions = files, kind, functions
        self.limits = dict(DEFAULT_LIMITS, **(limits or {}))
        self.serve_reference = serve_reference
        self.total_seconds = total_seconds
        self.charged = charged  # seconds charged to the submission so far
        self.requests = 0  # the worker's requests served so far: stand-ins, the test's callables
        self.last_charge = 0.0  # seconds charged to the last call
        self.deadline = time.monotonic() + max(total_seconds * 3, total_seconds + 60)
        self.meter: Optional[Meter] = None
        self._allowed: FrozenSet[str] = frozenset()  # stand-ins the current call may ask for
        self._refused: Optional[str] = None  # what the current call asked for and was refused
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
               "LANG": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONNOUSERSITE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1"}
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
        self.channel = Channel(from_worker_r, to_worker_w, self._serve, limit=messages.MAX_MESSAGE,
                               parse=messages.parse, portable=_portable)
        self.meter = Meter(self.process.pid)
        limits = dict(self.limits, cpu_seconds=self.cpu_seconds)
        limits["processes"] = _process_count(uid if uid is not None else os.geteuid()) + PROCESS_HEADROOM
        self.channel.send({"op": "start", "scratch": str(self.scratch), "kind": self.kind, "uid": uid,
                           "limits": limits,
                           "limit_labels": {"processes": f"{PROCESS_HEADROOM} more than running"},
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
            reply = self._receive_within(LOAD_SECONDS)
        except ChannelTimeout:
            self.close()
            raise LoadFailed({"type": "TimeoutError", "message": say("load.took_too_long", seconds=30),
                              "where": []}) from None
        except ProtocolError as error:
            self.close()
            raise LoadFailed({"type": "ProtocolError", "where": [],
                              "message": _violation(error)}) from None
        except ChannelClosed:
            code = _exit_status(self.process)
            self.close()
            raise LoadFailed({"type": "Exit", "where": [], "message":
                              say("load.exit_at_import", status=code)}) from None
        if reply["op"] != "ready":
            self.close()
            if reply["op"] != "failed":
                raise LoadFailed({"type": "ProtocolError", "where": [], "message": _violation(
                    ProtocolError("not_ready", op=reply["op"]))})
            raise LoadFailed(reply)
        self.isolation = [str(x) for x in reply.get("isolation", [])]
        self.present = [str(x) for x in reply.get("functions", [])]
        missing = [layer for layer in self.required if layer not in reply.get("layers", [])]
        if missing:
            self.close()
            raise IsolationMissing(f"refusing to grade: {', '.join(missing)} required "
                                   f"(--require or GRADER_REQUIRE) "
                                   f"but not in force here. Isolation: {'; '.join(self.isolation)}")
        self.load_notes = [n for n in reply.get("notes") or [] if isinstance(n, dict)]  # what loading skipped
        if "namespaces" in reply.get("layers", []):
            confined = confined_pid(self.process.pid)
            if confined is not None:
                self.meter.measure(confined)

    def _receive_within(self, limit: float) -> Dict:
        """The next message, waiting at most `limit` charged seconds (see meter.py)."""
        self.meter.start()
        self.channel.watch = self._watch(limit)
        try:
            return self.channel.receive(self._wall_deadline(limit))
        finally:
            self.channel.watch = None
            self._charge()

    def kill(self) -> None:
        """Kill the worker and everything it started, and leave the rest to close(): another
        thread waiting on its channel sees the channel close, and no descriptor changes under it."""
        process = self.process
        if process is not None:
            _kill_tree(process)

    def close(self) -> None:
        if self.meter is not None:
            self.meter.close()
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
    def call_many(self, calls: List[Dict], limit: float, allowed: FrozenSet[str] = frozenset()) -> List[Dict]:
        """Several exercise calls in one round trip: [{"fn", "args", "seed"}] -> their replies.

        A crash or timeout raises as for `call`; the replies of a batch are all or nothing."""
        if self.process is None:
            self.start()
        self.wait_ready()
        encoded = [dict(c, args=self.channel.encode(list(c["args"]))) for c in calls]
        reply = self.call({"many": True}, [], limit, 0, kwargs={"calls": encoded}, allowed=allowed)
        try:
            return messages.many_replies(reply["value"], len(calls))
        except messages.Malformed as error:
            self.close()
            raise Crashed({"type": "ProtocolError", "where": [],
                           "message": _violation(error)}) from None

    def call(self, fn: Dict, args: list, limit: float, seed: int, kwargs: Optional[Dict] = None,
             allowed: FrozenSet[str] = frozenset()):
        """Run fn in the worker; return its checked reply or raise a SubmissionFailure.

        limit is the time the call may be charged (meter.py); allowed names the
        stand-ins the worker may ask for during this call."""
        self.last_charge = 0.0
        if self.charged >= self.total_seconds or time.monotonic() >= self.deadline:
            raise TimedOut({"type": "TimeoutError", "where": [],
                            "message": say("sandbox.whole_submission_time_out")})
        if self.process is None:
            self.start()
        self.wait_ready()
        limit = min(limit, self.total_seconds - self.charged)
        message = {"op": "call", "fn": fn, "args": self.channel.encode(list(args)), "seed": seed, "top": True}
        if kwargs is not None:
            message["kwargs"] = kwargs
        self._allowed, self._refused = frozenset(allowed), None
        self.meter.start()
        self.channel.watch = self._watch(limit)
        failure: Optional[SubmissionFailure] = None
        overtime = None
        try:
            reply = self.channel.request(message, self._wall_deadline(limit))
        except ChannelTimeout:
            overtime = limit
            failure = TimedOut({"type": "TimeoutError", "where": [],
                                "message": say("sandbox.call_over_time", seconds=limit)})
        except ProtocolError as error:
            failure = Crashed({"type": "ProtocolError", "where": [],
                               "message": _violation(error)})
        except ChannelClosed as error:
            status = _exit_status(self.process)
            failure = Crashed({"type": "Crash", "where": [], "message": _crash_message(status, error)})
        finally:
            self._allowed = frozenset()
            if self.channel is not None:
                self.channel.watch = None
                self.channel.forget_exports()
        self._charge(overtime)
        if failure is not None:
            self.close()
            raise failure
        if self._refused is not None:
            # Not an exception of the learner's (a test that wants one must not pass): the call failed.
            raise Crashed({"type": "GraderRefused", "where": [], "is_exception": False, "printed": "",
                           "message": say("sandbox.refused_answer", function=self._refused)})
        if reply["op"] == "return":
            return reply
        if reply["op"] != "raise":
            self.close()
            raise Crashed({"type": "ProtocolError", "where": [], "message": _violation(
                ProtocolError("wrong_reply", op=reply["op"]))})
        if reply.get("type") == "ValueTooLarge" and not reply.get("is_exception"):
            raise Raised(dict(reply, message=say("sandbox.value_too_large", size=_int(reply.get("message")),
                                                 limit=messages.MAX_MESSAGE)))
        if reply.get("type") == "MemoryError":
            # Out of memory: a fresh worker for the next call, and the test ends here.
            self.close()
            raise Crashed(dict(reply, message=say("sandbox.out_of_memory",
                                                  mib=self.limits['memory_bytes'] // 1024 ** 2)))
        raise Raised(reply)

    def _wall_deadline(self, limit: float) -> float:
        return min(self.deadline, time.monotonic() + max(BACKSTOP_MIN, BACKSTOP_FACTOR * limit))

    def _watch(self, limit: float) -> Callable[[], None]:
        meter = self.meter

        def watch():
            if meter.charged() > limit:
                raise _Overtime()
        return watch

    def _charge(self, fixed: Optional[float] = None) -> None:
        """Charge the call that just ended: `fixed` for one stopped at its limit (no measuring noise)."""
        if self.meter is None:
            return
        measured = self.meter.finish()
        self.last_charge = fixed if fixed is not None else measured
        self.charged += self.last_charge

    def _serve(self, message: Dict) -> Dict:
        """Answer the worker's requests if the current call allows them: stand-ins, the test's callables."""
        started = time.monotonic()
        self.requests += 1
        try:
            return self._answer(message)
        finally:
            if self.meter is not None:
                self.meter.served += time.monotonic() - started

    def _answer(self, message: Dict) -> Dict:
        fn = message["fn"]  # checked by messages.call_request
        if "reference" in fn and fn["reference"] not in self._allowed:
            # An answer the function under test must compute itself: asking for it fails the call.
            self._refused = self._refused or fn["reference"]
            return {"op": "raise", "type": "GraderRefused", "is_exception": True, "where": [],
                    "message": say("sandbox.refused_answer", function=fn["reference"])}
        args = self.channel.decode(message["args"], self._wall_deadline(1.0))
        try:
            if "reference" in fn:
                value = self.serve_reference(fn["reference"], args)
            else:
                value = self.channel.exported(fn["callable"])(*args)
            return {"op": "return", "value": to_plain(value)}
        except SubmissionFailure as failure:
            return dict(failure.reply, op="raise")
        except (ChannelTimeout, ChannelClosed):
            raise  # the call itself is over: its limit, or the worker broke the protocol
        except (NotPlain, Exception) as error:
            return {"op": "raise", "type": type(error).__name__, "message": str(error)[:500],
                    "is_exception": True, "where": []}


def _portable(value) -> Optional[list]:
    """The description the worker computes a callable of the tests from (its class's `portable`)."""
    describe = getattr(type(value), "portable", None)
    return describe(value) if describe is not None else None


def _int(text) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return 0


def _violation(error) -> str:
    """What to tell a learner whose worker broke the protocol (error: ProtocolError or Malformed)."""
    reason = say(f"sandbox.bad_message.{error.reason}", **error.fields)
    return say("sandbox.protocol_violation", reason=reason)


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
        return process.wait(timeout=2)
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


def _only_child(pid: int) -> Optional[int]:
    """pid's one child process, or None (none, several, or no way to tell)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", "rb") as handle:
            children = [int(child) for child in handle.read().split()]
    except OSError:  # a kernel without CONFIG_PROC_CHILDREN: look for the parent in every stat
        children = [int(entry) for entry in os.listdir("/proc")
                    if entry.isdigit() and (_proc_stat(int(entry)) or {}).get("ppid") == pid]
    return children[0] if len(children) == 1 else None


def confined_pid(pid: int) -> Optional[int]:
    """The process that runs the submission of a namespaced worker started as pid: its grandchild.

    P and C create nothing else (namespaces.py), and the code in D cannot give them children,
    so each has exactly one child; anything else means the layout is not the one expected."""
    setup = _only_child(pid)
    return _only_child(setup) if setup is not None else None


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
        # A copy: the experiments' worker (target.py) starts and stops in a thread of its own.
        others = {p for p in list(_live_workers) if p != pid}

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
