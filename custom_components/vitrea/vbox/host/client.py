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
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from ..client_base import ClientBase
from ..climate import ACMode, ACState, FanSpeed, TemperatureUnit
from ..config import DEFAULT_HOST_PORT, HOST_CONFIG, ClientConfig
from ..enums import KeyPowerStatus, Protocol
from ..errors import CannotConnectError, ConnectionLostError, VBoxError
from ..installation import Installation, KeyAddress
from ..listeners import Listeners
from ..session import Session
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


class HostClient(ClientBase[Request, Any]):
    """A connection to one vBox's port 11502. Not thread-safe: use it from one event loop."""

    protocol = Protocol.HOST
    protocol_version: ProtocolVersion | None = None  # port 11501's layouts; none here

    def __init__(
        self, host: str, port: int = DEFAULT_HOST_PORT, *, config: ClientConfig | None = None
    ) -> None:
        config = config or HOST_CONFIG
        super().__init__(
            host,
            port,
            config,
            lambda request, timeout: self._exchanges.exchange(self._write, request, timeout),
        )
        self.installation: Installation | None = None  # what key types commands follow
        self.ac_states: dict[int, ACState] = {}
        self.discarded: dict[DiscardReason, int] = dict.fromkeys(DiscardReason, 0)
        self.capture = FrameCapture()
        self.version: Version | None = None
        self._decoder = HostStreamDecoder(on_discard=self._on_discard)
        self._exchanges = Exchanges(host, self._on_key_status, self._on_ac_state, config.sweep_idle)
        self._exchanges.ok_window = config.request_timeout
        self._keepalive_sent = 0.0
        self._links = 0  # connections opened: a read that spans two saw the link drop
        self._ac_listeners: Listeners[[ACState]] = Listeners("AC")

    # ------------------------------------------------------------------ state

    @property
    def firmware(self) -> str | None:
        """The box's version as it reports it ("8.66"); None before it answered."""
        return self.version.text if self.version else None

    # ------------------------------------------------------------------ listeners

    def add_ac_listener(self, listener: Callable[[ACState], None]) -> Callable[[], None]:
        """Call ``listener`` with every AC state the box reports."""
        return self._ac_listeners.add(listener)

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
        installation = self._whole(await self._on_one_link(reader.read_database(self)))
        if with_states:
            await self._read_back()
        return installation

    async def check_installation(self, known: Installation) -> Installation:
        return self._whole(await self._on_one_link(reader.check_installation(self, known)))

    async def read_key_states(self, keys: Iterable[KeyAddress]) -> None:
        """A status sweep; keys that do not answer keep the state they had."""
        self.track_keys(keys)
        await self._sweep()

    async def _on_one_link(self, read: Awaitable[Installation]) -> Installation:
        """A database read that saw the link drop (records skipped as silent while it was
        dead) is no installation: ConnectionLostError, and it is read again later."""
        links = self._links
        installation = await read
        if self._links != links or not self.connected:
            raise ConnectionLostError(f"the link to {self.host} dropped during the database read")
        return installation

    def _whole(self, installation: Installation) -> Installation:
        self.installation = installation
        self.track_keys(installation.active_keys())
        return installation

    # ------------------------------------------------------------------ the link

    async def _open(self) -> None:
        """One connection attempt: TCP, the first keep-alive, the version."""
        session: Session[bytes | VTHFrame] = Session(
            self.host, self.port, self._decoder, self._on_message, self._supervisor.lost
        )
        self._exchanges.new_connection()
        self._links += 1
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

    def _fail_all(self, error: VBoxError) -> None:
        self._exchanges.fail_all(error)

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

    def _silence(self) -> float:
        """The heartbeat's clock: a keep-alive goes out every interval, whatever the box says."""
        return asyncio.get_running_loop().time() - self._keepalive_sent

    def _last_answer(self) -> float:
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

    def _on_ac_state(self, state: ACState) -> None:
        self.ac_states[state.ac_id] = state
        self._ac_listeners.call(state)

    def _on_discard(self, reason: DiscardReason, data: bytes) -> None:
        self.discarded[reason] += 1
        self.capture.discard(reason.value, data, SOURCE)
        self._exchanges.warn(
            reason, "Discarded %d bytes from %s (%s)", len(data), self.host, reason
        )
