"""HostClient: a connection to one vBox on its integration port (11502), with VBoxClient's API.

It only wires the pieces together, each with one job:

* ``vbox/session.py`` with ``stream.py``: the TCP connection, split into text
  lines and VTH frames;
* ``exchange.py``: which request a line answers; key states, presses and AC states;
* ``vbox/queue.py`` and ``vbox/pacing.py``: one request at a time, in order, paced,
  each written before its deadline or never, retried only when idempotent;
* ``vbox/supervisor.py``: keep-alive (``P:VITREA`` every 15 s), reconnect with
  backoff, the status sweep after each reconnect;
* ``requests.py``: the model's calls as lines; ``reader.py``: the VTH database.

There is no login: ``connect()`` sends ``P:VITREA`` and waits for ``S:PSW:OK``,
then asks the version (``G:V:S``). Key ids are the model's (0-based) throughout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from typing import Any

from ..climate import ACMode, ACState, FanSpeed, TemperatureUnit
from ..config import DEFAULT_HOST_PORT, HOST_CONFIG, ClientConfig
from ..enums import KeyPowerStatus, Protocol
from ..errors import CannotConnectError, ConnectionLostError, NotConnectedError, VBoxError
from ..installation import Installation, KeyAddress
from ..listeners import Listeners
from ..pacing import AdaptivePacer
from ..queue import CommandQueue
from ..session import Session
from ..supervisor import ConnectionState, LinkOps, Supervisor
from ..vtu.capture import FrameCapture
from ..vtu.enums import Direction, ProtocolVersion
from ..vtu.replies import KeyStatus
from . import reader
from .exchange import Exchanges
from .firmware import check_firmware, led_supported
from .lines import Version
from .requests import (
    HostRequest,
    Request,
    SweepRequest,
    VTHRequest,
    ac_requests,
    key_request,
    led_request,
    scenario_request,
    status_query,
)
from .stream import DiscardReason, HostStreamDecoder
from .vth import VTHFrame

_LOGGER = logging.getLogger(__name__)

SOURCE = "host"  # the capture's name for this port's traffic
DATABASE_ATTEMPTS = 3  # per VTH request, as the vendor's reader


class HostClient:
    """A connection to one vBox's port 11502. Not thread-safe: use it from one event loop."""

    protocol = Protocol.HOST
    protocol_version: ProtocolVersion | None = None  # port 11501's layouts; none here

    def __init__(
        self, host: str, port: int = DEFAULT_HOST_PORT, *, config: ClientConfig | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.config = config = config or HOST_CONFIG
        self.installation: Installation | None = None  # what key types commands follow
        self.key_states: dict[KeyAddress, KeyStatus] = {}
        self.ac_states: dict[int, ACState] = {}
        self.discarded: dict[DiscardReason, int] = dict.fromkeys(DiscardReason, 0)
        self.capture = FrameCapture()
        self.version: Version | None = None
        self._decoder = HostStreamDecoder(on_discard=self._on_discard)
        self._exchanges = Exchanges(host, self._on_key_status, self._on_ac_state, config.sweep_idle)
        self._exchanges.ok_window = config.request_timeout
        self._queue: CommandQueue[Request, Any] = CommandQueue(
            host,
            lambda request, timeout: self._exchanges.exchange(self._write, request, timeout),
            AdaptivePacer(config.request_gap, ceiling=config.max_request_gap),
        )
        self._session: Session[bytes | VTHFrame] | None = None
        self._supervisor = Supervisor(
            host,
            config,
            LinkOps(
                open=self._open,
                drop=self._drop,
                ping=self.ping,
                read_back=self._read_back,
                silence=self._since_keepalive,
                last_answer=self._last_heard,
                on_lost=self._on_lost,
            ),
            self._notify_connection,
        )
        self._keepalive_sent = 0.0
        self._tracked: set[KeyAddress] = set()
        self._key_listeners: Listeners[[KeyStatus, bool]] = Listeners("Key")
        self._ac_listeners: Listeners[[ACState]] = Listeners("AC")
        self._connection_listeners: Listeners[[ConnectionState]] = Listeners("Connection")
        self._announced: ConnectionState | None = None

    # ------------------------------------------------------------------ state

    @property
    def connected(self) -> bool:
        return self._queue.link_up.is_set()

    @property
    def state(self) -> ConnectionState | None:
        return self._announced

    @property
    def last_error(self) -> VBoxError | None:
        return self._supervisor.last_error

    @property
    def firmware(self) -> str | None:
        """The box's version as it reports it ("8.66"); None before it answered."""
        return self.version.text if self.version else None

    @property
    def current_gap(self) -> float:
        return self._queue.pacer.gap

    @property
    def unanswered_requests(self) -> int:
        return self._queue.pacer.losses

    # ------------------------------------------------------------------ listeners

    def add_key_listener(self, listener: Callable[[KeyStatus, bool], None]) -> Callable[[], None]:
        """Every key state and press, and whether it answered our own query (never a press)."""
        return self._key_listeners.add(listener)

    def add_ac_listener(self, listener: Callable[[ACState], None]) -> Callable[[], None]:
        return self._ac_listeners.add(listener)

    def add_connection_listener(
        self, listener: Callable[[ConnectionState], None]
    ) -> Callable[[], None]:
        return self._connection_listeners.add(listener)

    def track_keys(self, keys: Iterable[KeyAddress]) -> None:
        """Keys the status sweep waits for after every reconnect."""
        self._tracked.update(keys)

    def untrack_keys(self, keys: Iterable[KeyAddress]) -> None:
        keys = list(keys)
        self._tracked.difference_update(keys)
        self.forget_states(keys)

    def forget_states(self, keys: Iterable[KeyAddress]) -> None:
        for key in keys:
            self.key_states.pop(key, None)

    # ------------------------------------------------------------------ lifecycle

    async def connect(self) -> None:
        """Connect and exchange the first keep-alive, then keep the link up until ``close()``.

        Raises CannotConnectError or VBoxTimeoutError; on failure nothing is left running.
        """
        if self._supervisor.running:
            raise RuntimeError("HostClient.connect() called twice")
        self._queue.open()
        try:
            await self._supervisor.connect()
        except BaseException:
            self._queue.shut()
            raise

    async def close(self) -> None:
        await self._supervisor.close()
        await self._drop(NotConnectedError("the client was closed"))
        self._announced = None
        self._queue.shut()

    # ------------------------------------------------------------------ requests

    async def _submit(
        self, request: Request, *, timeout: float | None = None, attempts: int = 0
    ) -> Any:
        if isinstance(request, HostRequest):
            retry = request.idempotent
            order_key = request.order_key
        else:
            retry, order_key = True, None
        return await self._queue.submit(
            request,
            timeout=timeout or self.config.request_timeout,
            attempts=attempts or 1 + (self.config.max_retries if retry else 0),
            wait=self.config.link_wait,
            order_key=order_key,
        )

    async def ping(self) -> None:
        """One keep-alive, never retried and never queued behind commands."""
        if self._session is None:
            raise ConnectionLostError(f"no connection to {self.host}")
        self._keepalive_sent = asyncio.get_running_loop().time()
        await self._exchanges.keepalive(self._write, self.config.request_timeout)

    async def vth(self, request: VTHRequest) -> VTHFrame:
        """One VTH database request and its reply (1 s, 3 attempts)."""
        frame: VTHFrame = await self._submit(
            request, timeout=self.config.database_timeout, attempts=DATABASE_ATTEMPTS
        )
        return frame

    async def set_key(
        self,
        node_id: int,
        key_id: int,
        action: KeyPowerStatus,
        *,
        dimmer: int = 0,
        timer: int = 0,
    ) -> None:
        """Control a key as VBoxClient.set_key does (the key's type decides the line)."""
        node = self.installation.node(node_id) if self.installation else None
        key = node.key(key_id) if node else None
        request = key_request(
            node_id, key_id, key.type if key else None, action, dimmer=dimmer, timer=timer
        )
        if request is not None:
            await self._submit(request)

    async def set_ac(
        self,
        ac_id: int,
        *,
        on: bool | None = None,
        mode: ACMode | None = None,
        fan: FanSpeed | None = None,
        setpoint: int | None = None,
        unit: TemperatureUnit | None = None,
    ) -> None:
        """Change an AC: one value by its own command, several at once when all are known."""
        requests = ac_requests(
            ac_id,
            self.ac_states.get(ac_id),
            on=on,
            mode=mode,
            fan=fan,
            setpoint=setpoint,
            unit=unit,
        )
        for request in requests:
            await self._submit(request)

    async def activate_scenario(self, scenario_id: int) -> None:
        """Run a scenario; CommandRejectedError when the box reports it failed."""
        await self._submit(scenario_request(scenario_id))

    async def set_led(self, node_id: int, key_id: int, on: bool) -> None:
        if not led_supported(self.version):
            raise VBoxError(f"key LEDs need firmware 9.x or later; the box reports {self.firmware}")
        await self._submit(led_request(node_id, key_id, on))

    async def key_status(self, node_id: int, key_id: int) -> KeyStatus:
        status: KeyStatus = await self._submit(status_query(("key", node_id, key_id)))
        return status

    async def read_installation(self, *, with_states: bool = True) -> Installation:
        """Read the database; then every key's and AC's state too, or just track the keys."""
        installation = await reader.read_database(self)
        self._use(installation)
        if with_states:
            await self._read_back()
        return installation

    async def check_installation(self, known: Installation) -> Installation:
        installation = await reader.check_installation(self, known)
        self._use(installation)
        return installation

    async def read_key_states(self, keys: Iterable[KeyAddress]) -> None:
        """A status sweep; keys that do not answer keep the state they had."""
        self.track_keys(keys)
        await self._sweep()

    def _use(self, installation: Installation) -> None:
        self.installation = installation
        self.track_keys(installation.active_keys())

    # ------------------------------------------------------------------ the link

    async def _open(self) -> None:
        """One connection attempt: TCP, the first keep-alive, the version."""
        session: Session[bytes | VTHFrame] = Session(
            self.host, self.port, self._decoder, self._on_message, self._supervisor.lost
        )
        self._exchanges.new_connection()
        await session.open(self.config.connect_timeout)
        self._session = session
        try:
            await self.ping()
            with contextlib.suppress(VBoxError):  # an old box may not say: not fatal
                self.version = await self._exchanges.version(
                    self._write, self.config.request_timeout
                )
        except ConnectionLostError as err:
            await self._drop()
            raise CannotConnectError(f"{self.host} closed the connection: {err}") from None
        except BaseException:
            await self._drop()
            raise
        check_firmware(self.host, self.version)
        self._queue.link_up.set()
        _LOGGER.debug("Connected to %s:%s", self.host, self.port)

    async def _drop(self, error: VBoxError | None = None) -> None:
        self._queue.link_up.clear()
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        self._exchanges.fail_all(error or ConnectionLostError(f"connection to {self.host} lost"))

    def _on_lost(self, reason: str) -> None:
        self._queue.link_up.clear()
        self._queue.pacer.link_lost()
        self._exchanges.fail_all(ConnectionLostError(f"connection to {self.host} lost: {reason}"))

    async def _read_back(self) -> None:
        """The sweep, then each AC's status (the sweep may not carry them)."""
        await self._sweep()
        for ac in self.installation.air_conditioners if self.installation else ():
            with contextlib.suppress(VBoxError):  # it keeps its last state
                await self._submit(status_query(("ac", ac.id)))

    async def _sweep(self) -> None:
        keys = frozenset(self._tracked | self.key_states.keys())
        answered: set[KeyAddress] = await self._submit(SweepRequest(keys), attempts=1)
        if missing := keys - answered:
            _LOGGER.debug("%d keys did not answer the sweep; their states are kept", len(missing))

    def _since_keepalive(self) -> float:
        """The heartbeat's clock: a keep-alive goes out every interval, whatever the box says."""
        return asyncio.get_running_loop().time() - self._keepalive_sent

    def _last_heard(self) -> float:
        session = self._session
        return max(self._queue.last_answer, session.last_read if session else 0.0)

    def _write(self, data: bytes) -> None:
        if self._session is None:
            raise ConnectionLostError(f"no connection to {self.host}")
        self._session.write(data)
        self.capture.frame(Direction.TO_VBOX, data, SOURCE)

    def _on_message(self, message: bytes | VTHFrame) -> None:
        if isinstance(message, VTHFrame):
            self.capture.frame(Direction.FROM_VBOX, message.to_bytes(), SOURCE)
            self._exchanges.on_frame(message)
        else:
            self.capture.frame(Direction.FROM_VBOX, message, SOURCE)
            self._exchanges.on_line(message)

    # ------------------------------------------------------------------ events

    def _on_key_status(self, status: KeyStatus, requested: bool) -> None:
        if not status.status.is_press:
            self.key_states[(status.node_id, status.key_id)] = status
        self._key_listeners.call(status, requested)

    def _on_ac_state(self, state: ACState) -> None:
        self.ac_states[state.ac_id] = state
        self._ac_listeners.call(state)

    def _notify_connection(self, state: ConnectionState) -> None:
        if state is self._announced:
            return
        self._announced = state
        self._connection_listeners.call(state)

    def _on_discard(self, reason: DiscardReason, data: bytes) -> None:
        self.discarded[reason] += 1
        self.capture.discard(reason.value, data, SOURCE)
        self._exchanges.warn(
            reason, "Discarded %d bytes from %s (%s)", len(data), self.host, reason
        )
