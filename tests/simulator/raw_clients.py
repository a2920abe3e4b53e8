"""Raw clients of the fake vBox's ports (bytes in, bytes out), and VTH frames built by hand."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import pytest

TIMEOUT = 2.0


def vth(command: int, payload: bytes, direction: int = 0x3C) -> bytes:
    """A VTH frame built by hand from §4.1: L = payload + 1, checksum = sum of what precedes."""
    body = b"VTH" + bytes((direction, command)) + (len(payload) + 1).to_bytes(2, "big") + payload
    return body + bytes((sum(body) & 0xFF,))


def name(text: str) -> bytes:
    data = text.encode("utf-16-le")
    return bytes((len(data),)) + data


class RawClient:
    """A TCP client of a port of the box: writes bytes, reads until the box closes."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def until_eof(self, timeout: float = TIMEOUT) -> bytes:
        """Read everything until the box closes the socket."""
        data = b""
        async with asyncio.timeout(timeout):
            while chunk := await self.reader.read(4096):
                data += chunk
        return data

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError):
            await self.writer.wait_closed()


class HostPeer(RawClient):
    """A raw client of port 11502: writes lines or bytes, reads lines and VTH frames."""

    @classmethod
    async def open(cls, port: int) -> HostPeer:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def send(self, *lines: bytes) -> None:
        await self.write(b"".join(line + b"\r\n" for line in lines))

    async def line(self, timeout: float = TIMEOUT) -> bytes:
        async with asyncio.timeout(timeout):
            return (await self.reader.readuntil(b"\r\n"))[:-2]

    async def lines(self, count: int) -> list[bytes]:
        return [await self.line() for _ in range(count)]

    async def ask(self, line: bytes, count: int = 1) -> list[bytes]:
        await self.send(line)
        return await self.lines(count)

    async def frame(self, timeout: float = TIMEOUT) -> bytes:
        async with asyncio.timeout(timeout):
            header = await self.reader.readexactly(7)
            assert header[:3] == b"VTH", header
            return header + await self.reader.readexactly(int.from_bytes(header[5:7], "big"))

    async def nothing(self, wait: float = 0.15) -> None:
        """Nothing more arrives within ``wait`` seconds."""
        try:
            async with asyncio.timeout(wait):
                data = await self.reader.read(4096)
        except TimeoutError:
            return
        pytest.fail(f"unexpected bytes {data!r}")


type Peers = Callable[[], Awaitable[HostPeer]]
