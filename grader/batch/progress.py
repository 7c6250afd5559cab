"""A one-line progress bar with an estimate of the time left."""
import time


class Progress:
    """A one-line progress bar with an estimate of the time left."""

    def __init__(self, total: int, done: int, stream):
        self.total, self.done, self.stream = total, done, stream
        self.start_done, self.started = done, time.monotonic()
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.show()

    def advance(self):
        self.done += 1
        self.show()

    def show(self):
        elapsed = time.monotonic() - self.started
        graded = self.done - self.start_done
        left = (self.total - self.done) * elapsed / graded if graded else float("nan")
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        eta = f"~{left:.0f} s left" if graded and self.done < self.total else ""
        line = (f"[{'#' * filled}{'.' * (width - filled)}] "
                f"{self.done}/{self.total} graded, {elapsed:.0f} s {eta}")
        if self.tty:
            self.stream.write("\r" + line.ljust(78))
        elif self.done == self.total or graded % 10 == 0:
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self):
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
