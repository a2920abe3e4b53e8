"""A fake vBox: an asyncio TCP server speaking the box side of the VTU protocol.

Used by the tests, the benchmarks and the demo. It serves an :class:`Installation`
(rooms, nodes, keys) and keeps a state per key, answering every request of
docs/vbox-protocol.md §2 the way §10 says a client expects:

* every answer echoes the request's message id, acknowledgements are command 0x00;
* each frame goes out in one write;
* requests of one connection are handled strictly in order, ``latency`` seconds each;
* a ToggleKeyStatus is acknowledged first, then its 0x29 push (message id 0) follows,
  ``push_delay`` seconds later;
* a refused Login is answered with a NACK, then the connection is closed.

Knobs for fault tests: ``latency``, ``stalled`` (a half-open link), ``busy_mode``
(the single-client limit), ``min_gap`` (requests too close to the previous reply
are ignored, as some boxes do), ``push_delay``, ``close_after_refused_login``,
:meth:`VBoxSimulator.malform_replies` and :meth:`VBoxSimulator.delay_replies`
(see simulator_faults), :meth:`VBoxSimulator.drop_connections`,
:meth:`VBoxSimulator.send_raw`, :meth:`VBoxSimulator.send_bad_checksum`,
:meth:`VBoxSimulator.restart` and :meth:`VBoxSimulator.set_credentials`.

The command line and the control console are in simulator_cli:
``python -m custom_components.vitrea.vbox.simulator --help``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from .enums import (
    AckType,
    Direction,
    KeyCategory,
    KeyPowerStatus,
    KeyType,
    LEDBackgroundBrightness,
    LockStatus,
    ProtocolVersion,
)
from .errors import MessageError
from .frames import Frame, FrameDecoder
from .installation import Installation, InstallationFormatError, Key, Node, Room
from .messages import (
    BLIND_STOP,
    Acknowledgement,
    Heartbeat,
    InternalUnitStatuses,
    InternalUnitStatusesRequest,
    KeyParameters,
    KeyParametersRequest,
    KeyStatus,
    KeyStatusRequest,
    Login,
    Message,
    NodeCount,
    NodeCountRequest,
    NodeMetaData,
    NodeMetaDataRequest,
    NodeStatus,
    NodeStatusRequest,
    Reply,
    RoomCount,
    RoomCountRequest,
    RoomMetaData,
    RoomMetaDataRequest,
    ToggleHeartbeat,
    ToggleKeyStatus,
    ToggleNodeStatus,
    UnknownMessage,
    decode,
)
from .replay import installation_document, is_diagnostics
from .simulator_faults import ReplyFault, ReplyFaults

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT: Final = 11501
# A node count is one byte on the wire (0x24), so a box holds at most 255 nodes.
MAX_LARGE_NODES: Final = 255
_READ_SIZE: Final = 4096
_CLOSE_TIMEOUT: Final = 1.0

# Constant bytes of the captured samples (docs/vbox-protocol.md §2.4).
_KEY_PARAMS_EXTRA: Final = {
    ProtocolVersion.V1: bytes.fromhex("00 00 00 00 00 73 3A"),
    ProtocolVersion.V2: bytes.fromhex("00 78 78 01 64 01 00 00"),
}
_NODE_META_PADDING: Final = {ProtocolVersion.V1: b"\x00", ProtocolVersion.V2: b"\x00\x00"}
_KEY_STATUS_EXTRA: Final = b"\x00\x00"

_DIMMERS: Final = frozenset({KeyType.DIMMER, KeyType.DIMMER_MW})
_BLINDS: Final = frozenset({KeyType.BLIND, KeyType.BLIND_MW})
# Accepted before Login without a warning: the handshake itself.
_HANDSHAKE: Final = (Login, Heartbeat, ToggleHeartbeat)


class PressKind(StrEnum):
    """A press on a wall key, as the box reports it in a 0x29 push."""

    SHORT = "short"
    LONG = "long"
    RELEASE = "release"

    @property
    def status(self) -> KeyPowerStatus:
        return _PRESS_STATUS[self]


_PRESS_STATUS: Final = {
    PressKind.SHORT: KeyPowerStatus.SHORT,
    PressKind.LONG: KeyPowerStatus.LONG,
    PressKind.RELEASE: KeyPowerStatus.RELEASED,
}


class BusyMode(StrEnum):
    """What the box does with a second connection while one client is connected."""

    IN_USE = "in_use"  # answer its first request with Acknowledgement(IN_USE), then close
    REFUSE = "refuse"  # close it as soon as it is accepted
    ALLOW = "allow"  # serve it like the first one (pushes go to every client)


@dataclass(slots=True)
class _KeyState:
    """The load state of one key, as the box would report it."""

    key_type: KeyType
    status: KeyPowerStatus = KeyPowerStatus.OFF
    level: int = 0  # reported level: dimmer level or blind position
    memory: int = 0  # last dimmer level, restored by ON without a level
    deadline: float | None = None  # loop time at which a running timer turns the key off
    handle: asyncio.TimerHandle | None = None
    pending_minutes: int = 0  # a timer not armed yet (no running loop, or stopped)

    def cancel_timer(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
        self.handle = None
        self.deadline = None
        self.pending_minutes = 0


@dataclass(eq=False, slots=True)
class _Connection:
    """One accepted client socket and the task serving it."""

    writer: asyncio.StreamWriter
    peer: str
    busy: bool  # accepted while the box was in use: refused at its first request
    task: asyncio.Task[None] | None = None
    logged_in: bool = False
    login_refused: bool = False
    warned_no_login: bool = False
    discarded: int = 0
    last_reply: float | None = None  # loop time of the last reply written

    def send(self, data: bytes) -> None:
        """Write bytes in one write, unless the socket is already closing."""
        if not self.writer.is_closing():
            self.writer.write(data)


class VBoxSimulator:
    """A fake vBox serving one installation on a real TCP port."""

    def __init__(
        self,
        installation: Installation,
        *,
        username: str = "admin",
        password: str = "admin",
        layout: ProtocolVersion | None = None,
        latency: float = 0.0,
        busy_mode: BusyMode = BusyMode.IN_USE,
        states: Iterable[KeyStatus] = (),
        minute: float = 60.0,
        min_gap: float = 0.0,
        push_delay: float = 0.0,
        close_after_refused_login: bool = True,
    ) -> None:
        """Serve ``installation``; ``states`` override the default OFF of listed keys.

        ``layout`` None follows ``installation.protocol_version``. ``minute`` is the
        length in seconds of one timer minute (tests make it tiny). ``min_gap``:
        a request arriving sooner than this after the previous reply is ignored.
        ``push_delay``: seconds between a command's ACK and its 0x29 push.
        """
        if minute <= 0:
            raise ValueError("minute must be positive")
        if min_gap < 0 or push_delay < 0:
            raise ValueError("min_gap and push_delay cannot be negative")
        self._installation = installation
        self._username = username
        self._password = password
        self._layout_override = layout
        self.latency = latency
        self.busy_mode = busy_mode
        self.minute = minute
        self.stalled = False
        self.min_gap = min_gap
        self.push_delay = push_delay
        self.close_after_refused_login = close_after_refused_login
        self.ignored = 0  # requests ignored for arriving within min_gap of a reply
        self.reply_faults = ReplyFaults()
        self._delayed_pushes: deque[tuple[float, Callable[[], KeyStatus]]] = deque()
        self._delayed_handle: asyncio.TimerHandle | None = None
        self._late_replies: set[asyncio.TimerHandle] = set()
        # Another client (the Vitrea app, say) holds the box: new connections get IN_USE.
        self.held_elsewhere = False
        self.received: list[Frame] = []
        self._states: dict[tuple[int, int], _KeyState] = {}
        self._connections: list[_Connection] = []
        self._server: asyncio.Server | None = None
        self._accepting = False
        self._host = "127.0.0.1"
        self._port = 0
        self._reset_states(installation, {})
        for status in states:
            self._apply_initial(status)

    # ------------------------------------------------------------------ properties

    @property
    def port(self) -> int:
        """The bound port (0 before ``start()``)."""
        return self._port

    @property
    def installation(self) -> Installation:
        """The installation served, with lock/LED changes made through the protocol."""
        return self._installation

    @property
    def layout(self) -> ProtocolVersion:
        """The NodeMetaData/KeyParameters layout of the answers."""
        return self._layout_override or self._installation.protocol_version

    @property
    def connected_clients(self) -> int:
        """Clients being served (a second client about to be refused is not counted)."""
        return sum(1 for conn in self._connections if not conn.busy)

    @property
    def running(self) -> bool:
        return self._server is not None

    def clear_received(self) -> None:
        self.received.clear()

    def set_credentials(self, username: str, password: str) -> None:
        """Change the accepted login (e.g. a password change on the box)."""
        self._username = username
        self._password = password

    def key_state(self, node_id: int, key_id: int) -> KeyStatus:
        """The state the box would answer for a key; KeyError for a key that does not exist."""
        return self._status_of(node_id, key_id, self._state(node_id, key_id))

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on ``host:port`` (0: any free port); return the bound port."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        self._accepting = True
        try:
            self._server = await asyncio.start_server(self._accept, host, port)
        except BaseException:
            self._accepting = False
            raise
        self._host = host
        self._port = self._server.sockets[0].getsockname()[1]
        self._arm_pending_timers()
        _LOGGER.info("vBox simulator listening on %s:%d", host, self._port)
        return self._port

    async def stop(self) -> None:
        """Close every client connection and the server; cancel every timer."""
        await self._shutdown()
        for state in self._states.values():
            if state.handle is not None:
                # Keep what is left so a later start() resumes the timer.
                minutes = self._remaining_minutes(state)
                state.cancel_timer()
                state.pending_minutes = minutes

    async def restart(self, installation: Installation | None = None) -> None:
        """Drop every client, stop listening, optionally swap the installation, listen again.

        States of keys that still exist survive; the port stays the same.
        """
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        await self._shutdown()
        if installation is not None:
            old = self._states
            self._installation = installation
            self._reset_states(installation, old)
        await self.start(self._host, self._port)

    def _cancel_delayed(self) -> None:
        """Forget pushes and late replies not written yet."""
        if self._delayed_handle is not None:
            self._delayed_handle.cancel()
            self._delayed_handle = None
        self._delayed_pushes.clear()
        for handle in self._late_replies:
            handle.cancel()
        self._late_replies.clear()

    async def _shutdown(self) -> None:
        self._cancel_delayed()  # a box that goes down forgets what it had still to send
        self._accepting = False
        server, self._server = self._server, None
        if server is not None:
            server.close()
        await self._close_connections(list(self._connections))
        if server is not None:
            await server.wait_closed()

    # ------------------------------------------------------------------ knobs

    async def press_key(self, node_id: int, key_id: int, kind: PressKind) -> None:
        """Push a press of a wall key (0x29 with S, L or R); the load state is unchanged."""
        state = self._state(node_id, key_id)
        current = self._status_of(node_id, key_id, state)
        self._push(replace(current, status=PressKind(kind).status))

    async def set_key_state(
        self,
        node_id: int,
        key_id: int,
        status: KeyPowerStatus,
        level: int | None = None,
        timer: int | None = None,
    ) -> None:
        """Change a key as if from the wall and push its new state.

        ``level`` None keeps the dimmer level (100 if none) or, for a blind, its
        position (fully open if closed). ``timer`` is in minutes.
        """
        state = self._state(node_id, key_id)
        status = KeyPowerStatus(status)
        if status.is_press:
            await self.press_key(node_id, key_id, _press_kind(status))
            return
        if status not in (KeyPowerStatus.ON, KeyPowerStatus.OFF):
            raise ValueError(f"{status.name} is not a key state")
        if level is not None and not 0 <= level <= 100:
            raise ValueError(f"level {level} is not 0-100")
        self._apply(node_id, key_id, state, status, level=level, timer=timer or 0)
        self._push(self._status_of(node_id, key_id, state))

    async def drop_connections(self, *, mid_frame: bool = False) -> None:
        """Close every client socket; with ``mid_frame`` first send half of a 0x29 frame."""
        first = None
        if mid_frame:
            data = self._sample_push()
            first = data[: len(data) // 2]
        await self._close_connections(list(self._connections), first)

    async def send_raw(self, data: bytes) -> None:
        """Write arbitrary bytes to every served client."""
        served = [conn for conn in self._connections if not conn.busy]
        for conn in served:
            conn.send(data)
        for conn in served:
            # Bounded: a client that stopped reading must not hang the caller.
            with contextlib.suppress(ConnectionError, TimeoutError):
                async with asyncio.timeout(_CLOSE_TIMEOUT):
                    await conn.writer.drain()

    def malform_replies(
        self,
        fault: ReplyFault = ReplyFault.SHORT,
        count: int | None = 1,
        *,
        every: int = 1,
        command: int | None = None,
    ) -> None:
        """Spoil the next ``count`` replies (None: all), every ``every``-th one.

        ``command`` limits it to the answers of one request command (e.g.
        ``CommandId.KEY_STATUS``). SHORT cuts the payload until it no longer
        decodes, with a valid checksum; LENGTH corrupts the length field.
        """
        if fault is ReplyFault.LATE:
            raise ValueError("use delay_replies() for late replies")
        self.reply_faults.add(fault, count, every=every, command=command)

    def delay_replies(
        self,
        delay: float,
        count: int | None = 1,
        *,
        every: int = 1,
        command: int | None = None,
    ) -> None:
        """Write the next ``count`` replies ``delay`` seconds late (None: all).

        The box goes on answering the requests that follow meanwhile, so a late
        reply also arrives out of order. A late KeyStatus tells the key's state
        when it is written, as a box answering late would.
        """
        self.reply_faults.add(ReplyFault.LATE, count, every=every, command=command, delay=delay)

    def clear_reply_faults(self) -> None:
        self.reply_faults.clear()

    @property
    def reply_faults_pending(self) -> bool:
        """A reply fault still to spoil a reply, or a late reply not written yet."""
        return bool(self.reply_faults) or bool(self._late_replies)

    async def send_bad_checksum(self) -> None:
        """Send every served client a 0x29 push whose checksum is wrong."""
        data = bytearray(self._sample_push())
        data[-1] = (data[-1] + 1) & 0xFF
        await self.send_raw(bytes(data))

    # ------------------------------------------------------------------ connections

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Called synchronously on every accept, so every serving task is known at once."""
        peer = _peer_name(writer)
        if not self._accepting:  # accepted while shutting down
            writer.transport.abort()
            return
        busy = self.held_elsewhere or (
            self.connected_clients > 0 and self.busy_mode is not BusyMode.ALLOW
        )
        if busy and self.busy_mode is BusyMode.REFUSE:
            _LOGGER.info("refusing %s: a client is already connected", peer)
            writer.close()
            return
        conn = _Connection(writer, peer, busy)
        self._connections.append(conn)
        conn.task = asyncio.get_running_loop().create_task(
            self._serve(conn, reader), name=f"vbox simulator client {peer}"
        )
        _LOGGER.debug("client %s connected%s", peer, " (box in use)" if busy else "")

    async def _serve(self, conn: _Connection, reader: asyncio.StreamReader) -> None:
        def on_discard(reason: object, data: bytes) -> None:
            conn.discarded += len(data)
            _LOGGER.debug("%s: discarded %d bytes (%s)", conn.peer, len(data), reason)

        decoder = FrameDecoder(Direction.TO_VBOX, on_discard=on_discard)
        loop = asyncio.get_running_loop()
        try:
            while True:
                data = await reader.read(_READ_SIZE)
                if not data:
                    break
                arrived = loop.time()
                for frame in decoder.feed(data):
                    self.received.append(frame)
                    if not await self._handle(conn, frame, arrived):
                        return
            if decoder.buffered:
                _LOGGER.debug(
                    "%s closed in the middle of a frame (%d bytes)", conn.peer, decoder.buffered
                )
        except (ConnectionError, OSError) as err:
            _LOGGER.debug("%s: connection lost: %s", conn.peer, err)
        except Exception:
            _LOGGER.exception("%s: unexpected error, closing the connection", conn.peer)
        finally:
            self._forget(conn)
            conn.writer.close()
            _LOGGER.debug("client %s disconnected", conn.peer)

    def _forget(self, conn: _Connection) -> None:
        if conn in self._connections:
            self._connections.remove(conn)

    async def _close_connections(
        self, connections: list[_Connection], first: bytes | None = None
    ) -> None:
        tasks = [conn.task for conn in connections if conn.task is not None]
        for conn in connections:
            if first is not None:
                conn.send(first)
            conn.writer.close()  # graceful: what was written still goes out
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for conn in connections:
            self._forget(conn)  # a task cancelled before it ran never did it
            try:
                async with asyncio.timeout(_CLOSE_TIMEOUT):
                    await conn.writer.wait_closed()
            except TimeoutError, ConnectionError, OSError:
                # A client that does not read keeps the socket from flushing.
                conn.writer.transport.abort()

    async def _handle(self, conn: _Connection, frame: Frame, arrived: float) -> bool:
        """Answer one frame read at loop time ``arrived``; False when the connection must close."""
        if self.stalled:
            _LOGGER.debug("%s: stalled, ignoring 0x%02X", conn.peer, frame.command)
            return True
        if self._too_soon(conn, arrived):
            self.ignored += 1
            _LOGGER.debug("%s: 0x%02X too soon after a reply, ignored", conn.peer, frame.command)
            return True
        if conn.busy:
            await self._wait_latency()
            if not self.stalled:
                _LOGGER.info("%s: box in use, answering IN_USE and closing", conn.peer)
                conn.send(Acknowledgement(AckType.IN_USE).to_frame(frame.message_id).to_bytes())
                await conn.writer.drain()
            return False

        after: Callable[[], None] | None = None
        try:
            message = decode(frame, self.layout)
        except MessageError as err:
            _LOGGER.warning("%s: bad 0x%02X request: %s", conn.peer, frame.command, err)
            reply: Reply = Acknowledgement(AckType.ERROR)
        else:
            self._check_login(conn, message)
            reply, after = self._answer(conn, message)

        await self._wait_latency()
        if self._muted():  # stalled while waiting
            return True
        self._reply(conn, frame, reply)
        if after is not None:
            after()
        await conn.writer.drain()
        if conn.login_refused and self.close_after_refused_login:
            _LOGGER.info("%s: closing the connection after a refused login", conn.peer)
            return False
        return True

    def _too_soon(self, conn: _Connection, arrived: float) -> bool:
        """Whether a request read at ``arrived`` came within ``min_gap`` of the last reply."""
        return (
            self.min_gap > 0
            and conn.last_reply is not None
            and arrived - conn.last_reply < self.min_gap
        )

    def _reply(self, conn: _Connection, request: Frame, reply: Reply) -> None:
        """Write ``reply`` to ``request``, spoiled or late if a reply fault says so."""
        answer = reply.to_frame(request.message_id)
        spoiled = self.reply_faults.spoil(request.command, answer) if self.reply_faults else None
        if spoiled is None:
            self._write_reply(conn, answer.to_bytes())
        elif spoiled.fault is ReplyFault.LATE:
            delay = spoiled.delay
            _LOGGER.debug("%s: 0x%02X answered %.2f s late", conn.peer, request.command, delay)
            self._write_late(conn, request.message_id, reply, delay)
        else:
            _LOGGER.debug("%s: 0x%02X answered %s", conn.peer, request.command, spoiled.fault)
            self._write_reply(conn, spoiled.data)

    def _write_reply(self, conn: _Connection, data: bytes) -> None:
        conn.send(data)
        conn.last_reply = asyncio.get_running_loop().time()

    def _write_late(self, conn: _Connection, message_id: int, reply: Reply, delay: float) -> None:
        def write() -> None:
            self._late_replies.discard(handle)
            if self.stalled or conn not in self._connections:
                return
            late = reply
            if isinstance(reply, KeyStatus) and (
                state := self._states.get((reply.node_id, reply.key_id))
            ):
                late = self._status_of(reply.node_id, reply.key_id, state)
            self._write_reply(conn, late.to_frame(message_id).to_bytes())

        handle = asyncio.get_running_loop().call_later(delay, write)
        self._late_replies.add(handle)

    def _muted(self) -> bool:
        # A method, not the attribute: a test may set ``stalled`` during the latency
        # await, which a type checker narrowing the attribute would call unreachable.
        return self.stalled

    async def _wait_latency(self) -> None:
        if self.latency > 0:
            await asyncio.sleep(self.latency)

    def _check_login(self, conn: _Connection, message: Message) -> None:
        if conn.logged_in or isinstance(message, _HANDSHAKE) or conn.warned_no_login:
            return
        conn.warned_no_login = True
        _LOGGER.warning(
            "%s: %s before a successful Login; answering anyway", conn.peer, message.name
        )

    # ------------------------------------------------------------------ requests

    def _answer(
        self, conn: _Connection, message: Message
    ) -> tuple[Reply, Callable[[], None] | None]:
        """The reply to a request and what to do once it is written."""
        installation = self._installation
        ack = Acknowledgement(AckType.ACK)
        match message:
            case Login(username=username, password=password):
                if username == self._username and password == self._password:
                    conn.logged_in = True
                    _LOGGER.debug("%s: logged in", conn.peer)  # credentials are never logged
                    return ack, None
                _LOGGER.warning("%s: login refused: wrong username or password", conn.peer)
                conn.login_refused = True
                return Acknowledgement(AckType.NACK), None
            case Heartbeat() | ToggleHeartbeat():
                return ack, None
            case RoomCountRequest():
                return RoomCount(tuple(room.id for room in installation.rooms)), None
            case RoomMetaDataRequest(room_id=room_id):
                room = installation.room(room_id)
                if room is None:
                    return self._reject(conn, message, f"no room {room_id}")
                return RoomMetaData(room.id, room.floor_id, room.name), None
            case NodeCountRequest():
                return NodeCount(tuple(node.id for node in installation.nodes)), None
            case NodeMetaDataRequest(node_id=node_id):
                node = installation.node(node_id)
                if node is None:
                    return self._reject(conn, message, f"no node {node_id}")
                return self._node_metadata(node), None
            case NodeStatusRequest(node_id=node_id):
                node = installation.node(node_id)
                if node is None:
                    return self._reject(conn, message, f"no node {node_id}")
                # (inferred) no implementation decodes 0x23 replies: node, lock, LED.
                return NodeStatus(bytes((node.id, node.lock, node.led_level))), None
            case KeyParametersRequest(node_id=node_id, key_id=key_id):
                key = _find_key(installation, node_id, key_id)
                if key is None:
                    return self._reject(conn, message, f"no key {node_id}/{key_id}")
                return self._key_parameters(node_id, key), None
            case KeyStatusRequest(node_id=node_id, key_id=key_id):
                state = self._states.get((node_id, key_id))
                if state is None:
                    return self._reject(conn, message, f"no key {node_id}/{key_id}")
                return self._status_of(node_id, key_id, state), None
            case ToggleKeyStatus():
                return self._toggle_key(conn, message)
            case ToggleNodeStatus(node_id=node_id, lock=lock, led_level=led):
                if installation.node(node_id) is None:
                    return self._reject(conn, message, f"no node {node_id}")
                return ack, lambda: self._set_node(node_id, lock, led)
            case InternalUnitStatusesRequest():
                return InternalUnitStatuses(b""), None
            case UnknownMessage():
                return self._reject(conn, message, "unknown command")
        return self._reject(conn, message, "not a request")  # pragma: no cover

    def _reject(
        self, conn: _Connection, message: Message, why: str
    ) -> tuple[Reply, Callable[[], None] | None]:
        _LOGGER.warning("%s: %s answered with ERROR: %s", conn.peer, message.name, why)
        return Acknowledgement(AckType.ERROR), None

    def _node_metadata(self, node: Node) -> NodeMetaData:
        return node_metadata(node, self.layout)

    def _key_parameters(self, node_id: int, key: Key) -> KeyParameters:
        return key_parameters(node_id, key, self.layout)

    def _toggle_key(
        self, conn: _Connection, request: ToggleKeyStatus
    ) -> tuple[Reply, Callable[[], None] | None]:
        node_id, key_id, action = request.node_id, request.key_id, request.action
        state = self._states.get((node_id, key_id))
        if state is None:
            return self._reject(conn, request, f"no key {node_id}/{key_id}")
        if action.is_press:
            press = _press_kind(action)

            def after_press() -> None:
                self._push_after_ack(
                    lambda: replace(self._status_of(node_id, key_id, state), status=press.status)
                )

            return Acknowledgement(AckType.ACK), after_press
        if action not in (KeyPowerStatus.ON, KeyPowerStatus.OFF):
            return self._reject(conn, request, f"action {action.name}")

        def after() -> None:
            if state.key_type in _BLINDS and request.dimmer == BLIND_STOP:
                _LOGGER.debug("blind %d/%d stopped", node_id, key_id)
            else:
                level = request.dimmer
                if state.key_type in _DIMMERS and level == 0:
                    level_arg: int | None = None  # keep the previous level
                else:
                    level_arg = min(level, 100)
                self._apply(node_id, key_id, state, action, level=level_arg, timer=request.timer)
            self._push_after_ack(lambda: self._status_of(node_id, key_id, state))

        return Acknowledgement(AckType.ACK), after

    def _set_node(self, node_id: int, lock: LockStatus, led: LEDBackgroundBrightness) -> None:
        installation = self._installation
        nodes = tuple(
            replace(node, lock=lock, led_level=led) if node.id == node_id else node
            for node in installation.nodes
        )
        self._installation = Installation(installation.rooms, nodes, installation.protocol_version)

    # ------------------------------------------------------------------ key states

    def _reset_states(
        self, installation: Installation, previous: dict[tuple[int, int], _KeyState]
    ) -> None:
        """One state per existing key; keep a previous state whose key still exists."""
        states: dict[tuple[int, int], _KeyState] = {}
        for node_id, key in _existing_keys(installation):
            old = previous.pop((node_id, key.id), None)
            if old is not None:
                old.key_type = key.type
                states[node_id, key.id] = old
            else:
                states[node_id, key.id] = _KeyState(key.type)
        for gone in previous.values():
            gone.cancel_timer()
        self._states = states

    def _apply_initial(self, status: KeyStatus) -> None:
        state = self._states.get((status.node_id, status.key_id))
        if state is None:
            raise ValueError(f"state given for key {status.node_id}/{status.key_id}, not a key")
        state.status = status.status
        state.level = status.level
        if status.level:
            state.memory = status.level
        if status.status is KeyPowerStatus.ON and status.timer:
            self._start_timer(status.node_id, status.key_id, state, status.timer)

    def _state(self, node_id: int, key_id: int) -> _KeyState:
        state = self._states.get((node_id, key_id))
        if state is None:
            raise KeyError(f"no key {node_id}/{key_id} in the installation")
        return state

    def _status_of(self, node_id: int, key_id: int, state: _KeyState) -> KeyStatus:
        return KeyStatus(
            node_id,
            key_id,
            state.status,
            state.level,
            self._remaining_minutes(state),
            _KEY_STATUS_EXTRA,
        )

    def _apply(
        self,
        node_id: int,
        key_id: int,
        state: _KeyState,
        action: KeyPowerStatus,
        *,
        level: int | None,
        timer: int,
    ) -> None:
        """Switch a key ON or OFF. ``timer`` (minutes) only matters for ON."""
        state.cancel_timer()
        if action is KeyPowerStatus.OFF:
            state.status = KeyPowerStatus.OFF
            state.level = 0
            return
        if state.key_type in _DIMMERS:
            if level:
                state.memory = level
            state.level = state.memory or 100
            state.memory = state.level
        elif state.key_type in _BLINDS:
            state.level = level if level is not None else (state.level or 100)
        else:
            state.level = 0
        if state.key_type in _BLINDS and state.level == 0:
            state.status = KeyPowerStatus.OFF  # position 0: closed
            return
        state.status = KeyPowerStatus.ON
        if timer:
            self._start_timer(node_id, key_id, state, timer)

    def _start_timer(self, node_id: int, key_id: int, state: _KeyState, minutes: int) -> None:
        state.cancel_timer()
        minutes = min(minutes, 0xFFFF)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            state.pending_minutes = minutes  # armed by start()
            return
        delay = minutes * self.minute
        state.deadline = loop.time() + delay
        state.handle = loop.call_later(delay, self._timer_expired, node_id, key_id, state)

    def _arm_pending_timers(self) -> None:
        for (node_id, key_id), state in self._states.items():
            if state.pending_minutes:
                self._start_timer(node_id, key_id, state, state.pending_minutes)

    def _timer_expired(self, node_id: int, key_id: int, state: _KeyState) -> None:
        state.handle = None
        state.deadline = None
        _LOGGER.debug("timer of key %d/%d ran out", node_id, key_id)
        state.status = KeyPowerStatus.OFF
        state.level = 0
        self._push(self._status_of(node_id, key_id, state))

    def _remaining_minutes(self, state: _KeyState) -> int:
        if state.deadline is None:
            return state.pending_minutes
        left = state.deadline - asyncio.get_running_loop().time()
        return max(1, min(0xFFFF, math.ceil(left / self.minute - 1e-9)))

    def _push_after_ack(self, status: Callable[[], KeyStatus]) -> None:
        """Push a command's effect now, or ``push_delay`` later (the state it has then).

        Delayed pushes keep their order: one timer serves a FIFO queue.
        """
        if self.push_delay <= 0 and not self._delayed_pushes:
            self._push(status())
            return
        loop = asyncio.get_running_loop()
        self._delayed_pushes.append((loop.time() + self.push_delay, status))
        if self._delayed_handle is None:
            self._delayed_handle = loop.call_at(self._delayed_pushes[0][0], self._push_due)

    def _push_due(self) -> None:
        loop = asyncio.get_running_loop()
        self._delayed_handle = None
        now = loop.time()
        self._push(self._delayed_pushes.popleft()[1]())  # the one this timer was for
        while self._delayed_pushes and self._delayed_pushes[0][0] <= now:
            self._push(self._delayed_pushes.popleft()[1]())
        if self._delayed_pushes:
            self._delayed_handle = loop.call_at(self._delayed_pushes[0][0], self._push_due)

    def _push(self, status: KeyStatus) -> None:
        """Send a 0x29 push (message id 0) to every served client."""
        if self.stalled:
            return
        data = status.to_frame(0).to_bytes()
        for conn in self._connections:
            if not conn.busy:
                conn.send(data)

    def _sample_push(self) -> bytes:
        """A valid 0x29 push of the first key (a made-up key if there is none)."""
        for (node_id, key_id), state in self._states.items():
            return self._status_of(node_id, key_id, state).to_frame(0).to_bytes()
        return KeyStatus(1, 0, KeyPowerStatus.OFF).to_frame(0).to_bytes()


def _peer_name(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


def _press_kind(status: KeyPowerStatus) -> PressKind:
    return next(kind for kind, value in _PRESS_STATUS.items() if value is status)


def node_metadata(node: Node, layout: ProtocolVersion) -> NodeMetaData:
    """The NodeMetaData reply a box sends for ``node``, in ``layout``."""
    return NodeMetaData(
        node_id=node.id,
        mac=node.mac,
        model=node.model,
        key_types=_key_types(node),
        lock=node.lock,
        led_level=node.led_level,
        firmware=node.firmware,
        room_id=node.room_id,
        layout=layout,
        padding=_NODE_META_PADDING[layout],
    )


def key_parameters(node_id: int, key: Key, layout: ProtocolVersion) -> KeyParameters:
    """The KeyParameters reply a box sends for ``key``, in ``layout``."""
    return KeyParameters(
        node_id, key.id, key.category, key.name, layout, extra=_KEY_PARAMS_EXTRA[layout]
    )


def _key_types(node: Node) -> tuple[KeyType, ...]:
    """The per-position key types of NodeMetaData: position = key id, gaps NOT_EXIST."""
    by_id = {key.id: key.type for key in node.keys}
    count = max(by_id, default=-1) + 1
    return tuple(by_id.get(position, KeyType.NOT_EXIST) for position in range(count))


def _find_key(installation: Installation, node_id: int, key_id: int) -> Key | None:
    node = installation.node(node_id)
    if node is None:
        return None
    return next((key for key in node.keys if key.id == key_id), None)


def _existing_keys(installation: Installation) -> Iterator[tuple[int, Key]]:
    for node in installation.nodes:
        for key in node.keys:
            if key.type.exists:
                yield node.id, key


# ---------------------------------------------------------------------- installations

_T = KeyType
_C = KeyCategory


def _key(key_id: int, key_type: KeyType, category: KeyCategory, name: str) -> Key:
    return Key(key_id, key_type, category, name)


def _keys(*specs: tuple[KeyType, KeyCategory, str]) -> tuple[Key, ...]:
    return tuple(_key(i, t, c, n) for i, (t, c, n) in enumerate(specs))


_NONE: Final = (_T.NOT_EXIST, _C.UNDEFINED, "")
_INACTIVE: Final = (_T.NOT_ACTIVE, _C.UNDEFINED, "")


def demo_installation() -> Installation:
    """A realistic Israeli home: Hebrew and English names, sparse node ids, every key type."""
    rooms = (
        Room(0, "כניסה"),
        Room(1, "סלון"),
        Room(2, "מטבח"),
        Room(3, "Master Bedroom", 1),
        Room(4, "חדר ילדים ", 1),  # the trailing space is the box's padding: clients trim it
        Room(5, "Bathroom", 1),
        Room(6, "Garden"),
        Room(7, "Office"),
        Room(8, "חדר כביסה"),
        Room(9, "מרפסת"),
    )
    unlocked, locked = LockStatus.UNLOCKED, LockStatus.LOCKED
    normal, low = LEDBackgroundBrightness.NORMAL, LEDBackgroundBrightness.LOW
    nodes = (
        Node(
            1,
            "00:15:8D:00:01:A2:3C:11",
            20,  # VT-MW3-SR3-ST3-10A
            0,
            _keys(
                (_T.TOGGLE, _C.LIGHT, "תאורת כניסה"),
                (_T.TOGGLE, _C.LIGHT, "Porch Light"),
                (_T.TOGGLE, _C.UNDEFINED, "שקע חשמל"),
                (_T.TOGGLE_SCENE, _C.SCENARIO, "יציאה מהבית"),
                (_T.TOGGLE_SCENE, _C.SCENARIO, "חזרה הביתה"),
                _NONE,
            ),
            (7, 9, 3),
            unlocked,
            normal,
        ),
        Node(
            2,
            "00:15:8D:00:01:A2:3C:2E",
            37,  # VT-MW3-DM3-400W
            1,
            _keys(
                (_T.DIMMER, _C.LIGHT, "תאורה ראשית"),
                (_T.DIMMER, _C.LIGHT, "ספוטים"),
                (_T.DIMMER, _C.LIGHT, "Dining Table"),
            ),
            (7, 9, 3),
        ),
        Node(
            3,
            "00:15:8D:00:01:A2:3D:07",
            7,  # VT-MW3-UD2-6A
            1,
            _keys(
                (_T.BLIND, _C.UNDEFINED, "תריס סלון"),
                (_T.BLIND, _C.UNDEFINED, "תריס יציאה למרפסת"),
                _INACTIVE,
            ),
            (7, 9, 3),
        ),
        Node(
            5,
            "00:0D:6F:00:0B:12:4C:93",
            5,  # VT-MW4-SR4-10A
            2,
            _keys(
                (_T.TOGGLE, _C.LIGHT, "תאורת מטבח"),
                (_T.TOGGLE, _C.LIGHT, "Under-cabinet LEDs"),
                (_T.TOGGLE, _C.FAN, "קולט אדים"),
                (_T.TOGGLE, _C.UNDEFINED, "מדיח כלים"),
            ),
            (7, 8, 1),
        ),
        Node(
            6,
            "00:0D:6F:00:0B:12:4D:20",
            2,  # VT-MW3-SR2-10A
            1,
            _keys(
                (_T.TOGGLE, _C.AUDIO, "מערכת שמע"),
                (_T.TOGGLE, _C.FAN, "מאוורר תקרה"),
            ),
            (7, 8, 1),
        ),
        Node(
            8,
            "00:15:8D:00:02:5F:10:8A",
            12,  # VT-MW3-ST6-02
            3,
            _keys(
                (_T.TOGGLE, _C.LIGHT, "Ceiling Light"),
                (_T.DIMMER_MW, _C.LIGHT, "מנורת לילה (MW)"),
                (_T.BLIND_MW, _C.UNDEFINED, "תריס חדר שינה (MW)"),
                (_T.SATELLITE, _C.UNDEFINED, "Satellite"),
                (_T.PUSH_BUTTON, _C.UNDEFINED, "לילה טוב"),
                _NONE,
            ),
            (8, 1, 2),
            unlocked,
            low,
        ),
        Node(
            11,
            "00:15:8D:00:02:5F:11:C4",
            93,  # VT-MW3-DM2-SR1-01
            3,
            _keys(
                (_T.DIMMER, _C.LIGHT, "מנורת לילה"),
                (_T.DIMMER, _C.LIGHT, "Reading Lamp"),
                (_T.TOGGLE, _C.LIGHT, "ארון בגדים"),
            ),
            (8, 1, 2),
        ),
        Node(
            13,
            "00:15:8D:00:02:60:01:7B",
            42,  # VT-MW4-DM4-400W
            4,
            _keys(
                (_T.DIMMER, _C.LIGHT, "תאורה"),
                (_T.DIMMER, _C.LIGHT, "מנורת לילה ילדים"),
                _INACTIVE,
                _NONE,
            ),
            (7, 9, 3),
            locked,
            normal,
        ),
        Node(
            14,
            "00:15:8D:00:02:60:02:D5",
            6,  # VT-MW3-UD1-6A
            3,
            _keys((_T.BLIND, _C.UNDEFINED, "תריס חדר שינה")),
            (7, 9, 3),
        ),
        Node(
            16,
            "00:0D:6F:00:0C:44:91:E2",
            30,  # VT-MW3-DP1-16A
            5,
            _keys((_T.BOILER, _C.BOILER, "דוד חשמל")),
            (7, 9, 3),
        ),
        Node(
            20,
            "00:0D:6F:00:0C:44:93:05",
            3,  # VT-MW3-SR3-10A
            6,
            _keys(
                (_T.TOGGLE, _C.LIGHT, "Garden Lights"),
                (_T.TOGGLE, _C.UNDEFINED, "השקיה"),
                (_T.DUAL_POLE, _C.UNDEFINED, "משאבת בריכה"),
            ),
            (7, 8, 1),
        ),
        Node(
            22,
            "00:15:8D:00:03:0A:77:41",
            14,  # VT-MW4-ST4-01
            7,
            _keys(
                (_T.TOGGLE, _C.LIGHT, "Office Light"),
                (_T.TOGGLE, _C.AUDIO, "Speakers"),
                (_T.SATELLITE, _C.UNDEFINED, "לוויין שולחן"),
                (_T.PUSH_BUTTON, _C.UNDEFINED, "Doorbell"),
            ),
            (8, 1, 2),
        ),
        Node(
            25,
            "00:15:8D:00:03:0A:78:9C",
            31,  # VT-MW3-NO1-10A
            9,
            _keys((_T.TOGGLE, _C.LIGHT, "תאורת מרפסת")),
            (7, 9, 3),
        ),
        Node(
            31,
            "00:0D:6F:00:0D:20:05:6B",
            49,  # VT-MW3-DPS-16A
            8,
            _keys((_T.DUAL_POLE, _C.UNDEFINED, "מייבש כביסה"), _NONE),
            (7, 9, 3),
        ),
    )
    return Installation(rooms, nodes, ProtocolVersion.V2)


def demo_states() -> list[KeyStatus]:
    """The demo's initial states: the living-room light at 60 %, a blind 40 % open, ..."""
    on = KeyPowerStatus.ON
    return [
        KeyStatus(2, 0, on, 60),
        KeyStatus(3, 0, on, 40),
        KeyStatus(20, 0, on),
        KeyStatus(6, 0, on),
    ]


# Node templates of large_installation: model and key positions (25 keys per 4 nodes).
_LARGE_TEMPLATES: Final[tuple[tuple[int, tuple[tuple[KeyType, KeyCategory], ...]], ...]] = (
    (
        5,
        (
            (_T.TOGGLE, _C.LIGHT),
            (_T.TOGGLE, _C.LIGHT),
            (_T.TOGGLE, _C.FAN),
            (_T.TOGGLE, _C.UNDEFINED),
        ),
    ),
    (
        12,
        (
            (_T.TOGGLE, _C.LIGHT),
            (_T.DIMMER, _C.LIGHT),
            (_T.BLIND, _C.UNDEFINED),
            (_T.SATELLITE, _C.UNDEFINED),
            (_T.TOGGLE, _C.LIGHT),
            (_T.PUSH_BUTTON, _C.UNDEFINED),
        ),
    ),
    (
        13,
        (
            (_T.DIMMER, _C.LIGHT),
            (_T.DIMMER, _C.LIGHT),
            (_T.TOGGLE, _C.LIGHT),
            (_T.TOGGLE, _C.LIGHT),
            (_T.BLIND, _C.UNDEFINED),
            (_T.BLIND, _C.UNDEFINED),
            (_T.SATELLITE, _C.UNDEFINED),
            (_T.SATELLITE, _C.UNDEFINED),
        ),
    ),
    (
        15,
        (
            (_T.TOGGLE, _C.LIGHT),
            (_T.DIMMER, _C.LIGHT),
            (_T.BLIND, _C.UNDEFINED),
            (_T.TOGGLE_SCENE, _C.SCENARIO),
            (_T.SATELLITE, _C.UNDEFINED),
            (_T.TOGGLE, _C.LIGHT),
            (_T.DIMMER, _C.LIGHT),
            (_T.NOT_EXIST, _C.UNDEFINED),
        ),
    ),
)


def large_installation(
    nodes: int, *, protocol_version: ProtocolVersion = ProtocolVersion.V2
) -> Installation:
    """A deterministic big installation: ``nodes`` nodes, ~6.25 keys each, 40 rooms per 64 nodes.

    Node ids skip every multiple of 7 (sparse, like real boxes) up to 219 nodes; a
    bigger home fills those gaps too, up to 255 (ids are bytes, 0 is not used).
    """
    if not 0 <= nodes <= MAX_LARGE_NODES:
        raise ValueError(f"large installation of {nodes} nodes: use 0-{MAX_LARGE_NODES}")
    room_count = max(1, round(nodes * 40 / 64))
    rooms = tuple(Room(r, f"Room {r}", r // 10) for r in range(room_count))
    sparse = [i for i in range(1, 256) if i % 7]
    ids = sorted([*sparse, *range(7, 256, 7)][:nodes])
    out: list[Node] = []
    for index, node_id in enumerate(ids):
        model, template = _LARGE_TEMPLATES[index % len(_LARGE_TEMPLATES)]
        keys = tuple(
            Key(k, t, c, f"Node {node_id} Key {k}" if t.exists else "")
            for k, (t, c) in enumerate(template)
        )
        out.append(
            Node(
                id=node_id,
                mac=f"00:15:8D:00:00:{index >> 8:02X}:{index & 0xFF:02X}:{node_id:02X}",
                model=model,
                room_id=index % room_count,
                keys=keys,
                firmware=(7, 9, 3),
            )
        )
    return Installation(rooms, tuple(out), protocol_version)


def load_installation(spec: str) -> tuple[Installation, list[KeyStatus]]:
    """``"demo"``, ``"large:N"`` or the path of a JSON file; returns it with its states.

    The file holds ``Installation.to_dict()`` output, optionally with a top-level
    ``"states"`` list of ``{"node_id", "key_id", "status", "level", "timer"}`` objects
    (what the client's ``dump`` prints), or is a diagnostics download (see replay.py).
    Raises InstallationFormatError (or ValueError for a bad ``large:N``) with a
    message that says what is wrong.
    """
    if spec == "demo":
        return demo_installation(), demo_states()
    if spec.startswith("large:"):
        count = spec.removeprefix("large:")
        if not count.isdigit():
            raise ValueError(f"{spec!r}: expected large:N with N a number of nodes")
        return large_installation(int(count)), []
    path = Path(spec)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InstallationFormatError(f"{spec}: no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InstallationFormatError(f"{spec}: cannot read: {err}") from None
    except json.JSONDecodeError as err:
        raise InstallationFormatError(f"{spec}: not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise InstallationFormatError(f"{spec}: expected a JSON object with rooms and nodes")
    try:
        if is_diagnostics(data):
            data = installation_document(data)
        installation = Installation.from_dict(data)
        states = [_state_from_dict(item) for item in data.get("states") or ()]
    except InstallationFormatError as err:
        raise InstallationFormatError(f"{spec}: {err}") from None
    existing = {(node_id, key.id) for node_id, key in _existing_keys(installation)}
    for state in states:
        if (state.node_id, state.key_id) not in existing:
            raise InstallationFormatError(
                f"{spec}: a state for key {state.node_id}/{state.key_id}, which does not exist"
            )
    return installation, states


def _state_from_dict(item: Any) -> KeyStatus:
    try:
        raw = item["status"]
        status = KeyPowerStatus[raw] if isinstance(raw, str) else KeyPowerStatus(int(raw))
        result = KeyStatus(
            int(item["node_id"]),
            int(item["key_id"]),
            status,
            int(item.get("level") or 0),
            int(item.get("timer") or 0),
        )
        result.payload()  # range checks
    except (KeyError, TypeError, ValueError, AttributeError, MessageError, OverflowError) as err:
        raise InstallationFormatError(f"invalid key state {item!r}: {err!r}") from None
    return result


if __name__ == "__main__":
    from .simulator_cli import run

    run()
