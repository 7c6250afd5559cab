"""Confine the current process before it runs untrusted code (Linux; best effort elsewhere).

Each measure reports whether it is in force, so the grader can say which isolation
a grade was made under. Applied by the worker to itself, after it has imported the
grader's own code and before it loads the submission.
"""
import ctypes
import os
import resource
import site
import sys
from pathlib import Path
from typing import Dict, Iterable, List, NamedTuple, Optional, Set

# Names on the Python path the worker must not read: the answer key and the grader.
PROTECTED_TOP_LEVEL = ("solutions", "grader", "tests", "exercises")

_libc = ctypes.CDLL(None, use_errno=True)

# Landlock (linux/landlock.h)
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_REMOVE_DIR, _FS_REMOVE_FILE, _FS_MAKE_CHAR, _FS_MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
_FS_MAKE_REG, _FS_MAKE_SOCK, _FS_MAKE_FIFO, _FS_MAKE_BLOCK = 1 << 8, 1 << 9, 1 << 10, 1 << 11
_FS_MAKE_SYM, _FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 12, 1 << 13, 1 << 14, 1 << 15
_FILE_ONLY = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_PR_SET_NO_NEW_PRIVS = 38
_PR_CAPBSET_DROP = 24


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    if not sys.platform.startswith("linux"):
        return 0
    abi = _libc.syscall(_SYS_CREATE_RULESET, None, 0, 1)  # LANDLOCK_CREATE_RULESET_VERSION
    return max(abi, 0)


def _handled_fs(abi: int) -> int:
    access = (1 << 13) - 1
    if abi >= 2:
        access |= _FS_REFER
    if abi >= 3:
        access |= _FS_TRUNCATE
    if abi >= 5:
        access |= _FS_IOCTL_DEV
    return access


# Outside the Python runtime, the worker reads system libraries, the dynamic loader's
# cache and the time zone, and four devices: listed exactly. Not /etc as a whole (it holds
# /etc/shadow, which uid 0 reads through the owner bits even with no capability), not
# /proc (the grader's command line, environment and open files) and not /sys.
SYSTEM_ROOTS = ("/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/localtime",
                "/dev/null", "/dev/urandom", "/dev/random")


class ReadSet(NamedTuple):
    """What the worker may read: each of `roots` as a whole, except the `hidden` paths beneath them."""

    roots: List[Path]
    hidden: List[Path]


def _protected(entry: Path) -> bool:
    top = entry.name.split("-")[0].split(".")[0]
    return (top in PROTECTED_TOP_LEVEL or entry.suffix == ".pth" or entry.name.startswith("__editable__")
            or "gradient_descent_kata" in entry.name or "gradient-descent-kata" in entry.name)


def read_set() -> ReadSet:
    """The Python runtime and the system files it needs, never the project.

    In the directories of installed packages, the grader's own packages, the solutions,
    .pth files and editable-install hooks are hidden, so that an installed copy of the
    grader or of the solutions stays unreadable.
    """
    stdlib = Path(os.path.dirname(os.__file__)).resolve()
    site_dirs = {Path(p).resolve() for p in site.getsitepackages() + [site.getusersitepackages()]
                 if os.path.isdir(p)}
    site_dirs |= {Path(p).resolve() for p in sys.path if p.endswith("site-packages") and os.path.isdir(p)}
    roots: List[Path] = [stdlib, *sorted(site_dirs)]
    hidden: List[Path] = []
    if (stdlib / "site-packages").resolve() not in site_dirs:
        hidden.append(stdlib / "site-packages")
    for directory in sorted(site_dirs):
        try:
            hidden += [entry for entry in directory.iterdir() if _protected(entry)]
        except OSError:
            continue
    base_lib = Path(sys.base_prefix).resolve() / "lib"
    if base_lib.is_dir():
        roots += [e for e in base_lib.iterdir() if e.resolve() != stdlib and not e.name.startswith("python")]
    roots += [Path(p) for p in SYSTEM_ROOTS]
    roots += [Path(sys.executable), Path(sys.executable).resolve()]
    return ReadSet([r for r in roots if os.path.lexists(r)], [h for h in hidden if os.path.lexists(h)])


def readable_roots(read: Optional[ReadSet] = None) -> List[Path]:
    """The read set as Landlock rules: a rule grants a whole tree, so a root with hidden paths
    beneath it is granted child by child along the way to them."""
    read = read or read_set()
    hidden = {os.path.realpath(h) for h in read.hidden}
    paths: List[Path] = []
    for root in read.roots:
        real = os.path.realpath(root)
        inside = {h for h in hidden if h == real or h.startswith(real + "/")}
        paths += [Path(p) for p in _without(real, inside)] if inside else [root]
    return paths


def _without(real: str, hidden: Set[str]) -> List[str]:
    """real's children, recursively, except the hidden paths (real has no symbolic links)."""
    if real in hidden:
        return []
    paths: List[str] = []
    with os.scandir(real) as entries:
        for entry in entries:
            if entry.is_symlink():  # a link's target is granted, or not, in its own right
                continue
            below = {h for h in hidden if h.startswith(entry.path + "/")}
            if below and entry.is_dir():
                paths += _without(entry.path, below)
            elif entry.path not in hidden:
                paths.append(entry.path)
    return paths


def apply_landlock(scratch: Path, read_roots: Iterable[Path]) -> Optional[str]:
    """Confine file access to read-only read_roots and read-write scratch; deny TCP (ABI 4),
    abstract Unix sockets and signals to processes outside the sandbox (ABI 6). Returns a
    description, or None if unavailable. UDP is not covered by any ABI up to 7."""
    abi = landlock_abi()
    if abi < 1:
        return None
    handled = _handled_fs(abi)
    attr = _RulesetAttr(handled, (_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0,
                        (_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL) if abi >= 6 else 0)
    size = 24 if abi >= 6 else 16 if abi >= 4 else 8
    ruleset = _libc.syscall(_SYS_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        return None
    read = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
    rules = ([(p, read) for p in read_roots]
             + [(scratch, handled), (Path("/dev/null"), _FS_READ_FILE | _FS_WRITE_FILE)])
    for path, access in rules:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue
        if not path.is_dir():
            access &= _FILE_ONLY
        rule = _PathBeneathAttr(access & handled, fd)
        _libc.syscall(_SYS_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0)
        os.close(fd)
    if (_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
            or _libc.syscall(_SYS_RESTRICT_SELF, ruleset, 0) != 0):
        os.close(ruleset)
        return None
    os.close(ruleset)
    parts = [f"Landlock ABI {abi}: files limited to a scratch directory and the read-only Python runtime"]
    if abi >= 4:
        parts.append("no TCP")
    if abi >= 6:
        parts.append("no abstract sockets or signals outside the sandbox")
    return ", ".join(parts)


def set_limits(limits: Dict[str, int], labels: Optional[Dict[str, str]] = None) -> List[str]:
    """Apply resource limits; returns what was set, described by labels where the number itself
    depends on the machine (so that reports stay byte-identical)."""
    labels = labels or {}
    applied = []
    table = {"cpu_seconds": resource.RLIMIT_CPU, "memory_bytes": resource.RLIMIT_AS,
             "file_bytes": resource.RLIMIT_FSIZE, "processes": resource.RLIMIT_NPROC,
             "open_files": resource.RLIMIT_NOFILE}
    for key, value in limits.items():
        try:
            resource.setrlimit(table[key], (value, value))
            applied.append(f"{key}={labels.get(key, value)}")
        except (ValueError, OSError):
            pass
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return applied


def drop_privileges(uid: int, gid: int) -> Optional[str]:
    """As root: become uid/gid, or failing that keep uid 0 with every capability dropped."""
    if os.geteuid() != 0:
        return None
    try:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        return f"running as unprivileged uid {uid}"
    except OSError:
        pass
    return drop_capabilities()


def drop_capabilities() -> Optional[str]:
    for cap in range(64):
        _libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    header = Header(0x20080522, 0)
    data = (Data * 2)()
    if _libc.capset(ctypes.byref(header), data) != 0:
        return None
    return "root with every capability dropped"


def runtime_readable_by_others() -> bool:
    """Can an unprivileged user run this Python and import its packages? (Not when it lives
    under a private /root, or in a virtual environment inside a private directory.)"""
    paths = {Path(sys.executable).resolve(), Path(os.__file__).resolve(), Path(sys.executable).absolute()}
    paths |= {Path(p) for p in site.getsitepackages() if os.path.isdir(p)}
    for path in paths:
        for parent in list(path.parents)[:-1]:
            if not os.stat(parent).st_mode & 0o001:
                return False
        if not os.stat(path).st_mode & 0o004:
            return False
    return True
