"""One TCP port of the simulated box: listening, its clients' connections, closing them.

Both ports share it: ``server.VBoxSimulator`` (11501) and ``host_server.HostSimulator``
(11502) add what they answer and how they accept a client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol

from .faults import ReplyFaults

_LOGGER = logging.getLogger(__name__)

CLOSE_TIMEOUT: Final = 1.0
READ_SIZE: Final = 4096

type OnDiscard = Callable[[object, bytes], None]


class Decoder[I](Protocol):
    """What turns a client's bytes into requests: a frame decoder, or lines and frames."""

    def feed(self, data: bytes) -> list[I]: ...


@dataclass(eq=False, slots=True)
class Connection:
    """One accepted client socket and the task serving it."""

    writer: asyncio.StreamWriter
    peer: str
    task: asyncio.Task[None] | None = None
    discarded: int = 0
    last_reply: float | None = None  # loop time of the last answer written

    def send(self, data: bytes) -> None:
        """Write bytes in one write, unless the socket is already closing."""
        if not self.writer.is_closing():
            self.writer.write(data)


def peer_name(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)


class Port[C: Connection, I, D: Decoder[Any]]:
    """A listening socket and its connections, each served request by request.

    Subclasses accept a client (``_accept``, which starts ``_serve``), decode its
    bytes into requests of type ``I`` with a ``D`` (``_decoder``) and answer each
    (``_handle``).
    """

    def __init__(self, *, latency: float, min_gap: float, push_delay: float) -> None:
        """The fault knobs both ports have; each port checks its own arguments."""
        self.latency = latency  # seconds before each answer
        self.min_gap = min_gap  # what arrives sooner than this after an answer is ignored
        self.push_delay = push_delay  # seconds between a command's answer and its push
        self.stalled = False  # read requests, answer none
        self.ignored = 0  # requests ignored for arriving within min_gap of an answer
        self.reply_faults = ReplyFaults()
        self.received: list[I] = []  # every request read, for tests
        self._connections: list[C] = []
        self._server: asyncio.Server | None = None
        self._accepting = False
        self._host = "127.0.0.1"
        self._port = 0

    @property
    def port(self) -> int:
        """The bound port (0 before ``start()``)."""
        return self._port

    @property
    def running(self) -> bool:
        return self._server is not None

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    def _decoder(self, on_discard: OnDiscard) -> D:
        raise NotImplementedError

    async def _handle(self, conn: C, request: I, arrived: float) -> bool:
        """Answer one request read at loop time ``arrived``; False: close the connection."""
        raise NotImplementedError

    async def _read(self, conn: C, reader: asyncio.StreamReader) -> bytes:
        """The next bytes from the client; b"" when it is gone."""
        return await reader.read(READ_SIZE)

    def _left(self, conn: C, decoder: D) -> None:
        """The client closed the connection (what it left unfinished may be logged)."""

    async def _serve(self, conn: C, reader: asyncio.StreamReader) -> None:
        def on_discard(reason: object, data: bytes) -> None:
            conn.discarded += len(data)
            _LOGGER.debug("%s: discarded %d bytes (%s)", conn.peer, len(data), reason)

        decoder = self._decoder(on_discard)
        loop = asyncio.get_running_loop()
        try:
            while data := await self._read(conn, reader):
                arrived = loop.time()
                for request in decoder.feed(data):
                    self.received.append(request)
                    if not await self._handle(conn, request, arrived):
                        return
            self._left(conn, decoder)
        except (ConnectionError, OSError) as err:
            _LOGGER.debug("%s: connection lost: %s", conn.peer, err)
        except Exception:
            _LOGGER.exception("%s: unexpected error, closing the connection", conn.peer)
        finally:
            self._forget(conn)
            conn.writer.close()
            _LOGGER.debug("client %s disconnected", conn.peer)

    def _start_serving(self, conn: C, reader: asyncio.StreamReader, name: str) -> None:
        """Serve an accepted connection in its own task (known at once: ``_accept`` is sync)."""
        self._connections.append(conn)
        conn.task = asyncio.get_running_loop().create_task(
            self._serve(conn, reader), name=f"{name} {conn.peer}"
        )

    async def _listen(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (0: any free port); return the bound port."""
        if self._server is not None:
            raise RuntimeError("the simulator is already running")
        self._accepting = True
        try:
            self._server = await asyncio.start_server(self._accept, host, port)
        except BaseException:
            self._accepting = False
            raise
        self._host = host
        self._port = self._server.sockets[0].getsockname()[1]
        return self._port

    async def _stop_listening(self) -> None:
        """Stop accepting and close every connection."""
        self._accepting = False
        server, self._server = self._server, None
        if server is not None:
            server.close()
        await self._close_connections(list(self._connections))
        if server is not None:
            await server.wait_closed()

    def _served(self) -> list[C]:
        """The connections that pushes and ``send_raw`` reach."""
        return list(self._connections)

    async def send_raw(self, data: bytes) -> None:
        """Write arbitrary bytes to every served client."""
        served = self._served()
        for conn in served:
            conn.send(data)
        for conn in served:
            # Bounded: a client that stopped reading must not hang the caller.
            with contextlib.suppress(ConnectionError, TimeoutError):
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await conn.writer.drain()

    def _forget(self, conn: C) -> None:
        if conn in self._connections:
            self._connections.remove(conn)

    async def _close_connections(self, connections: list[C], first: bytes | None = None) -> None:
        """Close ``connections`` (after writing ``first`` to each) and end their tasks."""
        tasks = [conn.task for conn in connections if conn.task is not None]
        for conn in connections:
            if first is not None:
                conn.send(first)
            conn.writer.close()  # graceful: what was written still goes out
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for conn in connections:
            self._forget(conn)  # a task cancelled before it ran never did it
            try:
                async with asyncio.timeout(CLOSE_TIMEOUT):
                    await conn.writer.wait_closed()
            except TimeoutError, ConnectionError, OSError:
                # A client that does not read keeps the socket from flushing.
                conn.writer.transport.abort()

    def _too_soon(self, conn: C, arrived: float) -> bool:
        """Whether what was read at ``arrived`` came within ``min_gap`` of the last answer."""
        return (
            self.min_gap > 0
            and conn.last_reply is not None
            and arrived - conn.last_reply < self.min_gap
        )
