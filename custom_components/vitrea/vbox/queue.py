"""The command queue: one request on the wire at a time, in order, paced, never late.

* Requests go out one at a time, in the order they were issued (a FIFO lock).
  A request keeps its turn through its retries, so nothing overtakes it.
* Each request gets a deadline when it is issued (``wait`` seconds later). No
  attempt, first or retry, is written after it: a request waits for a link
  that is down, or behind slower ones, only until then, and then fails.
* A request with an ``order_key`` (a command to one key, say) is not retried
  once a newer request with the same key was issued: the retry would undo it.
* Before each write the queue leaves the box the pacer's gap after its last
  answer; an unanswered attempt widens the gap, answers narrow it again.

It knows nothing of frames: ``exchange`` writes one request and waits for what
answers it (raising VBoxTimeoutError when nothing does).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from typing import Protocol

from .errors import MessageError, NotConnectedError, VBoxTimeoutError
from .pacing import AdaptivePacer

_LOGGER = logging.getLogger(__name__)


class Named(Protocol):
    @property
    def name(self) -> str: ...


class CommandQueue[Req: Named, Rep]:
    """Serialises requests to one box; ``link_up`` gates them while the link is down."""

    def __init__(
        self,
        host: str,
        exchange: Callable[[Req, float], Awaitable[Rep]],
        pacer: AdaptivePacer,
    ) -> None:
        self.host = host
        self._exchange = exchange
        self.pacer = pacer
        self.link_up = asyncio.Event()  # logged in: requests may go out
        self._shut = True  # no link will come: waiting requests fail at once
        self._lock = asyncio.Lock()
        self.last_answer = 0.0  # loop time of the box's last answer
        self._latest: dict[Hashable, object] = {}  # order key -> its newest request

    def open(self) -> None:
        """The client runs: requests issued while the link is down wait for it."""
        self._shut = False

    def shut(self) -> None:
        """The client closed: requests waiting for the link fail now, not at their deadline."""
        self._shut = True
        self.link_up.set()  # wake them; they see the queue shut
        self.link_up.clear()

    async def submit(
        self,
        request: Req,
        *,
        timeout: float,
        attempts: int,
        wait: float,
        order_key: Hashable | None = None,
        gated: bool = True,
    ) -> Rep:
        """Send ``request`` (retried up to ``attempts`` times on timeout); return its answer.

        ``gated=False`` is for the login handshake, which opens the link itself.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        token = object()
        if order_key is not None:
            self._latest[order_key] = token
        try:
            async with self._turn(request, deadline, gated):
                for attempt in range(1, attempts + 1):
                    if attempt > 1 and not self._latest_of(order_key, token):
                        raise VBoxTimeoutError(
                            f"{request.name} not answered by {self.host}; not sent again: "
                            "a newer command to the same key follows"
                        )
                    await self._pace(request, deadline, attempt)
                    try:
                        reply = await self._exchange(request, timeout)
                    except MessageError:
                        self._answered()  # badly, but the box did answer
                        raise
                    except VBoxTimeoutError:
                        self.pacer.lost()
                        if attempt == attempts:
                            raise
                        _LOGGER.debug(
                            "%s timed out, attempt %d of %d", request.name, attempt, attempts
                        )
                        continue
                    self._answered()
                    return reply
        finally:
            if order_key is not None and self._latest.get(order_key) is token:
                del self._latest[order_key]
        raise AssertionError("unreachable")  # pragma: no cover

    def _latest_of(self, order_key: Hashable | None, token: object) -> bool:
        """Whether no newer request with the same order key was issued since ``token``'s."""
        return order_key is None or self._latest.get(order_key) is token

    def _answered(self) -> None:
        self.last_answer = asyncio.get_running_loop().time()
        self.pacer.answered()

    async def _pace(self, request: Req, deadline: float, attempt: int) -> None:
        """Leave the box its gap; never write after the deadline."""
        loop = asyncio.get_running_loop()
        send_at = max(loop.time(), self.last_answer + self.pacer.gap)
        if send_at > deadline:
            if attempt == 1:
                raise self._still_busy(request)
            raise VBoxTimeoutError(
                f"{request.name} not answered by {self.host}; not sent again after its deadline"
            )
        if send_at > loop.time():
            await asyncio.sleep(send_at - loop.time())

    @asynccontextmanager
    async def _turn(self, request: Req, deadline: float, gated: bool) -> AsyncIterator[None]:
        """Hold the one-request-in-flight lock on a live link; wait at most until ``deadline``."""
        try:
            async with asyncio.timeout_at(deadline):
                while True:
                    while gated and not self.link_up.is_set():
                        if self._shut:
                            raise NotConnectedError(f"not connected to {self.host}")
                        await self.link_up.wait()
                    await self._lock.acquire()
                    if not gated or self.link_up.is_set():
                        break
                    self._lock.release()  # the link dropped while we queued: wait again
        except TimeoutError:
            if gated and not self.link_up.is_set():
                raise NotConnectedError(
                    f"link to {self.host} still down at the deadline; {request.name} not sent"
                ) from None
            raise self._still_busy(request) from None
        try:
            yield
        finally:
            self._lock.release()

    def _still_busy(self, request: Req) -> VBoxTimeoutError:
        return VBoxTimeoutError(
            f"{request.name} not sent: {self.host} was still busy answering "
            "earlier requests at its deadline"
        )
