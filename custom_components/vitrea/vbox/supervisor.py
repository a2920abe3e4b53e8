"""Keeping the link up: heartbeat, reconnect with backoff, read-back, announcements.

* A heartbeat goes out after ``heartbeat_interval`` of silence from the box; one
  that is not answered (and nothing else heard meanwhile) means a dead link.
  It is sent once, never retried like a request.
* When the link is lost, the supervisor reconnects forever with capped
  exponential backoff and jitter, reads the states back, then announces
  CONNECTED. Every failure of the read-back (the box in use, silent, the link
  lost again) ends in a new reconnect: the link is never left up unannounced.
  Only a refused login stops it (AUTH_FAILED): a password change needs a person.
* Both run as supervised tasks (tasks.start_task): a heartbeat that dies takes
  the link down, a supervisor that dies is started again; each is logged.

What a link is (how to open, ping, read back) is given as callables, so this
module knows nothing of the protocol.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from .config import ClientConfig
from .errors import AuthenticationError, VBoxConnectionError, VBoxError, VBoxTimeoutError
from .tasks import start_task, stop_tasks

_LOGGER = logging.getLogger(__name__)


class ConnectionState(StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    AUTH_FAILED = "auth_failed"  # login refused while reconnecting: reconnecting stopped


@dataclass(frozen=True, slots=True)
class LinkOps:
    """What the supervisor does to the link."""

    open: Callable[[], Awaitable[None]]  # connect and log in; raise VBoxError, leave nothing open
    drop: Callable[[], Awaitable[None]]  # close the connection
    ping: Callable[[], Awaitable[None]]  # one heartbeat; VBoxTimeoutError when unanswered
    read_back: Callable[[], Awaitable[None]]  # the states, after a reconnect
    silence: Callable[[], float]  # seconds since the box last sent anything
    last_answer: Callable[[], float]  # loop time of the box's last answer to a request
    on_lost: Callable[[str], None]  # fail what waits on the link, at once


class Supervisor:
    """Runs the link of one client from ``connect()`` to ``close()``."""

    def __init__(
        self,
        host: str,
        config: ClientConfig,
        ops: LinkOps,
        announce: Callable[[ConnectionState], None],
    ) -> None:
        self.host = host
        self._config = config
        self._ops = ops
        self._announce = announce
        self._lost = asyncio.Event()
        self._closing = True
        self._task: asyncio.Task[None] | None = None
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._up = False  # logged in: a loss is news (during a reconnect attempt it is not)
        self.last_error: VBoxError | None = None

    @property
    def running(self) -> bool:
        return self._task is not None

    async def connect(self) -> None:
        """The first connection: its errors are the caller's; then keep the link up."""
        self._closing = False
        self._lost.clear()
        try:
            await self._ops.open()
        except BaseException:
            self._closing = True
            raise
        self._up = True
        self._start_heartbeat()
        self._start()
        self._announce(ConnectionState.CONNECTED)

    async def close(self) -> None:
        self._closing = True
        task, self._task = self._task, None
        await stop_tasks(task)
        await self._stop_heartbeat()

    def lost(self, reason: str) -> None:
        """The link is dead (closed, silent, broken): the supervisor takes it from here."""
        if self._closing or self._lost.is_set():
            return
        self._lost.set()
        level = logging.INFO if self._up else logging.DEBUG
        self._up = False
        _LOGGER.log(level, "Connection to %s lost: %s", self.host, reason)
        self._ops.on_lost(reason)

    # ------------------------------------------------------------------ tasks

    def _start(self) -> None:
        self._task = start_task(self._run(), f"vbox supervisor {self.host}", self._restart)

    def _restart(self, error: BaseException) -> None:
        if self._closing:
            return
        self.lost(f"the supervisor failed: {error!r}")
        self._start()

    def _start_heartbeat(self) -> None:
        self._heartbeat_task = start_task(
            self._heartbeat(),
            f"vbox heartbeat {self.host}",
            lambda error: self.lost(f"the heartbeat failed: {error!r}"),
        )

    async def _stop_heartbeat(self) -> None:
        task, self._heartbeat_task = self._heartbeat_task, None
        await stop_tasks(task)

    async def _run(self) -> None:
        while True:
            await self._lost.wait()
            await self._stop_heartbeat()
            await self._ops.drop()
            self._announce(ConnectionState.DISCONNECTED)
            if not await self._reconnect():
                return

    async def _reconnect(self) -> bool:
        """Until the link is up with fresh states (True) or the login is refused (False)."""
        delay = self._config.reconnect_initial
        while True:
            await asyncio.sleep(self._jittered(delay))
            delay = min(delay * 2, self._config.reconnect_max)
            self._lost.clear()
            try:
                await self._ops.open()
            except AuthenticationError as err:
                self.last_error = err
                _LOGGER.warning("%s refused the login; not reconnecting", self.host)
                self._announce(ConnectionState.AUTH_FAILED)
                return False
            except VBoxError as err:
                self._failed(err)
                continue
            self.last_error = None
            self._up = True
            self._start_heartbeat()
            try:
                await self._ops.read_back()
            except VBoxError as err:
                # In use, silent, or gone again: start over rather than stay half-connected.
                self.last_error = err
                self.lost(f"reading the states back failed: {err}")
            if self._lost.is_set():
                await self._stop_heartbeat()
                await self._ops.drop()
                self._failed(self.last_error)
                continue
            _LOGGER.info("Reconnected to %s", self.host)
            self._announce(ConnectionState.CONNECTED)
            return True

    def _failed(self, err: VBoxError | None) -> None:
        if err is not None:
            self.last_error = err
        _LOGGER.debug("Reconnect to %s failed: %s", self.host, err or "link lost again")

    async def _heartbeat(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self._config.heartbeat_interval
        while True:
            # Silence from the box, not from us: requests that go unanswered (a
            # half-open link) must not keep the heartbeat away.
            idle = self._ops.silence()
            if idle < interval:
                await asyncio.sleep(interval - idle)
                continue
            sent = loop.time()
            try:
                await self._ops.ping()
            except VBoxTimeoutError:
                if self._ops.last_answer() > sent:
                    continue  # not sent behind requests the box did answer: busy, not dead
                self.lost("heartbeat not answered")
                return
            except VBoxConnectionError as err:
                self.lost(str(err))
                return

    def _jittered(self, delay: float) -> float:
        spread = self._config.reconnect_jitter
        return delay * random.uniform(1 - spread, 1 + spread)
