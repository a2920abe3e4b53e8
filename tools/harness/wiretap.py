"""A TCP relay in front of the box that timestamps every message the client writes.

The simulator's ``received`` list says which requests the box handled, but not
when they left the client: it handles a connection's requests one at a time, so
with ``latency`` a request written before a command's deadline is only listed
seconds later. The soak run needs the write time to tell a command sent in time
from one written after its caller got an error. Between the two, loopback adds
microseconds; connection faults pass through (a side that closes makes the relay
close the other, after forwarding what it had). What a message is depends on the
port: a VTU ``Frame`` on 11501; a text line (``bytes``, CRLF stripped) or a
``VTHFrame`` on 11502.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Final

from custom_components.vitrea.vbox import Protocol
from custom_components.vitrea.vbox.host.stream import HostStreamDecoder
from custom_components.vitrea.vbox.host.vth import VTHFrame
from custom_components.vitrea.vbox.vtu.enums import Direction
from custom_components.vitrea.vbox.vtu.frames import Frame, FrameDecoder

_HOST: Final = "127.0.0.1"
_READ_SIZE: Final = 4096
_CLOSE_TIMEOUT: Final = 1.0


type WireMessage = Frame | bytes | VTHFrame
"""What a client writes: a VTU frame (11501), a text line or a VTH frame (11502)."""


@dataclass(frozen=True, slots=True)
class TappedFrame:
    """A message the client wrote, with the loop time the relay read it."""

    time: float
    frame: WireMessage


def _decoder(protocol: Protocol) -> Callable[[bytes], list[WireMessage]]:
    """A fresh decoder of what a client writes on ``protocol``'s port."""
    if protocol is Protocol.HOST:
        host = HostStreamDecoder(Direction.TO_VBOX)
        return lambda data: list(host.feed(data))
    vtu = FrameDecoder(Direction.TO_VBOX)
    return lambda data: list(vtu.feed(data))


class WireTap:
    """Listens on a free loopback port and relays each connection to ``upstream_port``.

    Every message towards the box lands in :attr:`frames`. A connection the box
    refuses is accepted and closed at once: the client sees a closed connection
    instead of a refused one, which it handles the same way.
    """

    def __init__(self, upstream_port: int, protocol: Protocol = Protocol.VTU) -> None:
        self.upstream_port = upstream_port
        self.protocol = protocol
        self.frames: list[TappedFrame] = []
        self._server: asyncio.Server | None = None
        self._relays: set[asyncio.Task[None]] = set()
        self._port = 0

    @property
    def port(self) -> int:
        """Where clients connect (0 before ``start()``)."""
        return self._port

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, _HOST, 0)
        self._port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and cut every relayed connection."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        relays = list(self._relays)
        for relay in relays:
            relay.cancel()
        await asyncio.gather(*relays, return_exceptions=True)
        if server is not None:
            await server.wait_closed()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A plain callback, not a coroutine: the relay task is ours to cancel on stop().
        earlier = set(self._relays)
        relay = asyncio.get_running_loop().create_task(
            self._relay(reader, writer, earlier), name="harness wiretap relay"
        )
        self._relays.add(relay)
        relay.add_done_callback(self._relays.discard)

    async def _relay(
        self,
        client_reader: asyncio.StreamReader,
        client: asyncio.StreamWriter,
        earlier: set[asyncio.Task[None]],
    ) -> None:
        if earlier:
            # A client that reconnects closed its last connection first, and the box
            # saw that close before the new connection. Through the relay that close
            # takes a detour: let it reach the box before connecting, or the box would
            # still count the old connection and answer "in use".
            await asyncio.wait(earlier, timeout=_CLOSE_TIMEOUT * 2)
        try:
            box_reader, box = await asyncio.open_connection(_HOST, self.upstream_port)
        except OSError:
            await _close(client)
            return
        loop = asyncio.get_running_loop()
        decode = _decoder(self.protocol)

        def tap(data: bytes) -> None:
            now = loop.time()
            self.frames.extend(TappedFrame(now, message) for message in decode(data))

        pumps = [
            loop.create_task(_pump(client_reader, box, tap), name="harness wiretap up"),
            loop.create_task(_pump(box_reader, client, None), name="harness wiretap down"),
        ]
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)
            await asyncio.gather(_close(client), _close(box))


async def _pump(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    tap: Callable[[bytes], None] | None,
) -> None:
    """Copy until end of stream or an error; the caller closes both sides."""
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(_READ_SIZE):
            if tap is not None:
                tap(data)
            writer.write(data)
            await writer.drain()


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()  # graceful: what was written still goes out
    try:
        async with asyncio.timeout(_CLOSE_TIMEOUT):
            await writer.wait_closed()
    except TimeoutError, ConnectionError, OSError:
        writer.transport.abort()


@asynccontextmanager
async def wiretap(upstream_port: int, protocol: Protocol = Protocol.VTU) -> AsyncIterator[WireTap]:
    """A :class:`WireTap` in front of ``upstream_port`` (a ``protocol`` port), stopped on exit."""
    tap = WireTap(upstream_port, protocol)
    await tap.start()
    try:
        yield tap
    finally:
        await tap.stop()
