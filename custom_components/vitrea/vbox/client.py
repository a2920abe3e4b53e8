"""An asyncio client for the vBox: connection, login, correlation, pacing, reconnect.

One :class:`VBoxClient` owns one TCP connection at a time:

* ``connect()`` opens it, sends ToggleHeartbeat then Login, and raises a distinct
  error for each way that can fail (unreachable, timeout, busy, bad credentials).
* A reader task decodes the stream. Replies are matched to their request by
  (command, message id), acknowledgements by message id. Every KeyStatus (0x29)
  is a state event for its (node, key): it updates :attr:`key_states`, reaches the
  key listeners, and answers only a KeyStatus request for that same key.
* One request is in flight at a time, with an optional gap after each answer;
  idempotent requests are retried a bounded number of times on timeout. A
  request that cannot be written within ``link_wait`` (link down, or stuck
  behind slow requests) fails and is never sent late.
* A heartbeat goes out when nothing was received for ``heartbeat_interval``; an
  unanswered heartbeat means a dead link.
* When the link drops, a supervisor reconnects forever with capped exponential
  backoff and jitter, re-reads the state of every known key, then tells the
  connection listeners. Only a refused login stops it: a password change needs
  a person.
* ``close()`` leaves no task, timer or socket behind.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from .enums import (
    AckType,
    CommandId,
    Direction,
    KeyPowerStatus,
    LEDBackgroundBrightness,
    LockStatus,
    ProtocolVersion,
)
from .errors import (
    AuthenticationError,
    BoxBusyError,
    CannotConnectError,
    CommandRejectedError,
    ConnectionLostError,
    MessageError,
    NotConnectedError,
    VBoxConnectionError,
    VBoxError,
    VBoxTimeoutError,
)
from .frames import DEFAULT_MAX_FRAME_SIZE, DiscardReason, Frame, FrameDecoder
from .installation import Installation, read_installation
from .messages import (
    Acknowledgement,
    Heartbeat,
    KeyStatus,
    KeyStatusRequest,
    Login,
    Message,
    NodeMetaData,
    Request,
    ToggleHeartbeat,
    ToggleKeyStatus,
    ToggleNodeStatus,
    decode,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT: Final = 11501

type KeyAddress = tuple[int, int]
type KeyListener = Callable[[KeyStatus, bool], None]
"""Called with every KeyStatus and whether it answered our own KeyStatus request."""
type ConnectionListener = Callable[[ConnectionState], None]


class ConnectionState(StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    AUTH_FAILED = "auth_failed"  # login refused while reconnecting: reconnecting stopped


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Timing and behaviour knobs; the defaults suit a real box on a LAN."""

    connect_timeout: float = 5.0
    request_timeout: float = 2.0
    max_retries: int = 2  # extra attempts of an idempotent request after a timeout
    request_gap: float = 0.0  # pause after each answer before the next request
    heartbeat_interval: float = 3.0  # silence from the box before a heartbeat
    reconnect_initial: float = 1.0
    reconnect_max: float = 30.0
    reconnect_jitter: float = 0.2  # +-20 % of each delay
    link_wait: float = 5.0  # a request not on the wire this long after the call is never sent
    protocol_version: ProtocolVersion | None = None  # None: detect from NodeMetaData
    max_frame_size: int = DEFAULT_MAX_FRAME_SIZE


@dataclass(slots=True)
class _Pending:
    request: Request
    future: asyncio.Future[Message]


class VBoxClient:
    """A connection to one vBox. Not thread-safe: use it from one event loop."""

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        username: str = "",
        password: str = "",
        *,
        config: ClientConfig | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._username = username
        self._password = password
        self.config = config or ClientConfig()
        self.key_states: dict[KeyAddress, KeyStatus] = {}
        self.last_error: VBoxError | None = None
        self.discarded: dict[DiscardReason, int] = dict.fromkeys(DiscardReason, 0)

        self._layout = self.config.protocol_version
        self._decoder = FrameDecoder(
            Direction.FROM_VBOX,
            max_frame_size=self.config.max_frame_size,
            on_discard=self._on_discard,
        )
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._supervisor: asyncio.Task[None] | None = None
        self._link_up = asyncio.Event()  # the session is open and logged in
        self._link_lost = asyncio.Event()
        self._closing = False
        self._lock = asyncio.Lock()
        self._pending: dict[int, _Pending] = {}
        self._key_waiters: dict[KeyAddress, list[asyncio.Future[Message]]] = {}
        self._message_id = 0
        self._last_read = 0.0
        self._tracked: set[KeyAddress] = set()
        self._key_listeners: list[KeyListener] = []
        self._connection_listeners: list[ConnectionListener] = []
        self._warned: set[DiscardReason] = set()
        self._announced: ConnectionState | None = None

    # ------------------------------------------------------------------ public API

    @property
    def connected(self) -> bool:
        return self._link_up.is_set()

    @property
    def protocol_version(self) -> ProtocolVersion | None:
        """The NodeMetaData/KeyParameters layout in use (configured or detected)."""
        return self._layout

    def add_key_listener(self, listener: KeyListener) -> Callable[[], None]:
        """Call ``listener`` on every key status; returns a function that removes it."""
        self._key_listeners.append(listener)
        return lambda: self._key_listeners.remove(listener)

    def add_connection_listener(self, listener: ConnectionListener) -> Callable[[], None]:
        """Call ``listener`` when the link comes up (states fresh) or goes down."""
        self._connection_listeners.append(listener)
        return lambda: self._connection_listeners.remove(listener)

    def track_keys(self, keys: Iterable[KeyAddress]) -> None:
        """Keys whose state is re-read after every reconnect (read_installation adds all)."""
        self._tracked.update(keys)

    def untrack_keys(self, keys: Iterable[KeyAddress]) -> None:
        """Forget keys the box no longer has: no more re-reads, no stale state."""
        for key in keys:
            self._tracked.discard(key)
            self.key_states.pop(key, None)

    async def connect(self) -> None:
        """Open the connection and log in, then keep it up until ``close()``.

        Raises CannotConnectError, VBoxTimeoutError, BoxBusyError or
        AuthenticationError; on failure nothing is left running.
        """
        if self._supervisor is not None:
            raise RuntimeError("VBoxClient.connect() called twice")
        self._closing = False
        await self._open()
        self._supervisor = asyncio.get_running_loop().create_task(
            self._supervise(), name=f"vbox supervisor {self.host}"
        )
        self._notify_connection(ConnectionState.CONNECTED)

    async def close(self) -> None:
        """Stop reconnecting, close the socket, fail whatever still waits."""
        self._closing = True
        tasks = [t for t in (self._supervisor, self._heartbeat_task, self._reader_task) if t]
        self._supervisor = self._heartbeat_task = self._reader_task = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._close_socket()
        self._link_up.clear()
        self._announced = None
        self._fail_waiters(NotConnectedError("the client was closed"))
        # Requests waiting for the link see ``_closing`` and fail now, not at their deadline.
        self._link_up.set()
        self._link_up.clear()

    async def request(self, request: Request, *, timeout: float | None = None) -> Message:
        """Send a request and return its answer (an Acknowledgement for commands).

        A request goes on the wire within ``link_wait`` of the call or never: it
        waits that long for a link that is down (NotConnectedError) or for the
        requests ahead of it (VBoxTimeoutError), and is never sent after that
        deadline. Idempotent requests (reads, ON/OFF with a level) are retried after
        a timeout; a press is sent once. A negative acknowledgement raises CommandRejectedError
        (BoxBusyError for "in use").
        """
        attempts = 1 + (self.config.max_retries if request.idempotent else 0)
        for attempt in range(1, attempts + 1):
            try:
                async with self._turn_to_send(request):
                    try:
                        reply = await self._exchange(request, timeout)
                    finally:
                        if self.config.request_gap:
                            await asyncio.sleep(self.config.request_gap)
            except VBoxTimeoutError:
                if attempt == attempts:
                    raise
                _LOGGER.debug("%s timed out, attempt %d of %d", request.name, attempt, attempts)
                continue
            return _check_answer(request, reply)
        raise AssertionError("unreachable")  # pragma: no cover

    @asynccontextmanager
    async def _turn_to_send(self, request: Request) -> AsyncIterator[None]:
        """Hold the one-request-in-flight lock on a live link; wait at most ``link_wait``."""
        link_wait = self.config.link_wait
        try:
            async with asyncio.timeout(link_wait):
                while True:
                    while not self._link_up.is_set():
                        if self._closing or self._supervisor is None:
                            raise NotConnectedError(f"not connected to {self.host}")
                        await self._link_up.wait()
                    await self._lock.acquire()
                    if self._link_up.is_set():
                        break
                    self._lock.release()  # the link dropped while we queued: wait again
        except TimeoutError:
            if not self._link_up.is_set():
                raise NotConnectedError(
                    f"link to {self.host} still down after {link_wait:g} s; {request.name} not sent"
                ) from None
            raise VBoxTimeoutError(
                f"{request.name} not sent: {self.host} was still busy answering "
                f"earlier requests after {link_wait:g} s"
            ) from None
        try:
            yield
        finally:
            self._lock.release()

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

    # ------------------------------------------------------------------ session

    async def _open(self) -> None:
        """One connection attempt: TCP, ToggleHeartbeat, Login. Cleans up on failure."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.config.connect_timeout):
                reader, writer = await asyncio.open_connection(self.host, self.port)
        except TimeoutError:
            raise VBoxTimeoutError(
                f"no answer from {self.host}:{self.port} within {self.config.connect_timeout:g} s"
            ) from None
        except OSError as err:
            raise CannotConnectError(
                f"cannot reach {self.host}:{self.port}: {err.strerror or err}"
            ) from err
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._writer = writer
        self._decoder.reset()
        self._warned.clear()
        self._link_lost.clear()
        self._last_read = loop.time()
        self._reader_task = loop.create_task(self._read_loop(reader), name="vbox reader")
        try:
            await self._handshake()
        except BaseException:
            await self._drop_session()
            raise
        self.last_error = None
        self._link_up.set()
        self._heartbeat_task = loop.create_task(self._heartbeat_loop(), name="vbox heartbeat")
        _LOGGER.debug("Connected to %s:%s", self.host, self.port)

    async def _handshake(self) -> None:
        for request in (ToggleHeartbeat(True, True), Login(self._username, self._password)):
            try:
                reply = await self._exchange(request, self.config.connect_timeout)
            except ConnectionLostError as err:
                raise CannotConnectError(f"{self.host} closed the connection: {err}") from None
            assert isinstance(reply, Acknowledgement)
            if reply.ack is AckType.IN_USE:
                raise BoxBusyError(f"{self.host} is in use by another client")
            if reply.ack is not AckType.ACK:
                if isinstance(request, Login):
                    raise AuthenticationError(f"{self.host} refused the username or password")
                raise CommandRejectedError(request.name, reply.ack)

    async def _supervise(self) -> None:
        """Reconnect forever after a drop, until close() or a refused login."""
        while True:
            await self._link_lost.wait()
            await self._drop_session()
            self._notify_connection(ConnectionState.DISCONNECTED)
            delay = self.config.reconnect_initial
            while True:
                await asyncio.sleep(self._jittered(delay))
                try:
                    await self._open()
                except AuthenticationError as err:
                    self.last_error = err
                    _LOGGER.warning("%s refused the login; not reconnecting", self.host)
                    self._notify_connection(ConnectionState.AUTH_FAILED)
                    return
                except VBoxError as err:
                    self.last_error = err
                    _LOGGER.debug("Reconnect to %s failed: %s", self.host, err)
                    delay = min(delay * 2, self.config.reconnect_max)
                    continue
                if await self._resync_states():
                    _LOGGER.info("Reconnected to %s", self.host)
                    self._notify_connection(ConnectionState.CONNECTED)
                break

    async def _resync_states(self) -> bool:
        """Re-read every known key's state; False if the link dropped meanwhile."""
        for node_id, key_id in sorted(self._tracked | self.key_states.keys()):
            try:
                await self.request(KeyStatusRequest(node_id, key_id))
            except CommandRejectedError as err:
                _LOGGER.debug("Key %s/%s no longer answers: %s", node_id, key_id, err)
            except VBoxTimeoutError:
                # Logged in, then silent: start again rather than wait for a drop
                # that a half-open link never reports.
                self._lose_link("no answer while reading the states back")
                return False
            except VBoxConnectionError:
                return False
        return True

    def _jittered(self, delay: float) -> float:
        spread = self.config.reconnect_jitter
        return delay * random.uniform(1 - spread, 1 + spread)

    async def _drop_session(self) -> None:
        """Tear down the current connection's tasks and socket (not the supervisor)."""
        self._link_up.clear()
        current = asyncio.current_task()
        tasks = [t for t in (self._heartbeat_task, self._reader_task) if t and t is not current]
        self._heartbeat_task = self._reader_task = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._close_socket()
        self._fail_waiters(ConnectionLostError(f"connection to {self.host} lost"))

    async def _close_socket(self) -> None:
        writer, self._writer = self._writer, None
        if writer is None:
            return
        writer.close()
        try:
            async with asyncio.timeout(1):
                await writer.wait_closed()
        except OSError, TimeoutError:
            pass

    def _lose_link(self, reason: str) -> None:
        """Mark the session dead; the supervisor (if any) takes it from here."""
        if self._link_lost.is_set() or self._closing:
            return
        if self._link_up.is_set():
            _LOGGER.info("Connection to %s lost: %s", self.host, reason)
        self._link_up.clear()
        self._link_lost.set()
        self._fail_waiters(ConnectionLostError(f"connection to {self.host} lost: {reason}"))

    # ------------------------------------------------------------------ tasks

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        reason = "closed by the box"
        loop = asyncio.get_running_loop()
        try:
            while data := await reader.read(4096):
                self._last_read = loop.time()
                for frame in self._decoder.feed(data):
                    self._dispatch(frame)
        except OSError as err:
            reason = str(err) or type(err).__name__
        self._lose_link(reason)

    async def _heartbeat_loop(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self.config.heartbeat_interval
        while True:
            # Silence from the box, not from us: requests that go unanswered (a
            # half-open link) must not keep the heartbeat away.
            idle = loop.time() - self._last_read
            if idle < interval:
                await asyncio.sleep(interval - idle)
                continue
            try:
                await self.request(Heartbeat())
            except VBoxTimeoutError:
                self._lose_link("heartbeat not answered")
                return
            except VBoxConnectionError:
                return

    # ------------------------------------------------------------------ wire

    def _next_message_id(self) -> int:
        # 1..255: pushes use 0, so an answer to us is never mistaken for one.
        self._message_id = self._message_id % 255 + 1
        return self._message_id

    async def _exchange(self, request: Request, timeout: float | None) -> Message:
        """Write one request and wait for what answers it (no retry, no pacing)."""
        writer = self._writer
        if writer is None or self._link_lost.is_set():
            raise ConnectionLostError(f"no connection to {self.host}")
        message_id = self._next_message_id()
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = _Pending(request, future)
        address = _key_address(request)
        if address is not None:
            self._key_waiters.setdefault(address, []).append(future)
        try:
            writer.write(request.to_frame(message_id).to_bytes())
            async with asyncio.timeout(timeout or self.config.request_timeout):
                return await future
        except TimeoutError:
            raise VBoxTimeoutError(f"{request.name} not answered by {self.host}") from None
        finally:
            if self._pending.get(message_id) is not None:
                del self._pending[message_id]
            if address is not None and future in (waiters := self._key_waiters.get(address, [])):
                waiters.remove(future)
                if not waiters:
                    del self._key_waiters[address]

    def _dispatch(self, frame: Frame) -> None:
        pending = self._pending.get(frame.message_id)
        try:
            message = decode(frame, self._layout)
        except MessageError as err:
            _LOGGER.warning("Undecodable frame from %s: %s (%s)", self.host, err, frame)
            if pending and frame.command == pending.request.REPLY:
                _resolve(pending.future, exception=err)
            return
        if isinstance(message, KeyStatus):
            self._on_key_status(message)
        elif isinstance(message, Acknowledgement):
            # A data request answered by a negative ACK fails instead of timing out.
            if pending and (
                pending.request.REPLY is CommandId.ACKNOWLEDGEMENT or message.ack is not AckType.ACK
            ):
                _resolve(pending.future, message)
        elif pending and frame.command == pending.request.REPLY:
            if isinstance(message, NodeMetaData) and self._layout is None:
                self._layout = message.layout
            _resolve(pending.future, message)
        else:
            _LOGGER.debug("Unsolicited %s from %s", message.name, self.host)

    def _on_key_status(self, status: KeyStatus) -> None:
        address = (status.node_id, status.key_id)
        if not status.status.is_press:
            self.key_states[address] = status
        waiters = self._key_waiters.pop(address, [])
        for future in waiters:
            _resolve(future, status)
        for listener in tuple(self._key_listeners):
            try:
                listener(status, bool(waiters))
            except Exception:
                _LOGGER.exception("Key listener %r failed", listener)

    def _notify_connection(self, state: ConnectionState) -> None:
        if state is self._announced:
            return
        self._announced = state
        for listener in tuple(self._connection_listeners):
            try:
                listener(state)
            except Exception:
                _LOGGER.exception("Connection listener %r failed", listener)

    def _fail_waiters(self, error: VBoxError) -> None:
        for pending in self._pending.values():
            _resolve(pending.future, exception=error)

    def _on_discard(self, reason: DiscardReason, data: bytes) -> None:
        self.discarded[reason] += 1
        # Warn once per reason and connection; a noisy line must not flood the log.
        level = logging.DEBUG if reason in self._warned else logging.WARNING
        self._warned.add(reason)
        _LOGGER.log(level, "Discarded %d bytes from %s (%s)", len(data), self.host, reason)


def _key_address(request: Request) -> KeyAddress | None:
    if isinstance(request, KeyStatusRequest):
        return (request.node_id, request.key_id)
    return None


def _resolve(
    future: asyncio.Future[Message],
    result: Message | None = None,
    *,
    exception: BaseException | None = None,
) -> None:
    if future.done():
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        assert result is not None
        future.set_result(result)


def _check_answer(request: Request, reply: Message) -> Message:
    """Turn a negative acknowledgement into the matching exception."""
    if isinstance(reply, Acknowledgement):
        if reply.ack is AckType.IN_USE:
            raise BoxBusyError(f"{request.name}: the box is in use by another client")
        if reply.ack is not AckType.ACK:
            raise CommandRejectedError(request.name, reply.ack)
    return reply
