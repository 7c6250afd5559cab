"""How much time a worker's call costs, counted so that the same code costs the same on any load.

Wall time depends on what else the machine runs: on two busy cores a call that needs
0.9 s of CPU can take seconds. So a call is charged what its worker did with its time,
not how long it took to come back:

    charged = CPU time of the worker's main thread
              + its time off the CPU that is neither waiting for a CPU (busy machine) nor
                waiting for the trusted side (serving a stand-in), beyond SLACK per call
              + the trusted side's time serving the call's requests, beyond SLACK per call

A sleeping call is charged its sleep, a computing call its computation, and neither
is charged for waiting its turn on a busy machine. SLACK absorbs the scheduling delays
no statistic sees (the trusted process itself waiting for a CPU before it reads the
reply), so an honest call is charged its CPU time only. The waiting comes from the
kernel's scheduler statistics (/proc/PID/schedstat, one read per call); where they are
missing, a call is charged its wall time.

The process measured must be the one that runs the submission. With namespaces that is
not the process the trusted side started but its grandchild (namespaces.py: P waits,
C waits, D runs the code), which process.confined_pid finds; measuring P, which only waits,
would charge every call its wall time, and a busy machine would change grades.
"""
import os
import time
from typing import Optional, Tuple

SLACK = 0.02  # seconds per call


def schedstat(pid: int, fd: Optional[int] = None) -> Optional[Tuple[float, float]]:
    """(seconds on a CPU, seconds waiting on a run queue) of pid's main thread, or None.

    fd: /proc/PID/schedstat kept open (read again from its start: one system call)."""
    try:
        if fd is not None:
            data = os.pread(fd, 128, 0)
        else:
            with open(f"/proc/{pid}/schedstat", "rb") as handle:
                data = handle.read()
        fields = data.split()
        return int(fields[0]) / 1e9, int(fields[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


class Meter:
    """Charges the calls of one worker process, one call at a time.

    Between calls the worker is blocked reading its pipe, so the reading taken at the
    end of one call is the start of the next: a call costs one read of schedstat.
    """

    def __init__(self, pid: int):
        self.fd: Optional[int] = None
        self.measure(pid)
        self.started = time.monotonic()
        self.served = 0.0

    def _read(self):
        return schedstat(self.pid, self.fd) if self.fd is not None else None

    def measure(self, pid: int) -> None:
        """Measure pid from the next call on (called between calls)."""
        self.close()
        self.pid = pid
        try:
            self.fd = os.open(f"/proc/{pid}/schedstat", os.O_RDONLY | os.O_CLOEXEC)
        except (OSError, AttributeError):
            self.fd = None
        self.mark = self._read()

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def start(self) -> None:
        self.started = time.monotonic()
        self.served = 0.0

    def charged(self, reading=None) -> float:
        """The charge of the current call so far."""
        wall = time.monotonic() - self.started
        reading = reading or self._read()
        if reading is None or self.mark is None:
            return wall
        cpu = reading[0] - self.mark[0]
        off_cpu = wall - (reading[1] - self.mark[1]) - cpu - self.served
        return cpu + max(0.0, off_cpu - SLACK) + max(0.0, self.served - SLACK)

    def finish(self) -> float:
        """The charge of the call that just ended; the next call is measured from here."""
        reading = self._read()
        charge = self.charged(reading)
        self.mark = reading
        return charge

