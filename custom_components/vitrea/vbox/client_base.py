"""What every protocol's client shares: the queue and supervisor, key states, listeners, lifecycle.

``VBoxClient`` (port 11501) and ``HostClient`` (port 11502) differ in how they
open a link, ping it, read states back and match answers to requests; those are
the methods a subclass provides. Everything else a caller sees through
``BoxClient`` (connection state, pacing figures, tracked keys, listeners,
``connect``/``close``) is written once, here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from .config import ClientConfig
from .errors import ConnectionLostError, NotConnectedError, VBoxError
from .installation import KeyAddress
from .listeners import Listeners
from .pacing import AdaptivePacer
from .queue import CommandQueue, Named
from .session import Session
from .supervisor import ConnectionState, LinkOps, Supervisor
from .vtu.replies import KeyStatus

type KeyListener = Callable[[KeyStatus, bool], None]
"""Called with every KeyStatus and whether it answered our own request for it."""
type ConnectionListener = Callable[[ConnectionState], None]


class ClientBase[Req: Named, Rep]:
    """A connection to one box: kept up from ``connect()`` to ``close()``."""

    def __init__(
        self,
        host: str,
        port: int,
        config: ClientConfig,
        exchange: Callable[[Req, float], Awaitable[Rep]],
    ) -> None:
        self.host = host
        self.port = port
        self.config = config
        self.key_states: dict[KeyAddress, KeyStatus] = {}
        self._session: Session[Any] | None = None
        self._queue: CommandQueue[Req, Rep] = CommandQueue(
            host, exchange, AdaptivePacer(config.request_gap, ceiling=config.max_request_gap)
        )
        self._supervisor = Supervisor(
            host,
            config,
            LinkOps(
                open=self._open,
                drop=self._drop,
                ping=self.ping,
                read_back=self._read_back,
                silence=self._silence,
                last_answer=self._last_answer,
                on_lost=self._on_lost,
            ),
            self._notify_connection,
        )
        self._tracked: set[KeyAddress] = set()
        self._key_listeners: Listeners[[KeyStatus, bool]] = Listeners("Key")
        self._connection_listeners: Listeners[[ConnectionState]] = Listeners("Connection")
        self._announced: ConnectionState | None = None

    # ------------------------------------------------------------------ what a protocol provides

    async def _open(self) -> None:
        """One connection attempt; sets ``_session`` and ``link_up``, cleans up on failure."""
        raise NotImplementedError

    async def ping(self) -> None:
        """One heartbeat, never retried; VBoxTimeoutError when unanswered."""
        raise NotImplementedError

    async def _read_back(self) -> None:
        """The states, after a reconnect."""
        raise NotImplementedError

    def _fail_all(self, error: VBoxError) -> None:
        """Whatever waits for an answer fails with ``error``."""
        raise NotImplementedError

    def _silence(self) -> float:
        """Seconds the heartbeat counts from (by default: since the box last sent anything)."""
        session = self._session
        if session is None:
            return 0.0
        return asyncio.get_running_loop().time() - session.last_read

    def _last_answer(self) -> float:
        return self._queue.last_answer

    # ------------------------------------------------------------------ state

    @property
    def connected(self) -> bool:
        """Logged in: requests go out now (states may still be being read back)."""
        return self._queue.link_up.is_set()

    @property
    def state(self) -> ConnectionState | None:
        """What the connection listeners were last told (None before connect or after close)."""
        return self._announced

    @property
    def last_error(self) -> VBoxError | None:
        """Why the last reconnect attempt failed; None once connected again."""
        return self._supervisor.last_error

    @property
    def current_gap(self) -> float:
        """Seconds left between the box's answer and our next request, as pacing learned it."""
        return self._queue.pacer.gap

    @property
    def unanswered_requests(self) -> int:
        """Requests the box (alive) left unanswered: what made pacing widen its gap."""
        return self._queue.pacer.losses

    # ------------------------------------------------------------------ listeners

    def add_key_listener(self, listener: KeyListener) -> Callable[[], None]:
        """Call ``listener`` on every key status; returns a function that removes it."""
        return self._key_listeners.add(listener)

    def add_connection_listener(self, listener: ConnectionListener) -> Callable[[], None]:
        """Call ``listener`` when the link comes up (states fresh) or goes down."""
        return self._connection_listeners.add(listener)

    def track_keys(self, keys: Iterable[KeyAddress]) -> None:
        """Keys whose state is read again after every reconnect (read_installation adds all)."""
        self._tracked.update(keys)

    def untrack_keys(self, keys: Iterable[KeyAddress]) -> None:
        """Forget keys the box no longer has: no more re-reads, no stale state."""
        keys = list(keys)
        self._tracked.difference_update(keys)
        self.forget_states(keys)

    def forget_states(self, keys: Iterable[KeyAddress]) -> None:
        """States that could not be read again: unknown is better than stale."""
        for key in keys:
            self.key_states.pop(key, None)

    # ------------------------------------------------------------------ lifecycle

    async def connect(self) -> None:
        """Open the connection, then keep it up until ``close()``; on failure nothing runs."""
        if self._supervisor.running:
            raise RuntimeError(f"{type(self).__name__}.connect() called twice")
        self._queue.open()
        try:
            await self._supervisor.connect()
        except BaseException:
            self._queue.shut()
            raise

    async def close(self) -> None:
        """Stop reconnecting, close the socket, fail whatever still waits."""
        await self._supervisor.close()
        await self._drop(NotConnectedError("the client was closed"))
        self._announced = None
        self._queue.shut()

    async def _drop(self, error: VBoxError | None = None) -> None:
        """Close the current connection; whatever waits for an answer fails."""
        self._queue.link_up.clear()
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        self._fail_all(error or ConnectionLostError(f"connection to {self.host} lost"))

    def _on_lost(self, reason: str) -> None:
        """The link died: nothing may wait for it a moment longer (the supervisor reconnects)."""
        self._queue.link_up.clear()
        self._queue.pacer.link_lost()
        self._fail_all(ConnectionLostError(f"connection to {self.host} lost: {reason}"))

    # ------------------------------------------------------------------ events

    def _on_key_status(self, status: KeyStatus, requested: bool) -> None:
        if not status.status.is_press:
            self.key_states[(status.node_id, status.key_id)] = status
        self._key_listeners.call(status, requested)

    def _notify_connection(self, state: ConnectionState) -> None:
        if state is self._announced:
            return
        self._announced = state
        if state is ConnectionState.AUTH_FAILED:
            self._queue.shut()  # no link will come without new credentials
        self._connection_listeners.call(state)
