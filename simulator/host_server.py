"""The simulated box's port 11502: text lines and VTH database frames, on the 11501 box's home.

docs/vbox-protocol.md §3-4. A :class:`HostSimulator` serves the same home and key
states as the :class:`VBoxSimulator` it is given, as a real box serves the app and
an integration at once: a change made through either port is pushed to the
clients of both, and so is a press on the wall. Each connection is handled line
by line, in order:

* ``P:VITREA`` → ``S:PSW:OK`` (answered at any time; commands are answered before it too);
* ``G:V:S`` → ``V:<version>``; status queries → their ``S:`` lines;
* a command that is carried out → ``OK``, then its effect: the changed key's or
  AC's ``S:`` line to every client (``push_delay`` later); a scenario also answers
  ``S:Rdddd:OK`` (``S:Rdddd:ERROR`` alone for an unknown one);
* anything refused → an ``E:<code>:<text>`` line; VTH requests → their replies;
* a client silent for more than ``idle_timeout`` seconds is dropped.

Knobs for fault tests, as on 11501: ``latency``, ``min_gap``, ``push_delay``,
``stalled``, ``refuse_connections``, :meth:`HostSimulator.malform_replies`,
:meth:`HostSimulator.delay_replies`, :meth:`HostSimulator.drop_connections` (and
``drop_connections_every``); and port 11502's own: ``omit_ok``, ``echo``,
``duplicate_status`` and :meth:`HostSimulator.bad_vth_record`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from custom_components.vitrea.vbox import ACState, KeyStatus, MessageError
from custom_components.vitrea.vbox.host.commands import ok, parse_command
from custom_components.vitrea.vbox.host.grammar import EOL
from custom_components.vitrea.vbox.host.stream import HostStreamDecoder
from custom_components.vitrea.vbox.host.vth import VTHFrame
from custom_components.vitrea.vbox.vtu.enums import Direction

from .climate import ACUnits
from .faults import ReplyFault, spoiled
from .host_commands import Answer, ErrorCode, HostHome, error_line, version_major
from .host_database import reply_to, request_ids
from .port import READ_SIZE, Connection, OnDiscard, Port, peer_name
from .server import VBoxSimulator
from .state import SceneStep

_LOGGER = logging.getLogger(__name__)

DEFAULT_HOST_PORT: Final = 11502
DEFAULT_VERSION: Final = "866"
DEFAULT_IDLE_TIMEOUT: Final = 30.0
TEXT_ANSWER: Final = 0  # the "command" of a text command's answer in a fault rule (VTH: 1-10)
_STATUS_PREFIXES: Final = (b"S:N", b"S:A")


@dataclass(eq=False, slots=True)
class _Connection(Connection):
    greeted: bool = False  # sent P:VITREA
    warned: bool = False  # logged a command before P:VITREA


class HostSimulator(Port[_Connection, bytes | VTHFrame, HostStreamDecoder]):
    """Port 11502 of the box whose port 11501 is ``box``: same home, same key states."""

    def __init__(
        self,
        box: VBoxSimulator,
        *,
        version: str = DEFAULT_VERSION,
        ac_states: Iterable[ACState] = (),
        scenes: Mapping[int, Sequence[SceneStep]] | None = None,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
        latency: float = 0.0,
        min_gap: float = 0.0,
        push_delay: float = 0.0,
    ) -> None:
        """``version`` as ``G:V:S`` answers it (``866``: 8.66); ``scenes``: what each
        scenario does; ``idle_timeout`` 0: never drop a silent client."""
        if min(idle_timeout, latency, min_gap, push_delay) < 0:
            raise ValueError("idle_timeout, latency, min_gap and push_delay cannot be negative")
        super().__init__(latency=latency, min_gap=min_gap, push_delay=push_delay)
        self.box = box
        self.idle_timeout = idle_timeout
        self.refuse_connections = False
        self.omit_ok = False
        self.echo = False
        self.duplicate_status = False
        self.bad_records: set[tuple[int, ...]] = set()
        self._installation = box.installation
        self.home = HostHome(
            box, ACUnits(box.installation, ac_states), scenes or {}, version, self._push_ac
        )
        self._version_check()
        self._timers: set[asyncio.TimerHandle] = set()
        self.drop_every = 0.0  # seconds between drops of every client (0: never)
        self._dropper: asyncio.Task[None] | None = None
        box.add_push_listener(self._on_key_change)

    def _version_check(self) -> None:
        """ValueError now for a version the box could not send, rather than at ``G:V:S``."""
        try:
            version_major(self.home.version)
        except MessageError as err:
            raise ValueError(f"version {self.home.version!r}: {err}") from None

    # ------------------------------------------------------------------ properties

    @property
    def connected_clients(self) -> int:
        return len(self._connections)

    @property
    def version(self) -> str:
        return self.home.version

    @version.setter
    def version(self, text: str) -> None:
        previous, self.home.version = self.home.version, text
        try:
            self._version_check()
        except ValueError:
            self.home.version = previous
            raise

    def ac_state(self, ac_id: int) -> ACState:
        """An AC's state as the box reports it; KeyError for an AC that does not exist."""
        self._sync()
        return self.home.acs.state(ac_id)

    def led(self, node_id: int, key_id: int) -> bool:
        """A key's LED as the last ``L:`` command left it (off before any)."""
        return self.home.leds.get((node_id, key_id), False)

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on ``host:port`` (0: any free port); return the bound port."""
        await self._listen(host, port)
        self._start_dropping()
        self.box.keys.arm_pending_timers()  # when port 11501 is not served
        _LOGGER.info("vBox simulator port 11502 protocol listening on %s:%d", host, self._port)
        return self._port

    async def stop(self) -> None:
        """Close every client connection and the server; forget what was still to send."""
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        await self._stop_dropping()
        await self._stop_listening()

    # ------------------------------------------------------------------ knobs

    async def set_ac_temperature(self, ac_id: int, degrees: int) -> None:
        """The AC's sensor measures ``degrees`` (in the AC's unit): its S:A line is pushed."""
        self._sync()
        self.home.acs.unit(ac_id).temperature = degrees
        self._push_ac(ac_id)

    def malform_replies(
        self,
        fault: ReplyFault = ReplyFault.SHORT,
        count: int | None = 1,
        *,
        every: int = 1,
        command: int | None = None,
    ) -> None:
        """Spoil the next ``count`` answers (None: all), every ``every``-th one.

        A text answer gets its status line (else its first line) cut until it no
        longer parses; a VTH reply is cut short (SHORT), gets a bad checksum
        (CHECKSUM) or a bad length field (LENGTH). ``command``: only the replies to
        that VTH command, or TEXT_ANSWER for text commands only.
        """
        if fault is ReplyFault.LATE:
            raise ValueError("use delay_replies() for late replies")
        self.reply_faults.add(fault, count, every=every, command=command)

    def delay_replies(
        self, delay: float, count: int | None = 1, *, every: int = 1, command: int | None = None
    ) -> None:
        """Write the next ``count`` answers ``delay`` seconds late, answering on meanwhile."""
        self.reply_faults.add(ReplyFault.LATE, count, every=every, command=command, delay=delay)

    def clear_reply_faults(self) -> None:
        self.reply_faults.clear()

    def bad_vth_record(self, command: int, *ids: int) -> None:
        """From now on, answer this record with a name length that does not match its name.

        ``ids`` as the request carries them: e.g. ``(6, 8, 2)`` is keypad 8's key digit 2.
        """
        self.bad_records.add((command, *ids))

    async def drop_connections(self) -> None:
        """Close every client's socket."""
        await self._close_connections(list(self._connections))

    async def drop_connections_every(self, seconds: float) -> None:
        """Drop every client every ``seconds`` from now on, as a flaky network would (0: stop)."""
        if seconds < 0:
            raise ValueError("the period between drops cannot be negative")
        await self._stop_dropping()
        self.drop_every = seconds
        if self.running:
            self._start_dropping()

    def _start_dropping(self) -> None:
        if self.drop_every > 0:
            self._dropper = asyncio.get_running_loop().create_task(
                self._drop_periodically(), name="vbox simulator 11502 drops"
            )

    async def _stop_dropping(self) -> None:
        dropper, self._dropper = self._dropper, None
        if dropper is not None:
            dropper.cancel()
            await asyncio.gather(dropper, return_exceptions=True)

    async def _drop_periodically(self) -> None:
        while True:
            await asyncio.sleep(self.drop_every)
            _LOGGER.info("port 11502: dropping every client (every %.1f s)", self.drop_every)
            await self.drop_connections()

    # ------------------------------------------------------------------ connections

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = peer_name(writer)
        if not self._accepting:
            writer.transport.abort()
            return
        if self.refuse_connections:
            _LOGGER.info("port 11502: refusing %s", peer)
            writer.close()
            return
        self._start_serving(_Connection(writer, peer), reader, "vbox simulator 11502 client")
        _LOGGER.debug("port 11502: client %s connected", peer)

    def _decoder(self, on_discard: OnDiscard) -> HostStreamDecoder:
        return HostStreamDecoder(Direction.TO_VBOX, on_discard=on_discard)

    async def _read(self, conn: _Connection, reader: asyncio.StreamReader) -> bytes:
        try:
            async with asyncio.timeout(self.idle_timeout or None):
                return await reader.read(READ_SIZE)
        except TimeoutError:
            _LOGGER.info("%s: silent for %.0f s, dropping it", conn.peer, self.idle_timeout)
            return b""

    # ------------------------------------------------------------------ requests

    async def _handle(self, conn: _Connection, item: bytes | VTHFrame, arrived: float) -> bool:
        """Answer one line or frame read at loop time ``arrived``."""
        if self.stalled:
            return True
        if self._too_soon(conn, arrived):
            self.ignored += 1
            _LOGGER.debug("%s: %r too soon after an answer, ignored", conn.peer, item)
            return True
        self._sync()
        if isinstance(item, VTHFrame):
            answer, command = self._database(item), item.command
        else:
            if self.echo and item.startswith(b"H:"):
                conn.send(item + EOL)
            answer, command = self._text(conn, item), TEXT_ANSWER
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        if self._muted():
            return True
        self._answer(conn, command, answer)
        await conn.writer.drain()
        return True

    def _muted(self) -> bool:
        return self.stalled  # a method: ``stalled`` may change during the latency await

    def _text(self, conn: _Connection, line: bytes) -> Answer:
        try:
            command = parse_command(line)
        except MessageError as err:
            _LOGGER.info("%s: refused %r: %s", conn.peer, line, err)
            return Answer(lambda: [error_line(ErrorCode.WRONG_COMMAND)])
        if line.strip() == b"P:VITREA":
            conn.greeted = True
        elif not conn.greeted and not conn.warned:
            conn.warned = True
            _LOGGER.info("%s: %r before P:VITREA; answering anyway", conn.peer, line)
        return self.home.answer(command)

    def _database(self, request: VTHFrame) -> Answer:
        ids = request_ids(request)
        bad = (request.command, *ids) in self.bad_records

        def lines() -> list[bytes]:
            reply = reply_to(self.box.installation, request, bad_name=bad)
            return [] if reply is None else [reply]

        return Answer(lines)

    def _answer(self, conn: _Connection, command: int, answer: Answer) -> None:
        """Write ``answer`` (spoiled or late if a fault says so), then run its effect."""
        fault = self.reply_faults.next_fault(command) if self.reply_faults else None
        if fault is not None and fault.fault is ReplyFault.LATE:
            _LOGGER.debug("%s: answering %.2f s late", conn.peer, fault.delay)
            self._later(fault.delay, lambda: self._write(conn, answer, None))
        else:
            self._write(conn, answer, None if fault is None else fault.fault)
        if answer.effect is not None:  # carried out now, or push_delay later
            if self.push_delay > 0:
                self._later(self.push_delay, answer.effect)
            else:
                answer.effect()

    def _write(self, conn: _Connection, answer: Answer, spoil: ReplyFault | None) -> None:
        if self.stalled or conn not in self._connections:
            return
        lines = answer.lines()
        if answer.executed and not self.omit_ok:
            lines.insert(0, ok())
        if spoil is not None and lines:
            index = next(
                (i for i, line in enumerate(lines) if line.startswith(_STATUS_PREFIXES)), 0
            )
            lines[index] = spoiled(lines[index], spoil)
        for line in lines:
            conn.send(line)
            if self.duplicate_status and line.startswith(_STATUS_PREFIXES):
                conn.send(line)
        conn.last_reply = asyncio.get_running_loop().time()

    # ------------------------------------------------------------------ pushes

    def _later(self, delay: float, action: Callable[[], None]) -> None:
        def fire() -> None:
            self._timers.discard(handle)
            action()

        handle = asyncio.get_running_loop().call_later(delay, fire)
        self._timers.add(handle)

    def _on_key_change(self, status: KeyStatus) -> None:
        """A key changed or was pressed (through any port, or on the wall): tell every client."""
        line = self.home.key_line(status)
        if line is not None:
            self._broadcast(line)

    def _push_ac(self, ac_id: int) -> None:
        self._broadcast(self.home.ac_line(ac_id))

    def _broadcast(self, line: bytes) -> None:
        if self.stalled:
            return
        copies = 2 if self.duplicate_status else 1
        for conn in self._connections:
            for _ in range(copies):
                conn.send(line)

    def _sync(self) -> None:
        """Follow the 11501 box's installation (a restart may have swapped it)."""
        if self.box.installation is not self._installation:
            self._installation = self.box.installation
            self.home.acs.reset(self._installation)
