"""Probes of the worker's confinement (issue #10): each one a submission that tries an escape.

Every probe runs twice: with the worker's namespaces (the default where the kernel
allows them) and without (GRADER_NAMESPACES=off, the fallback an old kernel or a
strict container gets, where Landlock does what it can). A probe returns what it
got, errors included, and each denial has a control: the same probe code doing the
allowed thing succeeds, so a denial cannot pass because the probe itself is broken.
Where the fallback leaves something open, the test checks that the isolation line
says so, and that it is true.

Run as root, as CI runs, with this machine's own Python (a pyenv under /root that
uid 65534 cannot read): the case the issue was found in.
"""
import os
import random
import socket
from pathlib import Path

import pytest

from grader.kata import catalog
from grader.sandbox.process import Crashed, Worker
from grader.target import call_reference
from helpers import run_grader

AS_ROOT = os.geteuid() == 0
ROOT_ONLY = pytest.mark.skipif(not AS_ROOT, reason="the issue's probes run as root, as CI does")
NAMESPACES = "namespaces: user"  # the isolation line's namespaces layer, when in force

PROBES = r'''
import errno, os, signal, socket, sys, time

def _error(exc):
    detail = errno.errorcode.get(exc.errno, exc.errno) if isinstance(exc, OSError) else exc
    return f"{type(exc).__name__}: {detail}"

def read(path):
    try:
        with open(path, "rb") as handle:
            return {"ok": True, "data": handle.read(200).decode("latin-1")}
    except BaseException as exc:
        return {"ok": False, "error": _error(exc)}

def listdir(path):
    try:
        return {"ok": True, "data": sorted(os.listdir(path))}
    except BaseException as exc:
        return {"ok": False, "error": _error(exc)}

def write(path):
    try:
        with open(path, "w") as handle:
            handle.write("planted")
        return {"ok": True}
    except BaseException as exc:
        return {"ok": False, "error": _error(exc)}

def fork(limit):
    children, error = [], None
    try:
        for _ in range(limit):
            pid = os.fork()
            if pid == 0:
                time.sleep(20)
                os._exit(0)
            children.append(pid)
    except BaseException as exc:
        error = _error(exc)
    for pid in children:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return {"forked": len(children), "error": error}

def fill(limit_mib):
    written, error = 0, None
    chunk = b"x" * (1024 * 1024)
    try:
        for number in range(limit_mib):
            with open(f"fill-{number}.bin", "wb") as handle:
                handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            written += 1
    except BaseException as exc:
        error = _error(exc)
    for number in range(limit_mib):
        try:
            os.remove(f"fill-{number}.bin")
        except OSError:
            pass
    return {"mib": written, "error": error}

_udp = {}

def udp_bind(port):
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", port))
        _udp[port] = sock
        return {"ok": True}
    except BaseException as exc:
        return {"ok": False, "error": _error(exc)}

def udp_send(port):
    try:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.sendto(b"!", ("127.0.0.1", port))
        return {"ok": True}
    except BaseException as exc:
        return {"ok": False, "error": _error(exc)}

def udp_receive(port, seconds):
    sock = _udp.get(port)
    if sock is None:
        return {"ok": False, "error": "not bound"}
    sock.settimeout(seconds)
    try:
        return {"ok": True, "data": sock.recv(16).decode()}
    except BaseException as exc:
        return {"ok": False, "error": _error(exc)}

_abstract = {}

def abstract_listen(name):
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind("\0" + name)
        sock.listen(4)
        _abstract[name] = sock
        return {"ok": True}
    except BaseException as exc:
        return {"ok": False, "error": _error(exc)}

def abstract_connect(name):
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(2)
        sock.connect("\0" + name)
        sock.sendall(b"!")
        return {"ok": True}
    except BaseException as exc:
        return {"ok": False, "error": _error(exc)}

def abstract_accept(name, seconds):
    sock = _abstract.get(name)
    if sock is None:
        return {"ok": False, "error": "not listening"}
    sock.settimeout(seconds)
    try:
        connection, _ = sock.accept()
        connection.settimeout(seconds)
        return {"ok": True, "data": connection.recv(16).decode()}
    except BaseException as exc:
        return {"ok": False, "error": _error(exc)}

def tcp_connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return {"ok": True}
    except BaseException as exc:
        return {"ok": False, "error": _error(exc)}

def signal_process(pid):
    try:
        os.kill(pid, 0)
        return {"ok": True}
    except BaseException as exc:
        return {"ok": False, "error": _error(exc)}

def processes(marker):
    """Every process this code can see, and the command lines that contain marker."""
    seen, found = [], []
    try:
        entries = os.listdir("/proc")
    except OSError:
        entries = []
    for entry in entries:
        if entry.isdigit():
            seen.append(int(entry))
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if marker.encode() in handle.read():
                        found.append(int(entry))
            except OSError:
                pass
    return {"seen": sorted(seen), "found": found}

def identity():
    return [os.getuid(), os.geteuid(), os.getgid()]

def works():
    import subprocess, time, numpy
    with open("/dev/null", "w") as handle:
        devnull = handle.write("x") == 1
    return {"numpy": float(numpy.ones(3) @ numpy.full(3, 2.0)), "devnull": devnull,
            "urandom": len(open("/dev/urandom", "rb").read(16)), "localtime": bool(time.localtime().tm_zone),
            "subprocess": subprocess.run(["true"]).returncode}

def segv():
    import ctypes
    ctypes.string_at(0)

def exit3():
    os._exit(3)

def spin():
    import resource
    resource.setrlimit(resource.RLIMIT_CPU, (1, 1))
    while True:
        pass

def nested():
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    def attempt(result):
        return "ok" if result == 0 else errno.errorcode.get(ctypes.get_errno())
    return {"user": attempt(libc.unshare(0x10000000)),
            "mount": attempt(libc.mount(b"tmpfs", b".", b"tmpfs", 0, b"size=1g"))}

def dot(command, *args):
    return globals()[command](*args)
'''


class Probe:
    """A worker serving the probe submission; probe.run("read", "/etc/shadow") -> its reply."""

    def __init__(self, extra: str = ""):
        self.worker = Worker({"submission.py": PROBES + extra}, "module", list(catalog.FUNCTION_NAMES),
                             call_reference, total_seconds=120)
        self.worker.start()

    def run(self, *args, timeout: float = 20):
        return self.worker.call({"exercise": "dot"}, list(args), timeout, 0)["value"]

    @property
    def isolation(self):
        return self.worker.isolation

    def has(self, layer: str) -> bool:
        return any(line.startswith(layer) for line in self.isolation)

    def says(self, text: str) -> bool:
        return any(text in line for line in self.isolation)

    def close(self):
        self.worker.close()


_namespaces = {}


def namespaces_here() -> str:
    """'' when the worker gets its namespaces on this machine, else the isolation line's reason."""
    if "reason" not in _namespaces:
        probe = Probe()
        probe.close()
        _namespaces["reason"] = "" if probe.has(NAMESPACES) else "; ".join(probe.isolation)
    return _namespaces["reason"]


@pytest.fixture(params=["namespaces", "fallback"])
def mode(request, monkeypatch):
    """Each test with namespaces and without; only the first is skipped where they are unavailable."""
    if request.param == "fallback":
        monkeypatch.setenv("GRADER_NAMESPACES", "off")
    else:
        monkeypatch.delenv("GRADER_NAMESPACES", raising=False)
        if namespaces_here():
            pytest.skip(f"no namespaces here ({namespaces_here()}); the fallback is tested instead")
    return request.param


@pytest.fixture
def probe(mode):
    started = Probe()
    assert started.has(NAMESPACES) == (mode == "namespaces"), started.isolation
    if mode == "fallback" and not started.has("Landlock ABI"):
        started.close()
        pytest.skip("neither namespaces nor Landlock here: the fallback confines nothing this test checks")
    yield started
    started.close()


def control():
    """The probe code itself, run in this (unconfined) test process."""
    namespace = {}
    exec(compile(PROBES, "probes", "exec"), namespace)
    return namespace


def learner_processes(worker):
    """{pid: status fields} of the worker's processes that are inside its PID namespace."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
            fields = dict(line.split(":", 1) for line in status.splitlines())
        except (OSError, ValueError):
            continue
        pid, chain = int(entry), []
        while pid > 1 and len(chain) < 50:
            chain.append(pid)
            try:
                pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                break
        if worker.process.pid in chain[1:] and len(fields.get("NSpid", "").split()) == 2:
            found[int(entry)] = fields
    return found


# --- files --------------------------------------------------------------------

@ROOT_ONLY
def test_secrets_in_etc_cannot_be_read(probe):
    assert control()["read"]("/etc/shadow")["ok"]  # root can, outside
    assert probe.run("read", os.__file__)["ok"]  # the probe can read what the runtime is made of
    shadow = probe.run("read", "/etc/shadow")
    assert not shadow["ok"], shadow
    assert shadow["error"].split(": ")[1] in ("EACCES", "ENOENT"), shadow
    for secret in ("/etc/passwd", "/etc/hostname", "/etc/hosts", "/root/.bashrc"):
        assert not probe.run("read", secret)["ok"], secret
    assert not probe.run("listdir", "/etc")["ok"]


def test_the_runtime_still_works(probe):
    got = probe.run("works")
    assert got == {"numpy": 6.0, "devnull": True, "urandom": 16, "localtime": True, "subprocess": 0}, got


def test_writes_outside_the_scratch_directory_are_denied(probe, tmp_path):
    target = tmp_path / "planted.txt"
    assert probe.run("write", "allowed.txt")["ok"]  # the scratch directory is writable
    assert not probe.run("write", str(target))["ok"]
    assert not target.exists()
    assert not probe.run("write", os.__file__)["ok"]


def test_the_scratch_directory_has_a_size_bound(probe):
    filled = probe.run("fill", 64, timeout=60)
    if probe.has(NAMESPACES):
        assert 1 <= filled["mib"] < 16, filled  # a 16 MiB tmpfs that also holds the submission
        assert filled["error"] and "ENOSPC" in filled["error"], filled
    else:
        # Without a mount namespace nothing bounds the total: the report says so, truthfully.
        assert probe.says("scratch: no size bound"), probe.isolation
        assert filled == {"mib": 64, "error": None}, filled


# --- processes ----------------------------------------------------------------

@ROOT_ONLY
def test_forking_past_the_limit_fails(probe):
    forked = probe.run("fork", 200, timeout=60)
    if probe.has(NAMESPACES) or not probe.says("not enforced for uid 0"):
        assert probe.says("processes=32"), probe.isolation
        assert 5 <= forked["forked"] < 40, forked  # a few forks work: the limit is not zero
        assert forked["error"] and "EAGAIN" in forked["error"], forked
    else:
        # uid 0 with its capabilities dropped: RLIMIT_NPROC does not apply, and the report says so.
        assert forked == {"forked": 200, "error": None}, forked


@ROOT_ONLY
def test_the_learners_code_has_no_privilege_outside(mode):
    probe = Probe()
    try:
        identity = probe.run("identity")
        if mode == "namespaces":
            assert identity == [1000] * 3
            inside = learner_processes(probe.worker)
            assert len(inside) == 1, inside  # PID 1 of its namespace: the worker itself
            fields = next(iter(inside.values()))
            assert fields["Uid"].split() == ["65534"] * 4 and fields["Gid"].split() == ["65534"] * 4, fields
        else:
            assert learner_processes(probe.worker) == {}
            fields = dict(line.split(":", 1) for line in
                          Path(f"/proc/{probe.worker.process.pid}/status").read_text().splitlines())
            if probe.says("running as unprivileged uid 65534"):  # a runtime that uid can read
                assert identity == [65534] * 3
            else:  # this machine's pyenv under /root: uid 0, and the report says so
                assert probe.says("root with every capability dropped") and identity == [0] * 3
        assert int(fields["CapEff"], 16) == 0 and int(fields["CapBnd"], 16) == 0, fields
    finally:
        probe.close()


def test_the_parents_proc_entries_are_hidden(probe):
    me = os.getpid()
    assert control()["read"](f"/proc/{me}/cmdline")["ok"]
    # A word of this process's own command line (under pytest-xdist it does not say "pytest").
    marker = [a for a in Path(f"/proc/{me}/cmdline").read_bytes().split(b"\0") if a][-1].decode()
    assert me in control()["processes"](marker)["found"]
    for entry in ("cmdline", "environ", "status", "maps", "mem"):
        got = probe.run("read", f"/proc/{me}/{entry}")
        assert not got["ok"], (entry, got)
    fds = probe.run("listdir", f"/proc/{me}/fd")
    assert not fds["ok"], fds
    visible = probe.run("processes", marker)
    assert visible["found"] == [], visible
    if probe.has(NAMESPACES):
        assert visible["seen"] == [1], visible  # the worker alone, as PID 1
    else:
        assert visible["seen"] == [], visible  # /proc is not in Landlock's read set


def test_signals_reach_no_process_outside(probe):
    assert control()["signal_process"](os.getpid())["ok"]
    assert not probe.run("signal_process", os.getpid())["ok"]


# --- network ------------------------------------------------------------------

def test_tcp_is_denied(probe):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        assert control()["tcp_connect"](port)["ok"]
        assert not probe.run("tcp_connect", port)["ok"]
    finally:
        listener.close()


def test_an_abstract_socket_outside_cannot_be_reached(probe):
    name = f"kata-probe-{random.getrandbits(48):x}"
    here = control()
    assert here["abstract_listen"](name)["ok"]
    try:
        assert here["abstract_connect"](name)["ok"]  # the probe code does connect
        connected = probe.run("abstract_connect", name)
        assert not connected["ok"], connected
        assert connected["error"].split(": ")[1] in ("EPERM", "ECONNREFUSED"), connected
    finally:
        here["_abstract"][name].close()


def test_two_concurrent_workers_cannot_exchange_a_byte_over_udp(mode):
    port_a, port_b = random.sample(range(20000, 60000), 2)
    here = control()
    assert here["udp_bind"](port_a)["ok"] and here["udp_send"](port_a)["ok"]
    assert here["udp_receive"](port_a, 2)["data"] == "!"  # the probe code does exchange a byte
    here["_udp"][port_a].close()
    a, b = Probe(), Probe()
    try:
        a.run("udp_bind", port_a)
        b.run("udp_bind", port_b)
        sent = [a.run("udp_send", port_b), b.run("udp_send", port_a)]
        got = [a.run("udp_receive", port_a, 1), b.run("udp_receive", port_b, 1)]
        if mode == "namespaces":
            assert not any(g["ok"] for g in got), (sent, got)
            assert all(s["error"] == "OSError: ENETUNREACH" for s in sent), sent
        else:
            # Landlock (up to ABI 7) does not cover UDP: the fallback is open here, and says so.
            assert a.says("network: UDP open"), a.isolation
            assert got == [{"ok": True, "data": "!"}] * 2, got
    finally:
        a.close()
        b.close()


def test_two_concurrent_workers_cannot_meet_on_an_abstract_socket(mode):
    name = f"kata-probe-{random.getrandbits(48):x}"
    a, b = Probe(), Probe()
    try:
        assert a.run("abstract_listen", name)["ok"]
        assert a.run("abstract_connect", name)["ok"]  # within one worker it works
        assert a.run("abstract_accept", name, 2)["data"] == "!"
        if mode == "fallback" and not a.says("no abstract sockets"):
            pytest.skip("Landlock before ABI 6 does not scope abstract sockets")
        connected = b.run("abstract_connect", name)
        accepted = a.run("abstract_accept", name, 1)
        assert not connected["ok"] and not accepted["ok"], (connected, accepted)
    finally:
        a.close()
        b.close()


def test_nested_namespaces_cannot_undo_the_limits(probe):
    got = probe.run("nested")
    if probe.has(NAMESPACES):
        assert got["user"] == "ENOSPC", got  # no user namespace inside: no capabilities to regain
    assert got["mount"] in ("EPERM", "EACCES"), got  # no larger tmpfs, no remounting


@pytest.mark.parametrize("crash, message", [
    ("segv", "your code crashed the Python interpreter (segmentation fault)"),
    ("exit3", "your code ended the program (exit status 3) instead of returning"),
    ("spin", "your code was stopped by SIGKILL: it used too much CPU time or memory")])
def test_a_crash_is_reported_as_what_it_was(mode, crash, message):
    probe = Probe()
    try:
        with pytest.raises(Crashed) as crashed:
            probe.run(crash)
        assert crashed.value.reply["message"] == message
    finally:
        probe.close()


# --- the grader as a whole --------------------------------------------------

def test_the_grader_grades_in_full_with_and_without_namespaces_and_says_which(mode):
    result = run_grader("solutions", "--only", "dot", "--verbose")  # the isolation line is for instructors
    assert result.returncode == 0, result.stdout + result.stderr
    isolation = next(line for line in result.stdout.splitlines() if line.startswith("Isolation: "))
    if mode == "namespaces":
        assert isolation.startswith("Isolation: namespaces: user, mount, PID, network, IPC, UTS, cgroup; "), \
            isolation
        assert "scratch: a 16 MiB tmpfs" in isolation and "processes=32" in isolation, isolation
    else:
        assert isolation.startswith("Isolation: namespaces: off (GRADER_NAMESPACES=off); "), isolation
        assert "scratch: no size bound; network: UDP open" in isolation, isolation


def test_an_instructor_can_require_a_layer(mode):
    result = run_grader("solutions", "--only", "dot", "--require", "namespaces,landlock", "--quiet")
    if mode == "namespaces":
        assert result.returncode == 0, result.stdout + result.stderr
        points, out_of = result.stdout.strip().split("/")
        assert points == out_of, result.stdout
    else:
        assert result.returncode == 2, result.stdout + result.stderr
        assert "refusing to grade: namespaces required" in result.stderr, result.stderr
        assert "namespaces: off (GRADER_NAMESPACES=off)" in result.stderr
    unknown = run_grader("solutions", "--quiet", env={"GRADER_REQUIRE": "seccomp"})
    assert unknown.returncode == 2 and "unknown isolation layer seccomp" in unknown.stderr, unknown.stderr
