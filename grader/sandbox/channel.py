"""Length-prefixed JSON messages over a pair of pipes, with nested calls both ways.

A request waits for its reply; while it waits, the other side may call back (the
worker asking the trusted side for a correct `subtract`, or for the value of the
test's `f`), and those calls are served on the same pipes. Callables inside
arguments travel as {"$fn": id} and are called back where they live. A callable sent
back to the side it came from travels as {"$back": id} and is that side's own object
again: the worker handing the test's `f` on to a stand-in costs no round trips through
the worker each time the stand-in calls it. A callable the trusted side can describe
(`portable`, the tests' f) also carries its description, and the worker computes it
itself (`local`) for the arguments it can: no round trip at all.

The two ends do not trust alike. The worker trusts what the trusted side sends. The
trusted side gives its channel a `parse` (sandbox/messages.py) that checks every
message against its schema, a smaller size limit, and a `watch` that is called while it
waits for the worker (every WATCH_SLICE seconds) and may end the wait by raising.
"""
import itertools
import json
import os
import select
import struct
import time
from typing import Callable, Dict, Optional, Tuple

MAX_MESSAGE = 64 * 1024 * 1024  # what the worker accepts from the trusted side
WATCH_SLICE = 0.05
_HEADER = struct.Struct(">I")
# Bound here so that the worker's guard, which restores this module's names, covers them.
_read, _write, _select, _monotonic = os.read, os.write, select.select, time.monotonic
_dumps, _loads = json.dumps, json.loads
_SCALARS = frozenset((int, float, str, bool, type(None)))  # exactly these types: a subclass may be callable


class ChannelClosed(Exception):
    """The other side went away or broke the protocol."""


class ProtocolError(ChannelClosed):
    """The other side sent something the protocol does not allow: `reason` and `fields`
    say what (the text sandbox.bad_message.<reason> of grader/text)."""

    def __init__(self, reason: str, **fields):
        super().__init__(f"{reason} {fields}" if fields else reason)
        self.reason, self.fields = reason, fields


class TooLarge(Exception):
    """A message this side was about to send is over `send_limit`: nothing was sent."""

    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


class ChannelTimeout(Exception):
    """No reply before the deadline."""


class RemoteError(Exception):
    """The other side's function raised; carries its plain description."""

    def __init__(self, reply: Dict):
        super().__init__(f"{reply.get('type', 'Error')}: {reply.get('message', '')}")
        self.reply = reply


class _Remote:
    """A callable of the other side: calling it is a call over the channel."""

    __slots__ = ("channel", "key", "deadline")

    def __init__(self, channel: "Channel", key, deadline: Optional[float]):
        self.channel, self.key, self.deadline = channel, key, deadline

    def __call__(self, *args):
        return self.channel.call({"callable": self.key}, args, self.deadline)


class _Local:
    """A callable of the other side that this side computes itself when it can (compute returns
    anything but `unable`), and calls over the channel otherwise. It goes back as the other
    side's own object, like _Remote: what this side did to it never reaches the other side."""

    __slots__ = ("remote", "compute", "unable")

    def __init__(self, remote: _Remote, compute: Callable, unable):
        self.remote, self.compute, self.unable = remote, compute, unable

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs:
            value = self.compute(args[0])
            if value is not self.unable:
                return value
        return self.remote(*args, **kwargs)  # which fails as it did before for what it does not take


def _unknown(*args):
    """What a {"$back": id} naming nothing this side sent becomes: a function that fails."""
    raise LookupError("a function the grader never sent")


class Channel:
    def __init__(self, read_fd: int, write_fd: int, serve: Callable[[Dict], Dict], *,
                 limit: int = MAX_MESSAGE, parse: Optional[Callable[[bytes], Dict]] = None,
                 portable: Optional[Callable[[object], Optional[list]]] = None,
                 local: Optional[Dict[str, Tuple[Callable, object]]] = None):
        """portable (the trusted side's): a callable's [kind, *parameters], or None, sent with it;
        local (the worker's): kind -> (make, unable), make(*parameters) computing such a callable."""
        self.read_fd = read_fd
        self.write_fd = write_fd
        self.serve = serve  # answers {"op": "call", ...} messages from the other side
        self.limit = limit
        self.parse = parse  # bytes -> message, raising ValueError; None: plain JSON
        self.portable, self.local = portable, local or {}
        self.watch: Optional[Callable[[], None]] = None
        self._watched = 0.0  # when watch last ran
        self.send_limit: Optional[int] = None  # the largest message the other side accepts
        self._exported: Dict[int, Callable] = {}
        self._keys = itertools.count(1)
        self._buffer = bytearray()

    # --- encoding ---------------------------------------------------------
    def encode(self, value):
        if type(value) in _SCALARS:  # most of what is sent: nothing below applies to them
            return value
        if type(value) is _Remote and value.channel is self:
            return {"$back": value.key}
        if type(value) is _Local and value.remote.channel is self:
            return {"$back": value.remote.key}
        if callable(value) and not isinstance(value, type):
            key = next(self._keys)
            self._exported[key] = value
            description = self.portable(value) if self.portable is not None else None
            return {"$fn": key, "local": description} if description else {"$fn": key}
        if isinstance(value, (list, tuple)):
            return [v if type(v) in _SCALARS else self.encode(v) for v in value]
        return value

    def decode(self, value, deadline: Optional[float] = None):
        if type(value) in _SCALARS:
            return value
        if isinstance(value, dict) and "$fn" in value:
            remote = _Remote(self, value["$fn"], deadline)
            description = value.get("local")
            if self.local and isinstance(description, list) and description and description[0] in self.local:
                make, unable = self.local[description[0]]
                return _Local(remote, make(*description[1:]), unable)
            return remote
        if isinstance(value, dict) and "$back" in value:
            return self._exported.get(value["$back"], _unknown)
        if isinstance(value, list):
            return [v if type(v) in _SCALARS else self.decode(v, deadline) for v in value]
        return value

    def exported(self, key) -> Callable:
        return self._exported[key]

    def forget_exports(self) -> None:
        self._exported.clear()

    # --- framing ----------------------------------------------------------
    def send(self, message: Dict) -> None:
        body = _dumps(message).encode()
        if self.send_limit is not None and len(body) > self.send_limit:
            raise TooLarge(len(body))
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
                self._wait(deadline)
            chunk = _read(self.read_fd, max(size - len(buffer), 1 << 16))
            if not chunk:
                raise ChannelClosed("the other side closed the channel")
            buffer += chunk
        data = bytes(buffer[:size])
        del buffer[:size]
        return data

    def _wait(self, deadline: float) -> None:
        """Until there is something to read; raise ChannelTimeout at the deadline, or what watch raises.

        watch runs at least every WATCH_SLICE seconds, also when the other side keeps
        sending (a call that asks the trusted side for stand-ins in an endless loop)."""
        while True:
            now = _monotonic()
            remaining = deadline - now
            if remaining <= 0:
                raise ChannelTimeout()
            watch = self.watch
            if watch is not None and now - self._watched >= WATCH_SLICE:
                self._watched = now
                watch()
            if _select([self.read_fd], [], [], min(remaining, WATCH_SLICE) if watch else remaining)[0]:
                return

    def receive(self, deadline: Optional[float] = None) -> Dict:
        (size,) = _HEADER.unpack(self._read(_HEADER.size, deadline))
        if size > self.limit:
            raise ProtocolError("too_large", size=size, limit=self.limit)
        body = self._read(size, deadline)
        if self.parse is not None:
            try:
                return self.parse(body)
            except RecursionError:
                raise ProtocolError("too_deep", depth=0) from None
            except ValueError as error:
                reason, fields = getattr(error, "reason", "not_json"), getattr(error, "fields", {})
                raise ProtocolError(reason, **fields) from None
        try:
            message = _loads(body)
        except (ValueError, RecursionError) as error:
            raise ChannelClosed(f"a malformed message: {type(error).__name__}") from None
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
