"""VBoxClient: a connection to one vBox on its binary "VTU" port (11501), and its API.

It only wires the pieces together, each with one job:

* ``vbox/session.py``: the TCP connection, its reader task and the frame decoder;
* ``correlation.py``: which request a frame answers; key statuses as events;
* ``vbox/queue.py`` and ``vbox/pacing.py``: one request at a time, in issue order,
  paced adaptively, each written before its deadline or never;
* ``vbox/supervisor.py``: heartbeat, reconnect with backoff, the states read back;
* ``reader.py``: the installation and key states, read through the client;
* ``capture.py``: the last frames each way and the discards, for diagnostics.

``connect()`` sends ToggleHeartbeat then Login and raises a distinct error for
each way that can fail (unreachable, timeout, busy, bad credentials); from then
on the link is kept up until ``close()``, which leaves no task, timer or socket.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Hashable, Iterable

from ..client_base import ClientBase, ConnectionListener, KeyListener
from ..config import DEFAULT_PORT, ClientConfig
from ..enums import KeyPowerStatus, LEDBackgroundBrightness, LockStatus, Protocol
from ..errors import (
    AuthenticationError,
    BoxBusyError,
    CannotConnectError,
    CommandRejectedError,
    ConnectionLostError,
    MessageError,
    VBoxError,
)
from ..installation import Installation, KeyAddress
from ..logs import WarnOnce
from ..session import Session
from ..supervisor import ConnectionState
from .capture import FrameCapture
from .correlation import Correlator
from .enums import AckType, Direction, ProtocolVersion
from .frames import DiscardReason, Frame, FrameDecoder
from .messages import (
    REPLY_FRAME_LIMITS,
    Acknowledgement,
    Heartbeat,
    KeyStatus,
    KeyStatusRequest,
    Login,
    Message,
    Request,
    ToggleHeartbeat,
    ToggleKeyStatus,
    ToggleNodeStatus,
)
from .reader import check_installation, read_installation, read_key_states

__all__ = ["ConnectionListener", "ConnectionState", "KeyListener", "VBoxClient"]

_LOGGER = logging.getLogger(__name__)


class VBoxClient(ClientBase[Request, Message]):
    """A connection to one vBox. Not thread-safe: use it from one event loop."""

    protocol = Protocol.VTU
    firmware: str | None = None  # port 11501 reports no version of the box (each node has one)

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        username: str = "",
        password: str = "",
        *,
        config: ClientConfig | None = None,
    ) -> None:
        config = config or ClientConfig()
        super().__init__(
            host,
            port,
            config,
            lambda request, timeout: self._correlator.exchange(self._write, request, timeout),
        )
        self._username = username
        self._password = password
        self.discarded: dict[DiscardReason, int] = dict.fromkeys(DiscardReason, 0)
        self.capture = FrameCapture()
        self.capture.set_secrets((password,))

        self._decoder = FrameDecoder(
            Direction.FROM_VBOX,
            max_frame_size=config.max_frame_size,
            limits=REPLY_FRAME_LIMITS,
            on_discard=self._on_discard,
        )
        self._warn_discard = WarnOnce(_LOGGER)
        self._correlator = Correlator(host, self._on_key_status, config.protocol_version)

    # ------------------------------------------------------------------ state

    @property
    def protocol_version(self) -> ProtocolVersion | None:
        """The NodeMetaData/KeyParameters layout in use (configured or detected)."""
        return self._correlator.layout

    # ------------------------------------------------------------------ requests

    async def request(self, request: Request, *, timeout: float | None = None) -> Message:
        """Send a request and return its answer (an Acknowledgement for commands).

        Requests go out one at a time, in the order they were made. A request
        waits at most ``link_wait`` from the call for its turn on a live link; it
        then fails with NotConnectedError (link down) or VBoxTimeoutError (behind
        slow requests), and no attempt of it is sent after that deadline.
        Idempotent requests (reads, ON/OFF with a level) are retried after a
        timeout, except a command to a key or keypad that a newer command to the
        same one follows; a press is sent once. A negative acknowledgement raises
        CommandRejectedError (BoxBusyError for "in use").
        """
        request.to_frame(0)  # a field that does not fit raises MessageError here, not in the queue
        reply = await self._queue.submit(
            request,
            timeout=timeout or self.config.request_timeout,
            attempts=1 + (self.config.max_retries if request.idempotent else 0),
            wait=self.config.link_wait,
            order_key=_order_key(request),
        )
        return _check_answer(request, reply)

    async def ping(self) -> None:
        """One Heartbeat, never retried; returns on any answer, VBoxTimeoutError on none."""
        # A malformed answer is still an answer: the box is alive.
        with contextlib.suppress(MessageError):
            await self._queue.submit(
                Heartbeat(),
                timeout=self.config.request_timeout,
                attempts=1,
                wait=self.config.link_wait,
            )

    async def key_status(self, node_id: int, key_id: int) -> KeyStatus:
        reply = await self.request(KeyStatusRequest(node_id, key_id))
        assert isinstance(reply, KeyStatus)
        return reply

    async def set_key(
        self,
        node_id: int,
        key_id: int,
        action: KeyPowerStatus,
        *,
        dimmer: int = 0,
        timer: int = 0,
    ) -> None:
        """Control a key (see ToggleKeyStatus); returns once the box acknowledged it."""
        await self.request(ToggleKeyStatus(node_id, key_id, action, dimmer, timer))

    async def set_node(
        self, node_id: int, lock: LockStatus, led_level: LEDBackgroundBrightness
    ) -> None:
        """Set a keypad's child lock and backlight level."""
        await self.request(ToggleNodeStatus(node_id, lock, led_level))

    async def read_installation(self, *, with_states: bool = True) -> Installation:
        """Read rooms, nodes and keys (and every key's state into ``key_states``)."""
        return await read_installation(self, with_states=with_states)

    async def check_installation(self, known: Installation) -> Installation:
        """The installation now, read cheaply: see reader.check_installation."""
        return await check_installation(self, known)

    async def read_key_states(self, keys: Iterable[KeyAddress]) -> None:
        """Read the states of ``keys`` (see reader.read_key_states) and keep them tracked."""
        await read_key_states(self, keys)

    # ------------------------------------------------------------------ the link

    async def _open(self) -> None:
        """One connection attempt: TCP, ToggleHeartbeat, Login. Cleans up on failure."""
        session: Session[Frame] = Session(
            self.host, self.port, self._decoder, self._on_frame, self._supervisor.lost
        )
        self._warn_discard.reset()
        self._correlator.new_connection()
        await session.open(self.config.connect_timeout)
        self._session = session
        try:
            await self._handshake()
        except BaseException:
            await self._drop()
            raise
        self._queue.link_up.set()
        _LOGGER.debug("Connected to %s:%s", self.host, self.port)

    async def _handshake(self) -> None:
        config = self.config
        for request in (ToggleHeartbeat(True, True), Login(self._username, self._password)):
            try:
                # Paced and retried like any request: a slow box may drop the Login
                # that follows its first answer too closely.
                reply = await self._queue.submit(
                    request,
                    timeout=min(config.request_timeout, config.connect_timeout),
                    attempts=1 + config.max_retries,
                    wait=config.connect_timeout,
                    gated=False,
                )
            except ConnectionLostError as err:
                raise CannotConnectError(f"{self.host} closed the connection: {err}") from None
            assert isinstance(reply, Acknowledgement)
            if reply.ack is AckType.IN_USE:
                raise BoxBusyError(f"{self.host} is in use by another client")
            if reply.ack is not AckType.ACK:
                if isinstance(request, Login):
                    raise AuthenticationError(f"{self.host} refused the username or password")
                raise CommandRejectedError(request.name, reply.ack)

    def _fail_all(self, error: VBoxError) -> None:
        self._correlator.fail_all(error)

    async def _read_back(self) -> None:
        await read_key_states(self, sorted(self._tracked | self.key_states.keys()))

    def _write(self, data: bytes) -> None:
        if self._session is None:
            raise ConnectionLostError(f"no connection to {self.host}")
        self._session.write(data)
        self.capture.frame(Direction.TO_VBOX, data)

    def _on_frame(self, frame: Frame) -> None:
        # Re-encoded: identical to the bytes received, which passed the checksum.
        self.capture.frame(Direction.FROM_VBOX, frame.to_bytes())
        self._correlator.dispatch(frame)

    # ------------------------------------------------------------------ events

    def _on_discard(self, reason: DiscardReason, data: bytes) -> None:
        self.discarded[reason] += 1
        self.capture.discard(reason.value, data)
        self._warn_discard(reason, "Discarded %d bytes from %s (%s)", len(data), self.host, reason)


def _order_key(request: Request) -> Hashable | None:
    """Commands to the same key (or keypad) must reach the box in the order they were made."""
    if isinstance(request, ToggleKeyStatus):
        return ("key", request.node_id, request.key_id)
    if isinstance(request, ToggleNodeStatus):
        return ("node", request.node_id)
    return None


def _check_answer(request: Request, reply: Message) -> Message:
    """Turn a negative acknowledgement into the matching exception."""
    if isinstance(reply, Acknowledgement):
        if reply.ack is AckType.IN_USE:
            raise BoxBusyError(f"{request.name}: the box is in use by another client")
        if reply.ack is not AckType.ACK:
            raise CommandRejectedError(request.name, reply.ack)
    return reply
