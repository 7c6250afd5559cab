"""The worker: a confined process that runs a submission's code and answers in plain data.

Started by `grader.sandbox.process.Worker`. It talks only through the two pipe file
descriptors it is given; its stdout and stderr lead nowhere. Its first message from
the trusted side says where the submission is and how to confine itself.
"""
import os
import sys
from pathlib import Path
from typing import Optional

from .channel import _SCALARS, _dumps, _loads


def confine_self(start: dict, scratch: Path):
    """Apply every layer of confinement the start message asks for and the system allows.

    Returns the isolation line's parts, each layer saying whether it is in force, and
    the names of the layers in force (for GRADER_REQUIRE)."""
    from . import confine, namespaces

    in_force, layers = [], []
    read = confine.read_set()  # listed while the worker can still read everything
    landlock_roots = confine.readable_roots(read)
    namespaced = False
    if not start.get("namespaces", True):
        in_force.append("namespaces: off (GRADER_NAMESPACES=off)")
    else:
        # From here on, on success, this is a new process: PID 1 of its own namespaces.
        namespaced, outcome = namespaces.isolate(scratch, read.roots, read.hidden, start["quota_bytes"])
        in_force += outcome if namespaced else [f"namespaces: unavailable ({outcome})"]
    limits, labels = dict(start.get("limits", {})), dict(start.get("limit_labels") or {})
    uid = start.get("uid")
    if namespaced:
        layers.append("namespaces")
        limits["processes"] = start["namespace_processes"]  # counted in the namespace alone
        labels.pop("processes", None)
    elif os.geteuid() == 0 and uid is None and "processes" in labels:
        labels["processes"] += " (not enforced for uid 0)"
    applied = confine.set_limits(limits, labels)
    if applied:
        in_force.append("limits: " + ", ".join(applied))
    if not namespaced:
        if os.geteuid() == 0:
            dropped = confine.drop_privileges(uid, uid) if uid is not None else confine.drop_capabilities()
            if dropped:
                in_force.append(dropped)
        in_force.append("scratch: no size bound; network: UDP open; "
                        "other processes visible (without namespaces)")
    if not start.get("landlock", True):
        in_force.append("Landlock: off")
    else:
        landlocked = confine.apply_landlock(scratch, landlock_roots + ([Path("/proc")] if namespaced else []))
        if landlocked:
            layers.append("landlock")
        in_force.append(landlocked
                        or "Landlock: unavailable (needs Linux 5.13 or later with Landlock enabled)")
    return in_force, layers


def main(read_fd: int, write_fd: int) -> None:
    # Everything the worker itself needs is imported before the submission can run.
    from ..kata import quadratic
    from . import guard, runtime
    from .channel import Channel, RemoteError, TooLarge
    from .messages import MAX_MESSAGE

    state = {}

    def stand_in(name):
        return lambda *args: channel.call({"reference": name}, args)

    def serve(message):
        fn, args = message.get("fn") or {}, channel.decode(message.get("args") or [])
        seed = int(message.get("seed", 0))
        try:
            if "callable" in fn:
                reply = runtime.invoke(channel.exported(fn["callable"]), args, seed)
            elif "many" in fn:
                replies, previous = [], None
                for call in message["kwargs"]["calls"]:
                    # A patch may last through the next calls of the same function (one test's calls:
                    # its points alone), never into another function's call. Restoring after every
                    # call cost half the worker's time in a replayed grade.
                    function = _function_of(call)
                    if replies and (function is None or function != previous):
                        restore()
                    previous = function
                    args = _filled(call["args"], replies)
                    replies.append(_SKIPPED if args is _MISSING else
                                   serve({"fn": call["fn"], "args": args, "seed": call["seed"]}))
                reply = {"op": "return", "value": replies, "mutated": [], "printed": ""}
            elif "experiment" in fn:
                reply = runtime.run_experiment(state["loaded"], fn["experiment"], message["kwargs"], seed)
            else:
                name = fn["exercise"]
                function = state["loaded"].functions.get(name)
                if function is None:
                    return {"op": "raise", "type": "NameError", "is_exception": False, "where": [],
                            "message": f"name '{name}' is not defined"}
                keep = name if fn.get("isolate") else None
                with runtime.isolated(state["loaded"], keep, state["stand_ins"]):
                    reply = runtime.invoke(function, args, seed,
                                           answer_if_changed=bool(fn.get("checks_a_run")))
        finally:
            if message.get("top"):
                channel.forget_exports()
                restore()
        return reply

    def restore():
        """Undo the submission's patches before the worker's own code runs again (guard.py), the
        channel object's own attributes included (a replaced `send` would forge every reply)."""
        state["snapshot"].restore()
        attributes, saved = vars(channel), state["channel"]
        # By identity: a planted object could claim equality.
        if len(attributes) != len(saved) or any(attributes.get(k, saved) is not v for k, v in saved.items()):
            attributes.clear()
            attributes.update(saved)

    for fd in (read_fd, write_fd):
        os.set_inheritable(fd, False)  # programs the submission starts must not hold the protocol's pipes
    channel = Channel(read_fd, write_fd, serve, local={"quadratic": (quadratic.local, quadratic.NOT_LOCAL)})
    channel.send_limit = MAX_MESSAGE  # what the trusted side accepts: a larger reply would cost a restart

    def send(reply):
        try:
            size = _size(reply.get("value"), MAX_MESSAGE)
            if size > MAX_MESSAGE:  # no need to encode it to know
                raise TooLarge(size)
            channel.send(reply)
        except TooLarge as error:
            # For the trusted side to put in words (process.py); it believes nothing here anyway.
            channel.send({"op": "raise", "type": "ValueTooLarge", "message": str(error.size),
                          "is_exception": False, "where": [], "printed": ""})
    start = channel.receive()
    scratch = Path(start["scratch"])
    in_force, layers = confine_self(start, scratch)
    # The grader's own directory leaves the path before the submission arrives.
    sys.path[:] = [p for p in sys.path if p and Path(p).resolve() != Path(start["grader_root"]).resolve()]
    sys.path.insert(0, str(scratch))
    os.chdir(scratch)
    state["stand_ins"] = {name: stand_in(name) for name in start["functions"]}
    state["snapshot"] = guard.Snapshot()
    state["channel"] = dict(vars(channel))
    try:
        modules = runtime.import_modules(scratch, start["kind"])
    except BaseException as error:  # the submission's import-time failures, exits included
        restore()
        reply = runtime.describe_exception(error)
        reply["op"] = "failed"
        channel.send(reply)
        os._exit(0)
    restore()  # before any more of the worker's own code runs
    state["loaded"] = runtime.Loaded(modules)
    channel.send({"op": "ready", "functions": sorted(state["loaded"].functions), "isolation": in_force,
                  "layers": layers, "notes": state["loaded"].notes})
    while True:
        message = channel.receive()
        if message["op"] != "call":
            break
        try:
            send(serve(message))
        except RemoteError as error:
            send(error.reply)
    os._exit(0)


_MISSING = object()
# A call whose argument is the value of an earlier call of the batch that gave none (it raised).
_SKIPPED = {"op": "raise", "type": "Skipped", "message": "", "is_exception": False, "where": [],
            "printed": ""}


def _function_of(call) -> Optional[str]:
    """The exercise function a call of a batch calls; None for anything else (restored after)."""
    fn = call.get("fn") if isinstance(call, dict) else None
    name = fn.get("exercise") if isinstance(fn, dict) else None
    return name if isinstance(name, str) else None


def _filled(args, replies):
    """args with every {"$value": k} replaced by a copy of the value of the batch's k-th reply.

    The trusted side chains the calls of an epoch it checks this way (target.py), in one round
    trip: what it would have sent as the next call's argument is what the last call returned.
    _MISSING when such a value is missing (a call that raised, or a k out of range)."""
    if isinstance(args, list):
        filled = [item if type(item) in _SCALARS else _filled(item, replies) for item in args]
        return _MISSING if any(item is _MISSING for item in filled) else filled
    if isinstance(args, dict) and "$value" in args:
        index = args["$value"]
        if type(index) is not int or not 0 <= index < len(replies) or replies[index].get("op") != "return":
            return _MISSING
        return _loads(_dumps(replies[index].get("value")))  # a copy: each call gets its own
    return args


def _size(value, limit: int) -> int:
    """About how many bytes value takes as JSON, counting no further than past limit."""
    size, stack = 0, [value]
    while stack and size <= limit:
        item = stack.pop()
        if isinstance(item, str):
            size += len(item) + 2
        elif isinstance(item, (list, tuple)):
            size += len(item) + 2
            stack.extend(item)
        elif isinstance(item, dict):
            size += 4 * len(item) + 2
            stack.extend(item.keys())
            stack.extend(item.values())
        else:
            size += 4
    return size


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
