"""Cold read of a large installation through the library, against the simulator.

``VBoxClient.read_installation()`` (rooms, nodes, key names and every key's state)
is timed against ``VBoxSimulator(large_installation(64), latency=...)`` on
loopback. The same requests are then sent the way the public TypeScript client
paces them: one in flight and a 250 ms pause after each reply
(``ClientConfig(request_gap=0.25)``). That takes minutes for a whole read, so by
default only the first requests are paced and the total is extrapolated from their
mean; ``full`` paces a whole ``read_installation()``.

On port 11502 (``protocol=HOST``) ``HostClient.read_installation()`` reads the
same home from the simulator's ``HostSimulator``: the VTH database one request at
a time, then the status sweep. There is no reference pacing there: the public
client paced above speaks only port 11501.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Final

from custom_components.vitrea.vbox import (
    BoxClient,
    ClientConfig,
    HostClient,
    Installation,
    Protocol,
    VBoxClient,
)
from custom_components.vitrea.vbox.vtu.frames import Frame
from custom_components.vitrea.vbox.vtu.messages import Request, decode
from simulator import HostSimulator, VBoxSimulator, large_installation
from tools.bench.stats import Summary, summarise
from tools.harness import WireMessage, shown_installation, state_keys

REFERENCE_GAP_S: Final = 0.25
USERNAME: Final = "admin"
PASSWORD: Final = "bench"


@dataclass(frozen=True, slots=True)
class ColdStartResult:
    nodes: int
    rooms: int
    keys: int
    latency_s: float
    requests_sent: int
    connect_s: Summary  # TCP + handshake (11502: keep-alive, version), not in cold_start_s
    cold_start_s: Summary
    reference_pacing_s: Summary | None  # None: port 11502, which the reference does not speak
    reference_pacing_extrapolated: bool
    reference_requests_measured: int
    protocol: Protocol = Protocol.VTU

    @property
    def serial_bound_s(self) -> float:
        return self.requests_sent * self.latency_s

    @property
    def vs_serial_bound(self) -> float:
        return self.cold_start_s.median / self.serial_bound_s

    @property
    def speedup_vs_reference(self) -> float | None:
        if self.reference_pacing_s is None:
            return None
        return self.reference_pacing_s.median / self.cold_start_s.median


@dataclass(frozen=True, slots=True)
class _Read:
    connect_s: float
    read_s: float
    received: list[WireMessage]
    installation: Installation


class _Session:
    """A simulator and a connected client; both closed on exit, whatever happens."""

    def __init__(
        self, nodes: int, latency: float, gap: float, protocol: Protocol = Protocol.VTU
    ) -> None:
        self.home = VBoxSimulator(
            large_installation(nodes), username=USERNAME, password=PASSWORD, latency=latency
        )
        self.host = HostSimulator(self.home, latency=latency) if protocol is Protocol.HOST else None
        self._gap = gap
        self.client: BoxClient | None = None
        self.connect_s = 0.0

    @property
    def server(self) -> VBoxSimulator | HostSimulator:
        return self.host or self.home

    async def __aenter__(self) -> _Session:
        port = await self.home.start()
        try:
            if self.host is None:
                config = ClientConfig(request_gap=self._gap)
                self.client = VBoxClient("127.0.0.1", port, USERNAME, PASSWORD, config=config)
            else:
                host_port = await self.host.start()
                self.client = HostClient("127.0.0.1", host_port)  # its own default config
            start = time.perf_counter()
            await self.client.connect()
            self.connect_s = time.perf_counter() - start
        except BaseException:
            await self._close()
            raise
        self.server.received.clear()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._close()

    async def _close(self) -> None:
        try:
            if self.client is not None:
                await self.client.close()
        finally:
            if self.host is not None:
                await self.host.stop()
            await self.home.stop()


async def _read_once(
    nodes: int, latency: float, gap: float, protocol: Protocol = Protocol.VTU
) -> _Read:
    async with _Session(nodes, latency, gap, protocol) as session:
        assert session.client is not None
        start = time.perf_counter()
        installation = await session.client.read_installation()
        elapsed = time.perf_counter() - start
        expected = shown_installation(session.home.installation, protocol)
        assert len(installation.rooms) == len(expected.rooms), "rooms missing"
        assert installation.active_keys() == expected.active_keys(), "keys missing"
        assert state_keys(expected, protocol) <= set(session.client.key_states), "states missing"
        received = list(session.server.received)
        return _Read(session.connect_s, elapsed, received, installation)


async def _paced_prefix(nodes: int, latency: float, requests: list[Request]) -> float:
    """Send ``requests`` one at a time with the reference pause; seconds taken."""
    async with _Session(nodes, latency, REFERENCE_GAP_S) as session:
        assert session.client is not None
        start = time.perf_counter()
        client = session.client
        assert isinstance(client, VBoxClient)
        for request in requests:
            await client.request(request)
        elapsed = time.perf_counter() - start
        assert len(session.home.received) == len(requests)
        return elapsed


def _requests_of(frames: list[WireMessage]) -> list[Request]:
    out: list[Request] = []
    for frame in frames:
        assert isinstance(frame, Frame), "not a port-11501 request"
        message = decode(frame)
        assert isinstance(message, Request), f"the client sent {message.name}"
        out.append(message)
    return out


async def read_requests(nodes: int) -> list[Request]:
    """The requests a whole read of ``large_installation(nodes)`` sends (handshake aside)."""
    read = await _read_once(nodes, 0.0, 0.0)
    return _requests_of(read.received)


async def run_cold_start(
    runs: int,
    *,
    nodes: int = 64,
    latency: float = 0.020,
    full: bool = False,
    reference_requests: int = 60,
    protocol: Protocol = Protocol.VTU,
) -> ColdStartResult:
    connect: list[float] = []
    cold: list[float] = []
    sent: set[int] = set()
    first: _Read | None = None
    for _ in range(runs):
        read = await _read_once(nodes, latency, 0.0, protocol)
        first = first or read
        connect.append(read.connect_s)
        cold.append(read.read_s)
        sent.add(len(read.received))
    assert first is not None
    assert len(sent) == 1, f"the read sent a varying number of requests: {sorted(sent)}"
    requests_sent = sent.pop()

    reference: list[float] = []
    if protocol is Protocol.HOST:
        measured = 0
    elif full:
        for _ in range(runs):
            read = await _read_once(nodes, latency, REFERENCE_GAP_S)
            reference.append(read.read_s)
        measured = requests_sent
    else:
        prefix = _requests_of(first.received)[:reference_requests]
        measured = len(prefix)
        for _ in range(runs):
            elapsed = await _paced_prefix(nodes, latency, prefix)
            reference.append(elapsed / measured * requests_sent)

    home = first.installation
    return ColdStartResult(
        nodes=len(home.nodes),
        rooms=len(home.rooms),
        keys=len(home.active_keys()),
        latency_s=latency,
        requests_sent=requests_sent,
        connect_s=summarise(connect),
        cold_start_s=summarise(cold),
        reference_pacing_s=summarise(reference) if reference else None,
        reference_pacing_extrapolated=not full,
        reference_requests_measured=measured,
        protocol=protocol,
    )


def leftover_tasks() -> list[asyncio.Task[object]]:
    """Tasks still alive besides the caller: anything here is a leak."""
    current = asyncio.current_task()
    return [task for task in asyncio.all_tasks() if task is not current]


async def without_leaks[T](measure: Coroutine[Any, Any, T]) -> T:
    """Await ``measure``, then fail if it left a task running."""
    try:
        return await measure
    finally:
        leaks = leftover_tasks()
        if leaks:
            raise RuntimeError(f"tasks left running: {[t.get_name() for t in leaks]}")
