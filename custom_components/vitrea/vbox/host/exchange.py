"""Matching what a port-11502 box sends to what waits for it (no line carries an id, §3.1).

* One request is in flight at a time (the queue sees to it). A command completes
  on the first of: ``OK``; an ``E:``/``ERROR`` line (CommandRejectedError); a
  status line of its key or AC that shows it done. A scenario waits for its
  ``S:R`` result. With none of them in time, the target's status is asked once.
* An ``OK`` is owed by a command that completed another way: one arriving soon
  after is that late answer, not the answer of the next command. Any other ``OK``
  with nothing in flight is stale and ignored.
* While a key is being asked for (a status query, or a sweep that has not heard
  it yet), its first line is *state* (``requested``), never a press; later lines
  are pushes.
* VTH replies answer the pending VTH request when command byte and ids match; any
  other is dropped with a warning.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..climate import ACState
from ..errors import CommandRejectedError, MessageError, VBoxError, VBoxTimeoutError
from ..installation import KeyAddress
from ..logs import WarnOnce
from ..vtu.enums import AckType
from ..vtu.replies import KeyStatus
from . import lines
from .lines import ACLine, ErrorLine, KeyLine, Ok, PasswordOk, ScenarioResult, Version
from .requests import HostRequest, Request, SweepRequest, Target, VTHRequest, status_query
from .states import key_status
from .vth import VTHFrame, vth_request

_LOGGER = logging.getLogger(__name__)

SWEEP_CAP = 30.0  # a sweep never takes longer, whatever keeps arriving


@dataclass(slots=True)
class _Flight:
    request: HostRequest
    future: asyncio.Future[KeyStatus | ACState | None]
    ok_seen: bool = False


@dataclass(slots=True)
class _Sweep:
    remaining: set[KeyAddress]
    last: float
    answered: set[KeyAddress] = field(default_factory=set)
    heard: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)
    error: VBoxError | None = None  # the connection ended during the sweep


class Exchanges:
    """What waits for the box on the current connection, and where each line goes."""

    def __init__(
        self,
        host: str,
        on_key: Callable[[KeyStatus, bool], None],
        on_ac: Callable[[ACState], None],
        sweep_idle: float,
    ) -> None:
        self.host = host
        self._on_key = on_key
        self._on_ac = on_ac
        self._sweep_idle = sweep_idle
        self._flight: _Flight | None = None
        self._keepalives: list[asyncio.Future[Any]] = []
        self._versions: list[asyncio.Future[Any]] = []
        self._vth: tuple[VTHRequest, asyncio.Future[Any]] | None = None
        self._owed: deque[float] = deque()  # until when each owed OK may still arrive
        self._sweep: _Sweep | None = None
        self.warn = WarnOnce(_LOGGER)
        self.ok_window = 2.0  # how long an owed OK may be late (the request timeout)
        self._ok_while_asking = False

    def new_connection(self) -> None:
        self._owed.clear()
        self.warn.reset()

    def fail_all(self, error: VBoxError) -> None:
        """The connection is gone: everything still waiting fails with ``error``."""
        futures = [*self._keepalives, *self._versions]
        if self._flight is not None:
            futures.append(self._flight.future)
        if self._vth is not None:
            futures.append(self._vth[1])
        for future in futures:
            if not future.done():
                future.set_exception(error)
        if self._sweep is not None:
            self._sweep.error = error
            self._sweep.done.set()

    # ------------------------------------------------------------------ requests

    async def exchange(
        self, write: Callable[[bytes], None], request: Request, timeout: float
    ) -> Any:
        """The queue's exchange: write one request, wait for what answers it."""
        if isinstance(request, VTHRequest):
            return await self._vth_exchange(write, request, timeout)
        if isinstance(request, SweepRequest):
            return await self._sweep_exchange(write, request, timeout)
        result = await self._wait(write, request, timeout)
        if result is _TIMED_OUT:
            return await self._verify(write, request, timeout)
        return result

    async def _wait(
        self, write: Callable[[bytes], None], request: HostRequest, timeout: float
    ) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        flight = self._flight = _Flight(request, future)
        try:
            write(request.line)
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            if request.query:
                raise VBoxTimeoutError(f"{request.name} not answered by {self.host}") from None
            if flight.ok_seen:  # a scenario whose result line never came: it did run
                return None
            return _TIMED_OUT
        finally:
            if self._flight is flight:
                self._flight = None

    async def _verify(
        self, write: Callable[[bytes], None], request: HostRequest, timeout: float
    ) -> None:
        """No answer: ask the target's status once; done if it shows the command done."""
        if request.wanted is None or request.target is None:
            raise VBoxTimeoutError(f"{request.name} not answered by {self.host}")
        self._ok_while_asking = False
        state = await self._wait(write, status_query(request.target), timeout)
        if not request.wanted(state):
            raise VBoxTimeoutError(f"{request.name} not answered by {self.host}; not done")
        if not self._ok_while_asking:  # else its late OK came already
            self._owe()

    async def keepalive(self, write: Callable[[bytes], None], timeout: float) -> None:
        await self._await_line(self._keepalives, write, lines.keepalive(), timeout)

    async def version(self, write: Callable[[bytes], None], timeout: float) -> Version:
        version: Version = await self._await_line(
            self._versions, write, lines.version_query(), timeout
        )
        return version

    async def _await_line(
        self,
        waiters: list[asyncio.Future[Any]],
        write: Callable[[bytes], None],
        line: bytes,
        timeout: float,
    ) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        waiters.append(future)
        try:
            write(line)
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            name = line.decode().strip()
            raise VBoxTimeoutError(f"{name} not answered by {self.host}") from None
        finally:
            waiters.remove(future)

    async def _vth_exchange(
        self, write: Callable[[bytes], None], request: VTHRequest, timeout: float
    ) -> VTHFrame:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        pending = self._vth = (request, future)
        try:
            write(vth_request(request.command, request.payload))
            async with asyncio.timeout(timeout):
                frame: VTHFrame = await future
                return frame
        except TimeoutError:
            raise VBoxTimeoutError(f"{request.name} not answered by {self.host}") from None
        finally:
            if self._vth is pending:
                self._vth = None

    async def _sweep_exchange(
        self, write: Callable[[bytes], None], request: SweepRequest, timeout: float
    ) -> set[KeyAddress]:
        """``H:NALL:G``: until every key answered, or a pause without a line; the keys answered."""
        loop = asyncio.get_running_loop()
        sweep = self._sweep = _Sweep(set(request.keys), loop.time())
        cap = loop.time() + SWEEP_CAP
        try:
            write(lines.status_all())
            # With no key to wait for, it still runs to its pause: a satellite's line
            # arriving after it ended would pass for a press.
            while not sweep.done.is_set():
                pause = self._sweep_idle if sweep.heard else timeout
                wait = min(sweep.last + pause, cap) - loop.time()
                if wait <= 0:
                    break
                try:
                    async with asyncio.timeout(wait):
                        await sweep.done.wait()
                except TimeoutError:
                    continue
        finally:
            self._sweep = None
        if sweep.error is not None:
            raise sweep.error
        return sweep.answered

    # ------------------------------------------------------------------ what arrives

    def on_line(self, raw: bytes) -> None:
        try:
            line = lines.parse_line(raw)
        except MessageError as err:
            self.warn(("malformed", raw[:3]), "Unreadable line from %s: %s", self.host, err)
            return
        if isinstance(line, KeyLine):
            self._key_line(line, raw)
        elif isinstance(line, ACLine):
            self._ac_line(line.state)
        elif isinstance(line, Ok):
            self._ok()
        elif isinstance(line, ErrorLine):
            self._error(line)
        elif isinstance(line, ScenarioResult):
            self._scenario(line)
        elif isinstance(line, PasswordOk):
            _resolve_all(self._keepalives, None)
        elif isinstance(line, Version):
            _resolve_all(self._versions, line)
        else:
            _LOGGER.debug("From %s: %s", self.host, line)

    def on_frame(self, frame: VTHFrame) -> None:
        pending = self._vth
        if pending is None:
            _LOGGER.debug(
                "VTH reply %02X from %s with no request waiting", frame.command, self.host
            )
            return
        request, future = pending
        if frame.command != request.command:
            self.warn(
                ("vth", frame.command),
                "VTH reply of command %02X from %s while waiting for %s; dropped",
                frame.command,
                self.host,
                request.name,
            )
            return
        try:
            accepted = request.accepts(frame)
        except MessageError as err:
            _resolve(future, exception=err)
            return
        if accepted:
            _resolve(future, frame)
        else:
            self.warn(
                ("vth-id", frame.command),
                "VTH reply from %s for another %s (late); dropped",
                self.host,
                request.name,
            )

    def _key_line(self, line: KeyLine, raw: bytes) -> None:
        status = key_status(line)
        if status is None:
            self.warn(
                ("letter", line.letter),
                "Key status %r from %s not understood; ignored",
                raw,
                self.host,
            )
            return
        target: Target = ("key", status.node_id, status.key_id)
        requested = self._swept(target[1:]) or self._queried(target)
        self._on_key(status, requested)
        self._answer(target, status)

    def _ac_line(self, state: ACState) -> None:
        if self._sweep is not None:
            self._sweep.last = asyncio.get_running_loop().time()
            self._sweep.heard = True
        self._on_ac(state)
        self._answer(("ac", state.ac_id), state)

    def _swept(self, address: tuple[int, ...]) -> bool:
        sweep = self._sweep
        if sweep is None:
            return False
        key = (address[0], address[1])
        sweep.last = asyncio.get_running_loop().time()
        sweep.heard = True
        if key in sweep.answered:
            return False
        sweep.answered.add(key)
        if key in sweep.remaining:
            sweep.remaining.remove(key)
            if not sweep.remaining:  # every known key answered: no need to wait for a pause
                sweep.done.set()
        return True

    def _queried(self, target: Target) -> bool:
        flight = self._flight
        return flight is not None and flight.request.query and flight.request.target == target

    def _answer(self, target: Target, state: KeyStatus | ACState) -> None:
        flight = self._flight
        if flight is None or flight.request.target != target:
            return
        request = flight.request
        if request.query:
            self._finish(flight, state)
        elif request.wanted is not None and request.wanted(state):
            self._owe()
            self._finish(flight, None)

    def _owe(self) -> None:
        self._owed.append(asyncio.get_running_loop().time() + self.ok_window)

    def _ok(self) -> None:
        now = asyncio.get_running_loop().time()
        while self._owed and self._owed[0] < now:
            self._owed.popleft()
        if self._owed:
            self._owed.popleft()
            _LOGGER.debug("A late OK from %s: the answer to an earlier command", self.host)
            return
        flight = self._flight
        if flight is None or flight.request.query:
            self._ok_while_asking = True
            _LOGGER.debug("OK from %s with no command waiting; ignored", self.host)
            return
        if flight.request.target is not None and flight.request.target[0] == "scenario":
            flight.ok_seen = True  # its S:R line says whether it ran
            return
        self._finish(flight, None)

    def _error(self, line: ErrorLine) -> None:
        flight = self._flight
        if flight is None:
            self.warn(
                ("error", line.code), "Error from %s with nothing waiting: %s", self.host, line.text
            )
            return
        error = CommandRejectedError(f"{flight.request.name} ({line.text})", AckType.ERROR)
        self._finish(flight, exception=error)

    def _scenario(self, result: ScenarioResult) -> None:
        flight = self._flight
        if flight is None or flight.request.target != ("scenario", result.id):
            _LOGGER.debug("Scenario %s result from %s: %s", result.id, self.host, result.ok)
            return
        if not flight.ok_seen:  # its OK may follow the result
            self._owe()
        error = None if result.ok else CommandRejectedError(f"scenario {result.id}", AckType.ERROR)
        self._finish(flight, None, exception=error)

    def _finish(
        self, flight: _Flight, result: object = None, *, exception: BaseException | None = None
    ) -> None:
        """Answer the request in flight; what comes after (a copy, a late OK) is no answer to it."""
        if self._flight is flight:
            self._flight = None
        _resolve(flight.future, result, exception=exception)


_TIMED_OUT: Any = object()


def _resolve(
    future: asyncio.Future[Any], result: object = None, *, exception: BaseException | None = None
) -> None:
    if future.done():
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result)


def _resolve_all(futures: Iterable[asyncio.Future[Any]], result: object) -> None:
    for future in tuple(futures):
        _resolve(future, result)
