"""Faults the box and the network inflict on the integration, one at a time.

Each fault returns once it is over (the box answers again); recovering from
it is the integration's job, which the run then waits for and checks.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from dataclasses import dataclass
from enum import StrEnum

from custom_components.vitrea.vbox import (
    ClientConfig,
    Installation,
    Key,
    KeyCategory,
    KeyType,
    Node,
    Protocol,
    VBoxClient,
    VBoxError,
)
from custom_components.vitrea.vbox.host.vth import VTHCommand, VTHFrame
from custom_components.vitrea.vbox.vtu.enums import CommandId, Direction
from custom_components.vitrea.vbox.vtu.frames import PREFIX
from simulator import HostSimulator, ReplyFault, VBoxSimulator
from simulator.host_server import TEXT_ANSWER
from tools.harness import PASSWORD, USERNAME, BoxServer
from tools.soak.actions import wall_keys
from tools.soak.rig import Rig

# A half-open link must be noticed by the heartbeat well within this.
STALL_DETECTION_LIMIT_S = 40.0
_HOST = "127.0.0.1"


class Fault(StrEnum):
    DROP = "drop"  # the box closes the connection
    DROP_MID_FRAME = "drop_mid_frame"  # ... in the middle of a push
    GARBAGE = "garbage"  # bytes that are no frame
    BAD_CHECKSUM = "bad_checksum"  # a push whose checksum is wrong
    HALF_OPEN = "half_open"  # the box stops answering until the heartbeat gives up
    PAUSE = "pause"  # the box stops answering for a moment (under the heartbeat's limit)
    SLOW = "slow"  # answers take longer than the request timeout
    IN_USE = "in_use"  # another client takes the box's only slot
    RESTART = "restart"  # the box's server restarts at once
    REBOOT = "reboot"  # the box is unreachable for a few seconds
    TOPOLOGY = "topology"  # restarted with a keypad added (or removed again)
    MALFORMED = "malformed"  # the next replies do not decode (too short; or a bad length)
    MALFORMED_READBACK = "malformed_readback"  # a drop, then a bad reply in the state read-back
    LATE = "late"  # the next replies come after the client's timeout, out of order
    SLOW_BOX = "slow_box"  # a drop, then requests too soon after a reply are ignored
    PUSH_DELAY = "push_delay"  # a command's state push follows its ACK late
    # Port 11502 only.
    NO_OK = "no_ok"  # commands are answered by their status line alone, without OK
    ECHO = "echo"  # the box echoes every command line back
    DUPLICATE = "duplicate"  # every status line comes twice


@dataclass(frozen=True, slots=True)
class Plan:
    """How a fault behaves, for the scheduler."""

    disconnects: bool  # the integration must notice a dropped link
    budget_s: float  # started only if this much time is left: fault plus recovery
    lasting: bool = False  # the box stays so through the recovery and its check (see end())


PLANS: dict[Fault, Plan] = {
    Fault.DROP: Plan(True, 6),
    Fault.DROP_MID_FRAME: Plan(True, 6),
    Fault.GARBAGE: Plan(False, 3),
    Fault.BAD_CHECKSUM: Plan(False, 3),
    Fault.HALF_OPEN: Plan(True, 35),
    Fault.PAUSE: Plan(False, 6),
    Fault.SLOW: Plan(False, 20),
    Fault.IN_USE: Plan(True, 25),
    Fault.RESTART: Plan(True, 6),
    Fault.REBOOT: Plan(True, 20),
    Fault.TOPOLOGY: Plan(True, 10),
    Fault.MALFORMED: Plan(False, 20),
    Fault.MALFORMED_READBACK: Plan(True, 20),
    Fault.LATE: Plan(False, 20),
    Fault.SLOW_BOX: Plan(True, 30, lasting=True),
    Fault.PUSH_DELAY: Plan(False, 15, lasting=True),
    Fault.NO_OK: Plan(False, 15, lasting=True),
    Fault.ECHO: Plan(False, 15, lasting=True),
    Fault.DUPLICATE: Plan(False, 15, lasting=True),
}

_HOST_ONLY = (Fault.NO_OK, Fault.ECHO, Fault.DUPLICATE)
# What each port can suffer. On 11502 the box serves several clients (no "in use").
FAULTS: dict[Protocol, tuple[Fault, ...]] = {
    Protocol.VTU: tuple(f for f in Fault if f not in _HOST_ONLY),
    Protocol.HOST: tuple(f for f in Fault if f is not Fault.IN_USE),
}

# A reply fault waits this long for requests to spoil (a command or a heartbeat
# comes within seconds), then is called off.
SPOIL_WAIT_S = 15.0
# Some vBox models drop requests closer than 50-100 ms to their last reply.
SLOW_BOX_GAP_S = (0.05, 0.1)
# The one capture of a command shows its push about 100 ms after the ACK.
PUSH_DELAY_S = (0.05, 0.3)
# What a port-11502 client gets of a status line cut by a dropped connection.
_HALF_LINE = b"S:N00"


def possible(fault: Fault, rig: Rig) -> bool:
    """Whether ``fault`` can be inflicted now without breaking the checks' premises."""
    box = rig.box
    if fault is Fault.PAUSE:
        # A timer that runs out while the box pauses would lose its push (see PAUSE).
        return not any(
            box.key_state(node_id, key.id).timer == 1
            for node_id, key in wall_keys(box.installation)
        )
    return True


async def inject(fault: Fault, rig: Rig, rng: random.Random) -> str:
    """Inflict ``fault`` and end it; return what was done, for the progress lines."""
    box, server = rig.box, rig.server
    match fault:
        case Fault.DROP | Fault.DROP_MID_FRAME:
            await _drop(server, mid_frame=fault is Fault.DROP_MID_FRAME)
            return "connection closed"
        case Fault.GARBAGE:
            data = _garbage(rng, rig.protocol)
            await server.send_raw(data)
            return f"{len(data)} bytes of garbage"
        case Fault.BAD_CHECKSUM:
            if isinstance(server, HostSimulator):
                await server.send_raw(_bad_vth_frame())
                return "a VTH frame with a bad checksum"
            await server.send_bad_checksum()
            return "a push with a bad checksum"
        case Fault.HALF_OPEN:
            return await _half_open(rig)
        case Fault.PAUSE:
            seconds = rng.uniform(0.5, 2.0)
            # The simulator drops pushes while stalled. A real box that pauses sends
            # them late instead; lost pushes on a link that stays up are not a fault
            # a push-driven client can see, so the wall stays still meanwhile.
            with rig.pushes.closed():
                server.stalled = True
                try:
                    await asyncio.sleep(seconds)
                finally:
                    server.stalled = False
            return f"no answers for {seconds:.1f} s"
        case Fault.SLOW:
            return await _slow(rig, rng)
        case Fault.IN_USE:
            return await _in_use(rig, rng)
        case Fault.RESTART:
            await _restart(rig)
            return "server restarted"
        case Fault.REBOOT:
            seconds = rng.uniform(1.0, 5.0)
            await server.stop()
            try:
                await asyncio.sleep(seconds)
            finally:
                await server.start(_HOST, rig.tap.upstream_port)
            return f"unreachable for {seconds:.1f} s"
        case Fault.TOPOLOGY:
            installation, what = toggled_extra_node(box.installation)
            await _restart(rig, installation)
            return what
        case Fault.MALFORMED | Fault.MALFORMED_READBACK:
            return await _malformed(rig, rng, readback=fault is Fault.MALFORMED_READBACK)
        case Fault.LATE:
            return await _late(rig, rng)
        case Fault.SLOW_BOX:
            server.min_gap = rng.uniform(*SLOW_BOX_GAP_S)
            await _drop(server)
            return f"dropped; requests within {server.min_gap * 1000:.0f} ms of a reply are ignored"
        case Fault.PUSH_DELAY:
            server.push_delay = rng.uniform(*PUSH_DELAY_S)
            return f"pushes follow their ACK after {server.push_delay * 1000:.0f} ms"
        case Fault.NO_OK | Fault.ECHO | Fault.DUPLICATE:
            host = _host_server(rig)
            setattr(host, _HOST_KNOBS[fault], True)
            return _HOST_WHAT[fault]


_HOST_KNOBS: dict[Fault, str] = {
    Fault.NO_OK: "omit_ok",
    Fault.ECHO: "echo",
    Fault.DUPLICATE: "duplicate_status",
}
_HOST_WHAT: dict[Fault, str] = {
    Fault.NO_OK: "commands answered without OK, by their status line alone",
    Fault.ECHO: "every command line echoed back",
    Fault.DUPLICATE: "every status line sent twice",
}


def _host_server(rig: Rig) -> HostSimulator:
    server = rig.server
    assert isinstance(server, HostSimulator), "a port-11502 fault on port 11501"
    return server


def end(fault: Fault, server: BoxServer) -> str:
    """End a lasting fault once its recovery was checked; what the box saw meanwhile."""
    match fault:
        case Fault.SLOW_BOX:
            server.min_gap = 0.0
            return f"{server.ignored} requests ignored so far"
        case Fault.PUSH_DELAY:
            server.push_delay = 0.0
        case Fault.NO_OK | Fault.ECHO | Fault.DUPLICATE:
            assert isinstance(server, HostSimulator)
            setattr(server, _HOST_KNOBS[fault], False)
    return ""


async def _drop(server: BoxServer, *, mid_frame: bool = False) -> None:
    """Close every client's connection; ``mid_frame``: after half a push."""
    if isinstance(server, VBoxSimulator):
        await server.drop_connections(mid_frame=mid_frame)
        return
    if mid_frame:
        await server.send_raw(_HALF_LINE)
    await server.drop_connections()


async def _restart(rig: Rig, installation: Installation | None = None) -> None:
    """Restart the box's server (serving ``installation`` if given) on the same port.

    A box restarts whole: with port 11502, its server goes down before the new home
    is in place and comes back after, on the same port.
    """
    server = rig.server
    if isinstance(server, VBoxSimulator):
        await server.restart(installation)
        return
    port = server.port
    await server.stop()
    try:
        if installation is not None:
            await rig.box.restart(installation)
    finally:
        await server.start(_HOST, port)


def _pending(server: BoxServer) -> bool:
    """A reply fault still to spoil a reply (on 11501: or a late reply not written yet)."""
    if isinstance(server, VBoxSimulator):
        return server.reply_faults_pending
    return bool(server.reply_faults)


def _bad_vth_frame() -> bytes:
    """A VTH reply (a room list) whose checksum is wrong."""
    data = bytearray(VTHFrame(Direction.FROM_VBOX, VTHCommand.ROOM_NUMBERS, b"\x00").to_bytes())
    data[-1] ^= 0xFF
    return bytes(data)


async def _malformed(rig: Rig, rng: random.Random, *, readback: bool) -> str:
    """The next replies (or, after a drop, a KeyStatus of the read-back) do not decode."""
    server = rig.server
    host = rig.protocol is Protocol.HOST
    # A status line garbled on 11502; on 11501 too short or with a corrupted length.
    spoil = ReplyFault.SHORT if host else rng.choice((ReplyFault.SHORT, ReplyFault.LENGTH))
    if readback:
        count = 1
        # On 11502 the read-back is the status sweep: any reply of it.
        server.malform_replies(spoil, count, command=TEXT_ANSWER if host else CommandId.KEY_STATUS)
        await _drop(server)
    else:
        count = rng.randint(1, 2)
        server.malform_replies(spoil, count)
    what = f"{count} {spoil} repl{'y' if count == 1 else 'ies'}"
    return await _spoiled(rig, what + (" in the read-back" if readback else ""))


async def _late(rig: Rig, rng: random.Random) -> str:
    """The next replies come after the client gave up on them."""
    coordinator = rig.coordinator
    config = coordinator.client.config if coordinator else ClientConfig()
    delay = config.request_timeout + rng.uniform(0.5, 1.5)
    count = rng.randint(1, 3)
    rig.server.delay_replies(delay, count)
    return await _spoiled(rig, f"{count} repl{'y' if count == 1 else 'ies'} {delay:.1f} s late")


async def _spoiled(rig: Rig, what: str) -> str:
    """Wait until the box spoiled the replies it was told to (or give up)."""
    server = rig.server
    done = await rig.wait_for(lambda: not _pending(server), SPOIL_WAIT_S)
    server.clear_reply_faults()
    return what if done else f"{what}: not all within {SPOIL_WAIT_S:g} s, called off"


def _garbage(rng: random.Random, protocol: Protocol) -> bytes:
    """Junk: on 11501 no frame; on 11502 a line that is no line of the protocol."""
    if protocol is Protocol.HOST:
        # A whole line: junk that a real line then follows would garble that line
        # too, and with it a push no client could recover until the next sweep.
        # Its first byte starts no known line and no VTH frame.
        body = bytes(b for b in rng.randbytes(rng.randint(1, 64)) if b not in b"\r\n")
        return b"\xff" + body + b"\r\n"
    # No frame prefix: a made-up header could announce a long frame and hold back
    # real ones until the heartbeat gives up, which is a different fault.
    while PREFIX in (data := rng.randbytes(rng.randint(1, 64))):
        pass
    return data


async def _half_open(rig: Rig) -> str:
    """Silence until the client's heartbeat declares the link dead."""
    start = rig.now()
    rig.server.stalled = True
    try:
        detected = await rig.wait_for(lambda: rig.dropped_since(start), STALL_DETECTION_LIMIT_S)
    finally:
        rig.server.stalled = False
    if not detected:
        return f"NOT DETECTED within {STALL_DETECTION_LIMIT_S:g} s"
    return f"detected after {rig.now() - start:.1f} s"


async def _slow(rig: Rig, rng: random.Random) -> str:
    """Answers later than the client waits, for a while."""
    coordinator = rig.coordinator
    config = coordinator.client.config if coordinator else ClientConfig()
    latency = config.request_timeout + rng.uniform(0.5, 1.5)
    seconds = rng.uniform(2.0, 8.0)
    # The simulator computes an answer before its latency while pushes go out at
    # once, so a key read during a wall change would be answered with the state
    # before it, after it. A real box answers in order: the wall waits.
    with rig.pushes.closed():
        rig.server.latency = latency
        try:
            await asyncio.sleep(seconds)
        finally:
            rig.server.latency = 0
        await asyncio.sleep(latency)  # the last slow answer still to come
    return f"answers after {latency:.1f} s for {seconds:.1f} s"


async def _in_use(rig: Rig, rng: random.Random) -> str:
    """Drop the integration and let another client take the box before it is back."""
    other = VBoxClient(_HOST, rig.box.port, USERNAME, PASSWORD, config=ClientConfig())
    await rig.box.drop_connections()
    try:
        await other.connect()
    except VBoxError as err:
        # The integration reconnected first (it waits a second): the fault did not happen.
        return f"the other client could not connect: {err}"
    seconds = rng.uniform(2.0, 8.0)
    try:
        await asyncio.sleep(seconds)
    finally:
        await other.close()
    return f"another client held the box for {seconds:.1f} s"


# A keypad an installer adds to the installation, then removes again.
_EXTRA_KEYS = (
    Key(0, KeyType.DIMMER, KeyCategory.LIGHT, "Soak Desk Lamp"),
    Key(1, KeyType.TOGGLE, KeyCategory.LIGHT, "Soak Shelf Light"),
    Key(2, KeyType.BOILER, KeyCategory.BOILER, "Soak Boiler"),
)
_EXTRA_MAC_PREFIX = "00:15:8D:00:50:AC:00:"


def is_extra(node: Node) -> bool:
    """The keypad TOPOLOGY faults add and remove: commands leave it alone.

    Told by its key names: port 11502 reports no MAC.
    """
    return [key.name for key in node.keys] == [key.name for key in _EXTRA_KEYS]


def toggled_extra_node(installation: Installation) -> tuple[Installation, str]:
    """The installation with the extra keypad added, or removed if it is there.

    Built from the box's current installation: keypad settings changed through
    the protocol are kept.
    """
    kept = tuple(n for n in installation.nodes if not is_extra(n))
    if len(kept) < len(installation.nodes):
        return dataclasses.replace(installation, nodes=kept), "restarted without the extra keypad"
    used = {n.id for n in installation.nodes}
    # Past the highest id, as an installer's new keypad usually is (254: the last
    # byte value that is no broadcast-like 255); else the first gap.
    node_id = max(used, default=0) + 1
    if node_id > 254:
        node_id = next(i for i in range(1, 255) if i not in used)
    room_id = installation.rooms[0].id if installation.rooms else 0
    extra = Node(node_id, f"{_EXTRA_MAC_PREFIX}{node_id:02X}", 37, room_id, _EXTRA_KEYS, (7, 9, 3))
    return (
        dataclasses.replace(installation, nodes=(*installation.nodes, extra)),
        f"restarted with an extra keypad (node {node_id})",
    )
