"""Fixtures for the library tests: a simulator on loopback, fast-timing clients, and
boxes less kind than the simulator (a scripted box, a box that drops hasty requests)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from custom_components.vitrea.vbox.enums import KeyPowerStatus
from custom_components.vitrea.vbox.host.client import HostClient
from custom_components.vitrea.vbox.vtu.client import ConnectionState, VBoxClient
from custom_components.vitrea.vbox.vtu.enums import AckType, CommandId, Direction
from custom_components.vitrea.vbox.vtu.frames import Frame, FrameDecoder
from custom_components.vitrea.vbox.vtu.messages import Acknowledgement, KeyStatus, Message, decode
from simulator import VBoxSimulator, demo_installation

from ..common import (
    FAST,
    PASSWORD,
    USERNAME,
    wait_until,  # noqa: F401 - the test modules import it from here
)

# Port 11502: short sweep pauses and database timeouts too.
FAST_HOST = dataclasses.replace(FAST, sweep_idle=0.2, database_timeout=0.3)

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


@asynccontextmanager
async def client_factory(port: int, *, connect: bool) -> AsyncIterator[ClientFactory]:
    """Make clients of the box on ``port`` (connected unless told otherwise); all are
    closed at the end."""
    clients: list[VBoxClient] = []

    async def factory(
        *, connect: bool = connect, password: str = PASSWORD, **config: float
    ) -> VBoxClient:
        cfg = dataclasses.replace(FAST, **config)
        client = VBoxClient("127.0.0.1", port, USERNAME, password, config=cfg)
        clients.append(client)
        if connect:
            await client.connect()
        return client

    try:
        yield factory
    finally:
        for client in clients:
            await client.close()


@pytest.fixture
async def make_client(simulator: VBoxSimulator) -> AsyncIterator[ClientFactory]:
    """Create connected clients for the simulator; all are closed at the end."""
    async with client_factory(simulator.port, connect=True) as factory:
        yield factory


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


# --------------------------------------------------------------------------- scripted box


def ack(kind: AckType, message_id: int) -> bytes:
    return Acknowledgement(kind).to_frame(message_id).to_bytes()


def status(node: int, key: int, state: KeyPowerStatus, message_id: int = 0) -> bytes:
    """A KeyStatus frame: an answer with the request's message id, a push with 0."""
    return KeyStatus(node, key, state).to_frame(message_id).to_bytes()


def malformed(command: CommandId, message_id: int) -> bytes:
    """A frame with a valid checksum whose payload is too short for its command."""
    return Frame(Direction.FROM_VBOX, command, message_id, b"").to_bytes()


@dataclass(frozen=True, slots=True)
class Later:
    """An answer the box writes ``delay`` seconds after the request."""

    delay: float
    data: bytes


type Answer = bytes | Later | None
type Script = Callable[[Message, int], Answer]


def polite(message: Message, message_id: int) -> Answer:
    """ACK the handshake, stay silent otherwise."""
    return ack(AckType.ACK, message_id)


@dataclass(frozen=True, slots=True)
class Received:
    """A request as the box saw it: which connection (1, 2, ...), when, what."""

    connection: int
    at: float
    message: Message


class ScriptedBox(LoopbackServer):
    """A box that answers each request with what ``script`` returns (nothing for None)."""

    def __init__(self, script: Script = polite) -> None:
        super().__init__()
        self.script = script
        self.connections = 0
        self.received: list[Received] = []
        self._open: list[asyncio.StreamWriter] = []

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def sent(self, kind: type[Message], connection: int | None = None) -> list[Message]:
        """The requests of one type received (on one connection)."""
        return [
            r.message
            for r in self.received
            if isinstance(r.message, kind) and connection in (None, r.connection)
        ]

    def push(self, data: bytes) -> None:
        """Write unsolicited bytes (a push) to every open connection."""
        for writer in self._open:
            writer.write(data)

    async def drop(self) -> None:
        """Close every open connection (a box restart, a cable pulled and plugged back)."""
        for writer in self._open:
            writer.close()
        self._open.clear()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        connection = self.connections
        self._open.append(writer)
        loop = asyncio.get_running_loop()
        decoder = FrameDecoder(Direction.TO_VBOX)
        while data := await reader.read(4096):
            for frame in decoder.feed(data):
                message = decode(frame)
                self.received.append(Received(connection, loop.time(), message))
                self._write(writer, self.answer(message, frame.message_id))

    def answer(self, message: Message, message_id: int) -> Answer:
        return self.script(message, message_id)

    def _write(self, writer: asyncio.StreamWriter, answer: Answer) -> None:
        if isinstance(answer, Later):
            task = asyncio.get_running_loop().create_task(self._later(writer, answer))
            self._tasks.add(task)
        elif answer and not writer.is_closing():
            writer.write(answer)

    async def _later(self, writer: asyncio.StreamWriter, answer: Later) -> None:
        await asyncio.sleep(answer.delay)
        self._write(writer, answer.data)


@pytest.fixture
async def box() -> AsyncIterator[ScriptedBox]:
    scripted = ScriptedBox()
    await scripted.start()
    try:
        yield scripted
    finally:
        await scripted.stop()


@pytest.fixture
async def box_client(box: ScriptedBox) -> AsyncIterator[ClientFactory]:
    """Clients of the scripted box (not yet connected), all closed at the end."""
    async with client_factory(box.port, connect=False) as factory:
        yield factory


# --------------------------------------------------------------------------- proxies


class FrameProxy(LoopbackServer):
    """A TCP proxy to a real box (the simulator) that sees every frame both ways.

    ``to_box`` and ``to_client`` return what to pass on for each frame (None: drop it).
    """

    def __init__(self, upstream_port: int) -> None:
        super().__init__()
        self.upstream_port = upstream_port

    def to_box(self, frame: Frame) -> Frame | None:
        return frame

    def to_client(self, frame: Frame) -> Frame | None:
        return frame

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers.append(up_writer)

        async def relay(
            source: asyncio.StreamReader,
            sink: asyncio.StreamWriter,
            direction: Direction,
            change: Callable[[Frame], Frame | None],
        ) -> None:
            decoder = FrameDecoder(direction)
            while data := await source.read(4096):
                for frame in decoder.feed(data):
                    passed = change(frame)
                    if passed is not None:
                        sink.write(passed.to_bytes())
            sink.close()

        await asyncio.gather(
            relay(reader, up_writer, Direction.TO_VBOX, self.to_box),
            relay(up_reader, writer, Direction.FROM_VBOX, self.to_client),
            return_exceptions=True,
        )


class HastyRequestsDropped(FrameProxy):
    """A box that silently ignores a request arriving less than ``min_gap`` seconds after
    its previous answer, as some vBox models do (the simulator behind a proxy)."""

    def __init__(self, upstream_port: int, min_gap: float) -> None:
        super().__init__(upstream_port)
        self.min_gap = min_gap
        self.ignored = 0
        self._last_answer = float("-inf")

    def to_box(self, frame: Frame) -> Frame | None:
        if asyncio.get_running_loop().time() - self._last_answer < self.min_gap:
            self.ignored += 1
            return None
        return frame

    def to_client(self, frame: Frame) -> Frame | None:
        if frame.message_id != 0:  # an answer; pushes carry id 0
            self._last_answer = asyncio.get_running_loop().time()
        return frame


# --------------------------------------------------------------------------- port 11502


@pytest.fixture
async def host_box() -> AsyncIterator[Any]:
    """A scripted port-11502 box (tests/vbox/host_box.py) on a free loopback port."""
    from .host_box import HostBox  # host_box builds on this module

    scripted = HostBox()
    await scripted.start()
    try:
        yield scripted
    finally:
        await scripted.stop()


@pytest.fixture
async def make_host_client(host_box: Any) -> AsyncIterator[Callable[..., Awaitable[HostClient]]]:
    """HostClients of the scripted box (connected unless told otherwise); closed at the end."""
    clients: list[HostClient] = []

    async def factory(*, connect: bool = True, **config: float) -> HostClient:
        cfg = dataclasses.replace(FAST_HOST, **config)
        client = HostClient("127.0.0.1", host_box.port, config=cfg)
        clients.append(client)
        if connect:
            await client.connect()
        return client

    try:
        yield factory
    finally:
        for client in clients:
            await client.close()
