"""Fixtures for the library tests: a simulator on loopback and fast-timing clients."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from custom_components.vitrea.vbox.client import ConnectionState, VBoxClient
from custom_components.vitrea.vbox.simulator import VBoxSimulator, demo_installation

from ..common import (
    FAST,
    PASSWORD,
    USERNAME,
    wait_until,  # noqa: F401 - the test modules import it from here
)

type ClientFactory = Callable[..., Awaitable[VBoxClient]]


@pytest.fixture(autouse=True)
def _sockets(socket_enabled: None) -> None:
    """Every library test talks to the simulator over real loopback sockets."""


@pytest.fixture
async def simulator() -> AsyncIterator[VBoxSimulator]:
    sim = VBoxSimulator(demo_installation(), username=USERNAME, password=PASSWORD)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
async def make_client(simulator: VBoxSimulator) -> AsyncIterator[ClientFactory]:
    """Create connected clients for the simulator; all are closed at the end."""
    clients: list[VBoxClient] = []

    async def factory(
        *, connect: bool = True, password: str = PASSWORD, **config: float
    ) -> VBoxClient:
        cfg = dataclasses.replace(FAST, **config)
        client = VBoxClient("127.0.0.1", simulator.port, USERNAME, password, config=cfg)
        clients.append(client)
        if connect:
            await client.connect()
        return client

    try:
        yield factory
    finally:
        for client in clients:
            await client.close()


class ConnectionRecorder:
    """Collects connection states and lets a test wait for one."""

    def __init__(self, client: VBoxClient) -> None:
        self.states: list[ConnectionState] = []
        self._changed = asyncio.Event()
        client.add_connection_listener(self._on_state)

    def _on_state(self, state: ConnectionState) -> None:
        self.states.append(state)
        self._changed.set()

    async def wait_for(self, state: ConnectionState, count: int = 1, timeout: float = 5) -> None:
        async with asyncio.timeout(timeout):
            while self.states.count(state) < count:
                self._changed.clear()
                await self._changed.wait()


class LoopbackServer:
    """A TCP server on a free loopback port; subclasses answer each connection in ``_serve``.

    ``stop()`` cancels every connection's task and closes every socket it was given.
    """

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        task = asyncio.get_running_loop().create_task(self._serve(reader, writer))
        self._tasks.add(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for writer in self._writers:
            writer.close()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
