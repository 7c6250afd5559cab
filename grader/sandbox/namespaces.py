"""Run the worker in its own user, mount, PID, network, IPC, UTS and cgroup namespaces (Linux).

Why: without them the worker's confinement depended on who ran the grader. As root
with a Python that uid 65534 cannot read (a pyenv under /root) it had to stay uid 0,
and uid 0 reads /etc/shadow through the owner bits, is exempt from RLIMIT_NPROC, and
shares the machine's network (UDP, abstract sockets) and /proc with everyone.

Design. The worker process (P), once it has imported its own code, forks a setup
process (C) that unshares the namespaces. In C's user namespace the learner's uid is
1000, mapped to an unprivileged uid outside: 65534 when the grader runs as root (the
grader's process P writes that two-line map: inside 0 is outside 0 for the setup
only), or the caller's own uid otherwise (the one mapping an unprivileged process may
write). C forks D, PID 1 of the new PID namespace, which builds a private root
filesystem: a read-only tmpfs holding bind mounts of exactly the read set (the
Python runtime, system libraries, two files of /etc, three devices) with the
grader's own packages masked, a fresh /proc that shows only the namespace's
processes, and the scratch directory as a size-bounded tmpfs. It pivots into that
root, forbids further user namespaces (so no new mount namespace can mount a larger
tmpfs), drops to uid 1000 with no capabilities, and returns: D goes on to be the
worker. P and C only wait, and end as D ends (same exit status or signal), so the
trusted side sees one process; killing D, the namespace's init, kills every process
in the namespace, and D dies with C, C with P.

As root, the mounts are made as uid 0 of the namespace, which is uid 0 outside too
(it opens root's files; its capabilities hold only in the new namespaces), because
only that reaches a runtime under a private /root; the learner's code never runs so.
It runs as uid 1000 because a uid that is not root is bound by RLIMIT_NPROC (counted
per user namespace, so the limit is the namespace's own process count), and because
a process that is not uid 0 in its namespace regains no capabilities on execve.
One quirk of PID 1: signals it sends itself whose default action would end it are
ignored (the kernel's own, a segmentation fault or the CPU limit's SIGKILL, still
end it).

A fresh network namespace has only a loopback interface, and it is down: no TCP,
no UDP (not even 127.0.0.1), and abstract Unix sockets are per network namespace,
so two workers cannot meet. If any step fails (no user namespaces in this kernel or
container, an AppArmor policy that withholds capabilities from them, a /proc that
cannot be mounted), C and D exit and P carries on without namespaces: `isolate`
returns the reason, which the isolation line reports.

Hand-rolled over ctypes because os.unshare and os.setns arrive only in Python 3.12
and there is no binding for mount(2) or pivot_root(2) in the standard library.
"""
import ctypes
import errno
import os
import resource
import signal
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple, Union

from . import confine

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x00020000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x08000000, 0x10000000, 0x20000000, 0x40000000
FLAGS = (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
         | CLONE_NEWCGROUP)
DESCRIPTION = "namespaces: user, mount, PID, network, IPC, UTS, cgroup"

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND = 32, 1024, 2048, 4096
MS_REC, MS_PRIVATE, MS_RELATIME = 0x4000, 1 << 18, 1 << 21
MNT_DETACH = 2
_PR_SET_PDEATHSIG, _PR_CAPBSET_DROP, _PR_SET_DUMPABLE = 1, 24, 4
# statvfs f_flag -> the mount flags a bind mount must keep when it is made read-only
# (a namespace may not clear flags it inherited from a more privileged one).
_KEEP = ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
         (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME))
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "i686": 217, "i386": 217, "armv7l": 218,
               "ppc64le": 203, "s390x": 217}

INSIDE_UID = INSIDE_GID = 1000  # the learner's uid in its namespace
OUTSIDE_UID_AS_ROOT = OUTSIDE_GID_AS_ROOT = 65534  # what it maps to when the grader runs as root

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]


class SetupError(Exception):
    pass


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(code)} ({errno.errorcode.get(code, code)})")


def _mount(source: Optional[str], target: str, fstype: Optional[str], flags: int, data: Optional[str] = None):
    _check(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(), flags,
                       data and data.encode()), f"mount {fstype or source or ''} on {target}")


def unavailable_reason() -> Optional[str]:
    """Why namespaces cannot even be tried here, or None."""
    if not sys.platform.startswith("linux"):
        return f"not Linux ({sys.platform})"
    if os.uname().machine not in _PIVOT_ROOT:
        return f"pivot_root's number is not known for {os.uname().machine}"
    try:
        if int(Path("/proc/sys/user/max_user_namespaces").read_text()) == 0:
            return "user namespaces are disabled (user.max_user_namespaces = 0)"
    except (OSError, ValueError):
        pass
    return None


def isolate(scratch: Path, roots: Iterable[Path], hidden: Iterable[Path],
            quota_bytes: int) -> Tuple[bool, Union[List[str], str]]:
    """Move the rest of this process's work into namespaces.

    Returns (True, lines of the isolation report) in the confined process, or (False, reason)
    in this same process when namespaces could not be set up (it is then unchanged). On
    success this process never returns: it waits for the confined one and exits as it exits.
    """
    reason = unavailable_reason()
    if reason:
        return False, reason
    roots, hidden = list(roots), list(hidden)
    as_root = os.geteuid() == 0
    status_r, status_w = os.pipe()
    go_r, go_w = os.pipe()
    parent = os.getpid()
    setup = os.fork()
    if setup == 0:  # C
        os.close(status_r)
        os.close(go_w)
        try:
            _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:
                os._exit(1)
            _check(_libc.unshare(FLAGS), "unshare")
            if as_root:
                os.write(status_w, b"map\n")
                if os.read(go_r, 16) != b"go":
                    os._exit(1)
            else:
                _map_self()
            init = os.fork()
            if init == 0:  # D, PID 1 of the new PID namespace
                os.close(go_r)
                description = _become_confined(scratch, roots, hidden, quota_bytes, as_root)
                os.write(status_w, b"ok\n")
                os.close(status_w)
                return True, description
            _follow(init)
        except BaseException as error:  # never back into the caller's code in the wrong process
            try:
                message = str(error) if isinstance(error, SetupError) else f"{type(error).__name__}: {error}"
                os.write(status_w, ("fail " + message.replace("\n", " ")[:400] + "\n").encode())
            finally:
                os._exit(1)
    # P
    os.close(status_w)
    os.close(go_r)
    reader = os.fdopen(status_r, "rb", buffering=0)
    try:
        while True:
            line = _read_line(reader)
            if line == "map":
                try:
                    _map_for_root(setup)
                except OSError as error:
                    os.kill(setup, signal.SIGKILL)
                    os.waitpid(setup, 0)
                    return False, f"writing the uid map: {error.strerror}"
                os.write(go_w, b"go")
            elif line == "ok":
                break
            else:
                os.waitpid(setup, 0)
                return False, line[5:] if line.startswith("fail ") else "the setup process ended early"
    finally:
        reader.close()
        os.close(go_w)
    _follow(setup)


def _read_line(reader) -> str:
    data = b""
    while not data.endswith(b"\n"):
        chunk = reader.read(1)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace").strip()


def _map_self() -> None:
    """An unprivileged process may map its own uid and gid, once setgroups is denied."""
    uid, gid = os.geteuid(), os.getegid()
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{INSIDE_UID} {uid} 1\n")
    Path("/proc/self/gid_map").write_text(f"{INSIDE_GID} {gid} 1\n")


def _map_for_root(pid: int) -> None:
    """Written from outside by root: inside 0 is outside 0 while the mounts are made, inside
    1000 (the learner) is outside 65534."""
    Path(f"/proc/{pid}/uid_map").write_text(f"0 0 1\n{INSIDE_UID} {OUTSIDE_UID_AS_ROOT} 1\n")
    Path(f"/proc/{pid}/gid_map").write_text(f"0 0 1\n{INSIDE_GID} {OUTSIDE_GID_AS_ROOT} 1\n")


def _follow(child: int) -> None:
    """Wait for child and end the same way: the trusted side sees this process's status.
    Waiting needs no file and no privilege, so this process keeps neither."""
    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    confine.drop_capabilities()
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            os._exit(1)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        try:
            signal.signal(number, signal.SIG_DFL)
        except (OSError, ValueError):  # SIGKILL and SIGSTOP have no handler to reset
            pass
        os.kill(os.getpid(), number)
        os._exit(128 + number)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


# --- inside the namespaces (D) ----------------------------------------------------

def _become_confined(scratch: Path, roots: List[Path], hidden: List[Path], quota_bytes: int,
                     as_root: bool) -> List[str]:
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    files = _read_tree(scratch)
    # No user namespace below this one: a new one would bring back the capabilities to
    # mount an unbounded tmpfs or bring a loopback interface up.
    Path("/proc/sys/user/max_user_namespaces").write_text("0")
    new_root = str(scratch)  # any directory will do as the mount point of the new root
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,nr_inodes=4096,mode=0755")
    _populate(new_root, roots, hidden)
    inside_scratch = new_root + str(scratch)
    os.makedirs(inside_scratch, exist_ok=True)
    _mount("tmpfs", inside_scratch, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
           f"size={quota_bytes},nr_inodes=1024,mode=0700,uid={INSIDE_UID},gid={INSIDE_GID}")
    os.makedirs(new_root + "/proc", exist_ok=True)
    # Only possible from inside the PID namespace, and before the old root (the fully
    # visible /proc the kernel asks for) is gone. subset=pid (Linux 5.8) leaves out
    # everything but the processes, which are the namespace's own.
    try:
        _mount("proc", new_root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "subset=pid")
    except SetupError:
        _mount("proc", new_root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.chdir(new_root)
    _check(_libc.syscall(_PIVOT_ROOT[os.uname().machine], b".", b"."), "pivot_root")
    _check(_libc.umount2(b".", MNT_DETACH), "unmounting the old root")
    os.chdir("/")
    _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    _drop_identity(as_root)
    for relative, data in files.items():
        path = scratch / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    os.chdir(scratch)
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # changing uid cleared it
    outside = f"uid {OUTSIDE_UID_AS_ROOT} outside" if as_root else "the grader's own uid outside"
    quota = f"{quota_bytes // 1024 ** 2} MiB" if quota_bytes % 1024 ** 2 == 0 else f"{quota_bytes} bytes"
    listed = ", ".join(str(r) for r in roots if str(r) in confine.SYSTEM_ROOTS)
    return [DESCRIPTION,
            f"files: a private read-only root holding only the Python runtime and {listed}; "
            f"scratch: a {quota} tmpfs",
            "network: none (no interfaces); processes: only its own visible",
            f"uid {INSIDE_UID} in its user namespace ({outside}), no capabilities"]


def _read_tree(root: Path) -> Dict[str, bytes]:
    files = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            files[str(path.relative_to(root))] = path.read_bytes()
    return files


def _populate(new_root: str, roots: List[Path], hidden: List[Path]) -> None:
    """Bind each read root, read-only, at its own path under new_root; mask hidden paths."""
    bound: List[Path] = []
    for root in sorted(roots, key=lambda p: len(Path(os.path.realpath(p)).parts)):
        resolved = _replicate(new_root, root)
        if resolved is None or any(b == resolved or b in resolved.parents for b in bound):
            continue
        target = new_root + str(resolved)
        if resolved.is_dir():
            os.makedirs(target, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if not os.path.exists(target):
                open(target, "wb").close()
        device = str(resolved).startswith("/dev/")
        _mount(str(resolved), target, None, MS_BIND | MS_REC)
        _read_only(target, keep_devices=device)
        bound.append(resolved)
    os.makedirs(new_root + "/.empty", exist_ok=True)
    open(new_root + "/.empty-file", "wb").close()
    for path in hidden:
        path = Path(os.path.realpath(path))
        if not any(b in path.parents for b in bound) or not os.path.lexists(path):
            continue
        empty = new_root + ("/.empty" if path.is_dir() else "/.empty-file")
        _mount(empty, new_root + str(path), None, MS_BIND)
        _read_only(new_root + str(path), keep_devices=False)


def _read_only(target: str, keep_devices: bool) -> None:
    current = os.statvfs(target).f_flag
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | (0 if keep_devices else MS_NODEV)
    for stat_flag, mount_flag in _KEEP:
        if current & stat_flag:
            flags |= mount_flag
    _mount(None, target, None, flags)


def _replicate(new_root: str, path: Path, depth: int = 0) -> Optional[Path]:
    """Make path reachable under new_root as on the host: create the symbolic links met on the
    way (their targets are made reachable in turn). Returns path with no links, or None."""
    if depth > 16:
        return None
    resolved = Path("/")
    for part in Path(path).parts[1:]:
        step = resolved / part
        if os.path.islink(step):
            inside = new_root + str(step)
            if not os.path.lexists(inside):
                os.makedirs(os.path.dirname(inside), exist_ok=True)
                os.symlink(os.readlink(step), inside)
            target = Path(os.path.normpath(os.path.join(str(resolved), os.readlink(step))))
            resolved = _replicate(new_root, target, depth + 1)
            if resolved is None:
                return None
        else:
            resolved = step
    return resolved if os.path.lexists(resolved) else None


def _drop_identity(as_root: bool) -> None:
    for capability in range(64):
        _libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)
    if as_root:
        os.setgroups([])
        os.setresgid(INSIDE_GID, INSIDE_GID, INSIDE_GID)
        os.setresuid(INSIDE_UID, INSIDE_UID, INSIDE_UID)  # from uid 0: clears every capability
    if confine.drop_capabilities() is None:
        raise SetupError("dropping capabilities failed")
    _libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)
    if os.getuid() != INSIDE_UID or _effective_capabilities() != 0:
        raise SetupError("the worker kept a privileged identity")


def _effective_capabilities() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return int(line.split()[1], 16)
    return -1
