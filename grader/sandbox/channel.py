"""Length-prefixed JSON messages over a pair of pipes, with nested calls both ways.

A request waits for its reply; while it waits, the other side may call back (the
worker asking the trusted side for a correct `subtract`, or for the value of the
test's `f`), and those calls are served on the same pipes. Callables inside
arguments travel as {"$fn": id} and are called back where they live.
"""
import itertools
import json
import os
import select
import struct
import time
from typing import Callable, Dict, Optional

MAX_MESSAGE = 64 * 1024 * 1024
_HEADER = struct.Struct(">I")
# Bound here so that the worker's guard, which restores this module's names, covers them.
_read, _write, _select, _monotonic = os.read, os.write, select.select, time.monotonic
_dumps, _loads = json.dumps, json.loads


class ChannelClosed(Exception):
    """The other side went away or broke the protocol."""


class ChannelTimeout(Exception):
    """No reply before the deadline."""


class RemoteError(Exception):
    """The other side's function raised; carries its plain description."""

    def __init__(self, reply: Dict):
        super().__init__(f"{reply.get('type', 'Error')}: {reply.get('message', '')}")
        self.reply = reply


class Channel:
    def __init__(self, read_fd: int, write_fd: int, serve: Callable[[Dict], Dict]):
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.serve = serve  # answers {"op": "call", ...} messages from the other side
        self._exported: Dict[int, Callable] = {}
        self._keys = itertools.count(1)
        self._buffer = bytearray()

    # --- encoding ---------------------------------------------------------
    def encode(self, value):
        if callable(value) and not isinstance(value, type):
            key = next(self._keys)
            self._exported[key] = value
            return {"$fn": key}
        if isinstance(value, (list, tuple)):
            return [self.encode(v) for v in value]
        return value

    def decode(self, value, deadline: Optional[float] = None):
        if isinstance(value, dict) and "$fn" in value:
            key = value["$fn"]
            return lambda *args: self.call({"callable": key}, args, deadline)
        if isinstance(value, list):
            return [self.decode(v, deadline) for v in value]
        return value

    def exported(self, key) -> Callable:
        return self._exported[key]

    def forget_exports(self) -> None:
        self._exported.clear()

    # --- framing ----------------------------------------------------------
    def send(self, message: Dict) -> None:
        body = _dumps(message).encode()
        data = _HEADER.pack(len(body)) + body
        view = memoryview(data)
        while view:
            try:
                written = _write(self.write_fd, view)
            except (BrokenPipeError, OSError) as error:
                raise ChannelClosed(str(error)) from None
            view = view[written:]

    def _read(self, size: int, deadline: Optional[float]) -> bytes:
        buffer = self._buffer
        while len(buffer) < size:
            if deadline is not None:
                remaining = deadline - _monotonic()
                if remaining <= 0 or not _select([self.read_fd], [], [], remaining)[0]:
                    raise ChannelTimeout()
            chunk = _read(self.read_fd, max(size - len(buffer), 1 << 16))
            if not chunk:
                raise ChannelClosed("the other side closed the channel")
            buffer += chunk
        data = bytes(buffer[:size])
        del buffer[:size]
        return data

    def receive(self, deadline: Optional[float] = None) -> Dict:
        (size,) = _HEADER.unpack(self._read(_HEADER.size, deadline))
        if size > MAX_MESSAGE:
            raise ChannelClosed(f"a message of {size} bytes is over the limit")
        try:
            message = _loads(self._read(size, deadline))
        except ValueError as error:
            raise ChannelClosed(f"a malformed message: {error}") from None
        if not isinstance(message, dict) or not isinstance(message.get("op"), str):
            raise ChannelClosed("a malformed message")
        return message

    # --- calls ------------------------------------------------------------
    def request(self, message: Dict, deadline: Optional[float] = None) -> Dict:
        """Send message and return the reply, serving nested calls meanwhile."""
        self.send(message)
        while True:
            incoming = self.receive(deadline)
            if incoming["op"] in ("return", "raise"):
                return incoming
            if incoming["op"] == "call":
                self.send(self.serve(incoming))
            else:
                raise ChannelClosed(f"unexpected message {incoming['op']!r}")

    def call(self, fn: Dict, args, deadline: Optional[float] = None):
        """Call a function on the other side; return its decoded value or raise RemoteError."""
        reply = self.request({"op": "call", "fn": fn, "args": self.encode(list(args))}, deadline)
        if reply["op"] == "return":
            return self.decode(reply.get("value"), deadline)
        raise RemoteError(reply)
