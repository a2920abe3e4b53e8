"""Cold read of a large installation through the library, against the simulator.

``VBoxClient.read_installation()`` (rooms, nodes, key names and every key's state)
is timed against ``VBoxSimulator(large_installation(64), latency=...)`` on
loopback. The same requests are then sent the way the public TypeScript client
paces them: one in flight and a 250 ms pause after each reply
(``ClientConfig(request_gap=0.25)``). That takes minutes for a whole read, so by
default only the first requests are paced and the total is extrapolated from their
mean; ``full`` paces a whole ``read_installation()``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Final

from custom_components.vitrea.vbox import ClientConfig, Installation, VBoxClient
from custom_components.vitrea.vbox.vtu.frames import Frame
from custom_components.vitrea.vbox.vtu.messages import Request, decode
from simulator import VBoxSimulator, large_installation
from tools.bench.stats import Summary, summarise

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
    connect_s: Summary  # TCP + ToggleHeartbeat + Login, not part of cold_start_s
    cold_start_s: Summary
    reference_pacing_s: Summary
    reference_pacing_extrapolated: bool
    reference_requests_measured: int

    @property
    def serial_bound_s(self) -> float:
        return self.requests_sent * self.latency_s

    @property
    def vs_serial_bound(self) -> float:
        return self.cold_start_s.median / self.serial_bound_s

    @property
    def speedup_vs_reference(self) -> float:
        return self.reference_pacing_s.median / self.cold_start_s.median


@dataclass(frozen=True, slots=True)
class _Read:
    connect_s: float
    read_s: float
    received: list[Frame]
    installation: Installation


class _Session:
    """A simulator and a logged-in client; both closed on exit, whatever happens."""

    def __init__(self, nodes: int, latency: float, gap: float) -> None:
        self.simulator = VBoxSimulator(
            large_installation(nodes), username=USERNAME, password=PASSWORD, latency=latency
        )
        self._gap = gap
        self.client: VBoxClient | None = None
        self.connect_s = 0.0

    async def __aenter__(self) -> _Session:
        port = await self.simulator.start()
        try:
            self.client = VBoxClient(
                "127.0.0.1",
                port,
                USERNAME,
                PASSWORD,
                config=ClientConfig(request_gap=self._gap),
            )
            start = time.perf_counter()
            await self.client.connect()
            self.connect_s = time.perf_counter() - start
        except BaseException:
            await self._close()
            raise
        self.simulator.clear_received()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._close()

    async def _close(self) -> None:
        try:
            if self.client is not None:
                await self.client.close()
        finally:
            await self.simulator.stop()


async def _read_once(nodes: int, latency: float, gap: float) -> _Read:
    async with _Session(nodes, latency, gap) as session:
        assert session.client is not None
        start = time.perf_counter()
        installation = await session.client.read_installation()
        elapsed = time.perf_counter() - start
        expected = session.simulator.installation
        assert len(installation.rooms) == len(expected.rooms), "rooms missing"
        assert installation.active_keys() == expected.active_keys(), "keys missing"
        assert len(session.client.key_states) == len(expected.active_keys()), "states missing"
        return _Read(session.connect_s, elapsed, list(session.simulator.received), installation)


async def _paced_prefix(nodes: int, latency: float, requests: list[Request]) -> float:
    """Send ``requests`` one at a time with the reference pause; seconds taken."""
    async with _Session(nodes, latency, REFERENCE_GAP_S) as session:
        assert session.client is not None
        start = time.perf_counter()
        for request in requests:
            await session.client.request(request)
        elapsed = time.perf_counter() - start
        assert len(session.simulator.received) == len(requests)
        return elapsed


def _requests_of(frames: list[Frame]) -> list[Request]:
    out: list[Request] = []
    for frame in frames:
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
) -> ColdStartResult:
    connect: list[float] = []
    cold: list[float] = []
    sent: set[int] = set()
    first: _Read | None = None
    for _ in range(runs):
        read = await _read_once(nodes, latency, 0.0)
        first = first or read
        connect.append(read.connect_s)
        cold.append(read.read_s)
        sent.add(len(read.received))
    assert first is not None
    assert len(sent) == 1, f"the read sent a varying number of requests: {sorted(sent)}"
    requests_sent = sent.pop()

    reference: list[float] = []
    if full:
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
        reference_pacing_s=summarise(reference),
        reference_pacing_extrapolated=not full,
        reference_requests_measured=measured,
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
