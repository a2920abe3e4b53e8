"""detect_protocol: which protocol answers on a port, over real loopback sockets."""

from __future__ import annotations

import asyncio
import socket

import pytest

from custom_components.vitrea.vbox import CannotConnectError, Protocol, detect_protocol
from simulator import VBoxSimulator

from .conftest import LoopbackServer
from .host_box import HostBox


class Mute(LoopbackServer):
    """Accepts, reads everything, says nothing; counts its connections."""

    def __init__(self) -> None:
        super().__init__()
        self.connections = 0
        self.closed = 0

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        while await reader.read(4096):
            pass
        self.closed += 1


async def test_the_integration_port_is_host(host_box: HostBox) -> None:
    host_box.push(b"S:N018:1:O\r\n")  # a push racing the answer changes nothing
    assert await detect_protocol("127.0.0.1", host_box.port) is Protocol.HOST
    assert host_box.connections == 1


async def test_the_app_port_is_vtu(simulator: VBoxSimulator) -> None:
    assert await detect_protocol("127.0.0.1", simulator.port, timeout=0.5) is Protocol.VTU


async def test_a_port_that_answers_neither_is_none_and_both_probes_are_closed() -> None:
    mute = Mute()
    port = await mute.start()
    try:
        assert await detect_protocol("127.0.0.1", port, timeout=0.2) is None
        assert mute.connections == 2
        await asyncio.sleep(0)
        async with asyncio.timeout(2):
            while mute.closed < 2:
                await asyncio.sleep(0.01)
    finally:
        await mute.stop()


async def test_a_closed_port_cannot_connect() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(CannotConnectError):
        await detect_protocol("127.0.0.1", port)
