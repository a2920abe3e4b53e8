"""The simulated box's TCP server: it answers each request of the VTU protocol and pushes changes.

It serves an :class:`Installation`
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
(see faults), :meth:`VBoxSimulator.drop_connections`,
:meth:`VBoxSimulator.send_raw`, :meth:`VBoxSimulator.send_bad_checksum`,
:meth:`VBoxSimulator.restart` and :meth:`VBoxSimulator.set_credentials`.

Key states and timers are in ``state``, the homes it serves in ``homes``, the
command line and the control console in ``cli`` and ``console``:
``python -m simulator --help``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from custom_components.vitrea.vbox import (
    BLIND_STOP,
    AckType,
    Installation,
    Key,
    KeyPowerStatus,
    KeyStatus,
    KeyType,
    LEDBackgroundBrightness,
    LockStatus,
    MessageError,
    Node,
    NodeMetaData,
    NodeMetaDataRequest,
    ProtocolVersion,
)
from custom_components.vitrea.vbox.vtu.enums import Direction
from custom_components.vitrea.vbox.vtu.frames import Frame, FrameDecoder
from custom_components.vitrea.vbox.vtu.messages import (
    Acknowledgement,
    Heartbeat,
    InternalUnitStatuses,
    InternalUnitStatusesRequest,
    KeyParameters,
    KeyParametersRequest,
    KeyStatusRequest,
    Login,
    Message,
    NodeCount,
    NodeCountRequest,
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

from .faults import ReplyFault, bad_checksum
from .port import Connection, OnDiscard, Port, peer_name
from .state import BLINDS, DIMMERS, KeyStates, PressKind, press_kind

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT: Final = 11501

# Constant bytes of the captured samples (docs/vbox-protocol.md §2.4).
_KEY_PARAMS_EXTRA: Final = {
    ProtocolVersion.V1: bytes.fromhex("00 00 00 00 00 73 3A"),
    ProtocolVersion.V2: bytes.fromhex("00 78 78 01 64 01 00 00"),
}
_NODE_META_PADDING: Final = {ProtocolVersion.V1: b"\x00", ProtocolVersion.V2: b"\x00\x00"}
# Accepted before Login without a warning: the handshake itself.
_HANDSHAKE: Final = (Login, Heartbeat, ToggleHeartbeat)


class BusyMode(StrEnum):
    """What the box does with a second connection while one client is connected."""

    IN_USE = "in_use"  # answer its first request with Acknowledgement(IN_USE), then close
    REFUSE = "refuse"  # close it as soon as it is accepted
    ALLOW = "allow"  # serve it like the first one (pushes go to every client)


@dataclass(eq=False, slots=True)
class _Connection(Connection):
    busy: bool = False  # accepted while the box was in use: refused at its first request
    logged_in: bool = False
    login_refused: bool = False
    warned_no_login: bool = False


class VBoxSimulator(Port[_Connection, Frame, FrameDecoder]):
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
        if min_gap < 0 or push_delay < 0:
            raise ValueError("min_gap and push_delay cannot be negative")
        super().__init__(latency=latency, min_gap=min_gap, push_delay=push_delay)
        self._installation = installation
        self._username = username
        self._password = password
        self._layout_override = layout
        self.busy_mode = busy_mode
        self.close_after_refused_login = close_after_refused_login
        self._delayed_pushes: deque[tuple[float, Callable[[], KeyStatus]]] = deque()
        self._delayed_handle: asyncio.TimerHandle | None = None
        self._late_replies: set[asyncio.TimerHandle] = set()
        # Another client (the Vitrea app, say) holds the box: new connections get IN_USE.
        self.held_elsewhere = False
        self._keys = KeyStates(installation, minute, self._push)
        for status in states:
            self._keys.apply_initial(status)
        # The box's other ports (port 11502's HostSimulator): told of every key change.
        self._push_listeners: list[Callable[[KeyStatus], None]] = []

    # ------------------------------------------------------------------ properties

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
    def minute(self) -> float:
        """The length in seconds of one timer minute."""
        return self._keys.minute

    def clear_received(self) -> None:
        self.received.clear()

    def set_credentials(self, username: str, password: str) -> None:
        """Change the accepted login (e.g. a password change on the box)."""
        self._username = username
        self._password = password

    @property
    def keys(self) -> KeyStates:
        """The key states, shared with the box's other ports."""
        return self._keys

    def add_push_listener(self, listener: Callable[[KeyStatus], None]) -> None:
        """Tell ``listener`` of every key change and press the box pushes (another port)."""
        self._push_listeners.append(listener)

    def push_state(self, status: KeyStatus) -> None:
        """Push a key change made through another port to every client of every port."""
        self._push(status)

    def key_state(self, node_id: int, key_id: int) -> KeyStatus:
        """The state the box would answer for a key; KeyError for a key that does not exist."""
        return self._keys.status_of(node_id, key_id, self._keys.state(node_id, key_id))

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on ``host:port`` (0: any free port); return the bound port."""
        await self._listen(host, port)
        self._keys.arm_pending_timers()
        _LOGGER.info("vBox simulator listening on %s:%d", host, self._port)
        return self._port

    async def stop(self) -> None:
        """Close every client connection and the server; cancel every timer."""
        await self._shutdown()
        self._keys.pause_timers()

    async def restart(self, installation: Installation | None = None) -> None:
        """Drop every client, stop listening, optionally swap the installation, listen again.

        States of keys that still exist survive; the port stays the same.
        """
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        await self._shutdown()
        if installation is not None:
            self._installation = installation
            self._keys.reset(installation)
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
        await self._stop_listening()

    # ------------------------------------------------------------------ knobs

    async def press_key(self, node_id: int, key_id: int, kind: PressKind) -> None:
        """Push a press of a wall key (0x29 with S, L or R); the load state is unchanged."""
        self.push_press(node_id, key_id, kind)

    def push_press(self, node_id: int, key_id: int, kind: PressKind) -> None:
        """``press_key`` for the box's other ports, which act at once."""
        state = self._keys.state(node_id, key_id)
        current = self._keys.status_of(node_id, key_id, state)
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
        self.change_key(node_id, key_id, status, level, timer)

    def change_key(
        self,
        node_id: int,
        key_id: int,
        status: KeyPowerStatus,
        level: int | None = None,
        timer: int | None = None,
    ) -> None:
        """``set_key_state`` for the box's other ports, which act at once."""
        state = self._keys.state(node_id, key_id)
        status = KeyPowerStatus(status)
        if status.is_press:
            self.push_press(node_id, key_id, press_kind(status))
            return
        if status not in (KeyPowerStatus.ON, KeyPowerStatus.OFF):
            raise ValueError(f"{status.name} is not a key state")
        if level is not None and not 0 <= level <= 100:
            raise ValueError(f"level {level} is not 0-100")
        self._keys.apply(node_id, key_id, state, status, level=level, timer=timer or 0)
        self._push(self._keys.status_of(node_id, key_id, state))

    def forget_key(self, node_id: int, key_id: int) -> None:
        """Lose a key's state: the box answers ERROR for it from now on."""
        self._keys.forget(node_id, key_id)

    async def drop_connections(self, *, mid_frame: bool = False) -> None:
        """Close every client socket; with ``mid_frame`` first send half of a 0x29 frame."""
        first = None
        if mid_frame:
            data = self._sample_push()
            first = data[: len(data) // 2]
        await self._close_connections(list(self._connections), first)

    def _served(self) -> list[_Connection]:
        return [conn for conn in self._connections if not conn.busy]

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
        await self.send_raw(bad_checksum(self._sample_push()))

    # ------------------------------------------------------------------ connections

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Called synchronously on every accept, so every serving task is known at once."""
        peer = peer_name(writer)
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
        conn = _Connection(writer, peer, busy=busy)
        self._start_serving(conn, reader, "vbox simulator client")
        _LOGGER.debug("client %s connected%s", peer, " (box in use)" if busy else "")

    def _decoder(self, on_discard: OnDiscard) -> FrameDecoder:
        return FrameDecoder(Direction.TO_VBOX, on_discard=on_discard)

    def _left(self, conn: _Connection, decoder: FrameDecoder) -> None:
        if decoder.buffered:
            _LOGGER.debug(
                "%s closed in the middle of a frame (%d bytes)", conn.peer, decoder.buffered
            )

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
                state := self._keys.get(reply.node_id, reply.key_id)
            ):
                late = self._keys.status_of(reply.node_id, reply.key_id, state)
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
                state = self._keys.get(node_id, key_id)
                if state is None:
                    return self._reject(conn, message, f"no key {node_id}/{key_id}")
                return self._keys.status_of(node_id, key_id, state), None
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
        state = self._keys.get(node_id, key_id)
        if state is None:
            return self._reject(conn, request, f"no key {node_id}/{key_id}")
        if action.is_press:
            press = press_kind(action)

            def after_press() -> None:
                self._push_after_ack(
                    lambda: replace(
                        self._keys.status_of(node_id, key_id, state), status=press.status
                    )
                )

            return Acknowledgement(AckType.ACK), after_press
        if action not in (KeyPowerStatus.ON, KeyPowerStatus.OFF):
            return self._reject(conn, request, f"action {action.name}")

        def after() -> None:
            if state.key_type in BLINDS and request.dimmer == BLIND_STOP:
                _LOGGER.debug("blind %d/%d stopped", node_id, key_id)
            else:
                level = request.dimmer
                if state.key_type in DIMMERS and level == 0:
                    level_arg: int | None = None  # keep the previous level
                else:
                    level_arg = min(level, 100)
                self._keys.apply(
                    node_id, key_id, state, action, level=level_arg, timer=request.timer
                )
            self._push_after_ack(lambda: self._keys.status_of(node_id, key_id, state))

        return Acknowledgement(AckType.ACK), after

    def _set_node(self, node_id: int, lock: LockStatus, led: LEDBackgroundBrightness) -> None:
        installation = self._installation
        nodes = tuple(
            replace(node, lock=lock, led_level=led) if node.id == node_id else node
            for node in installation.nodes
        )
        self._installation = replace(installation, nodes=nodes)

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
        """Send a 0x29 push (message id 0) to every served client, and tell the other ports."""
        for listener in self._push_listeners:
            listener(status)
        if self.stalled:
            return
        data = status.to_frame(0).to_bytes()
        for conn in self._connections:
            if not conn.busy:
                conn.send(data)

    def _sample_push(self) -> bytes:
        """A valid 0x29 push of the first key (a made-up key if there is none)."""
        status = self._keys.first_status() or KeyStatus(1, 0, KeyPowerStatus.OFF)
        return status.to_frame(0).to_bytes()


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
