"""One TCP connection to the box: open it, write to it, turn what it sends into frames.

The session knows nothing of what the frames mean: a decoder turns the byte
stream into frames, ``on_frame`` gets each of them, and ``on_closed`` is told
once, with a reason, when the connection ends for any cause but ``close()``.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Protocol

from .errors import CannotConnectError, ConnectionLostError, VBoxTimeoutError
from .tasks import start_task, stop_tasks

READ_SIZE = 4096


class StreamDecoder[F](Protocol):
    """Turns received bytes into frames, whatever the read boundaries."""

    def feed(self, data: bytes) -> list[F]: ...

    def reset(self) -> None: ...


class Session[F]:
    """A TCP connection and its reader task; one per connection attempt."""

    def __init__(
        self,
        host: str,
        port: int,
        decoder: StreamDecoder[F],
        on_frame: Callable[[F], None],
        on_closed: Callable[[str], None],
    ) -> None:
        self.host = host
        self.port = port
        self._decoder = decoder
        self._on_frame = on_frame
        self._on_closed = on_closed
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task[None] | None = None
        self._ended = False
        self.last_read = 0.0  # loop time of the last bytes received

    @property
    def is_open(self) -> bool:
        return self._writer is not None and not self._ended

    async def open(self, timeout: float) -> None:
        """Connect; raise CannotConnectError or VBoxTimeoutError."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(self.host, self.port)
        except TimeoutError:
            raise VBoxTimeoutError(
                f"no answer from {self.host}:{self.port} within {timeout:g} s"
            ) from None
        except OSError as err:
            raise CannotConnectError(
                f"cannot reach {self.host}:{self.port}: {err.strerror or err}"
            ) from err
        sock = writer.get_extra_info("socket")
        if sock is not None:
            # Requests are small and wait for their answer: never hold one back.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._writer = writer
        self._decoder.reset()
        self.last_read = loop.time()
        self._reader_task = start_task(
            self._read(reader),
            f"vbox reader {self.host}",
            lambda error: self._end(f"reading failed: {error!r}"),
        )

    def write(self, data: bytes) -> None:
        if not self.is_open:
            raise ConnectionLostError(f"no connection to {self.host}")
        assert self._writer is not None
        self._writer.write(data)

    async def close(self) -> None:
        """Stop reading and close the socket; ``on_closed`` is not called."""
        self._ended = True
        task, self._reader_task = self._reader_task, None
        await stop_tasks(task)
        writer, self._writer = self._writer, None
        if writer is None:
            return
        writer.close()
        try:
            async with asyncio.timeout(1):
                await writer.wait_closed()
        except OSError, TimeoutError:
            pass

    async def _read(self, reader: asyncio.StreamReader) -> None:
        loop = asyncio.get_running_loop()
        reason = "closed by the box"
        try:
            while data := await reader.read(READ_SIZE):
                self.last_read = loop.time()
                for frame in self._decoder.feed(data):
                    self._on_frame(frame)
        except OSError as err:
            reason = str(err) or type(err).__name__
        self._end(reason)

    def _end(self, reason: str) -> None:
        if self._ended:
            return
        self._ended = True
        self._on_closed(reason)
