"""Cold start against a slow box: one that ignores requests too close to its last reply.

Some vBox models drop a request that arrives back to back with their previous
reply. The simulator does the same with ``min_gap`` (``--min-gap-ms``). A client
with the default ``ClientConfig`` connects (ToggleHeartbeat, Login) and reads the
large installation with every key's state; the time is compared with the bound
``requests x (latency + gap)``, where ``requests`` is what the same read takes on
a box without a gap (handshake included). A failure (the login or a read never
answered) is reported as such, within a time-out, never a hang.

The reference pacing of the public TypeScript client (one request in flight, a
pause of 250 ms after each reply) never trips such a gap; its time is measured on
the first requests and extrapolated, as in bench.cold_start. It logs in before
the gap is set: our client does not pace its handshake.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Final

from custom_components.vitrea.vbox import ClientConfig, VBoxClient, VBoxError
from custom_components.vitrea.vbox.vtu.messages import Request
from simulator import VBoxSimulator, large_installation
from tools.bench.cold_start import PASSWORD, REFERENCE_GAP_S, USERNAME, read_requests
from tools.bench.stats import Summary, summarise

HANDSHAKE_REQUESTS: Final = 2  # ToggleHeartbeat, Login
# However slow, a run ends by then: a client that cannot cope fails, it does not hang.
TIMEOUT_FACTOR: Final = 3.0
TIMEOUT_MARGIN_S: Final = 30.0


@dataclass(frozen=True, slots=True)
class SlowBoxResult:
    nodes: int
    latency_s: float
    gap_s: float
    requests_needed: int  # handshake + read on a box without a gap
    cold_start_s: Summary | None  # None: no run finished
    failures: tuple[str, ...]  # why runs did not finish
    requests_sent: tuple[int, ...]  # per run, what the box received (retries included)
    requests_ignored: tuple[int, ...]  # per run, what the box ignored for the gap
    reference_pacing_s: Summary
    reference_requests_measured: int

    @property
    def bound_s(self) -> float:
        return self.requests_needed * (self.latency_s + self.gap_s)

    @property
    def timeout_s(self) -> float:
        return self.bound_s * TIMEOUT_FACTOR + TIMEOUT_MARGIN_S


async def _cold_start(
    nodes: int, latency: float, gap: float, timeout: float
) -> tuple[float | str, int, int]:
    """(seconds, or why it failed; requests the box received; requests it ignored)."""
    box = VBoxSimulator(
        large_installation(nodes),
        username=USERNAME,
        password=PASSWORD,
        latency=latency,
        min_gap=gap,
    )
    port = await box.start()
    client = VBoxClient("127.0.0.1", port, USERNAME, PASSWORD, config=ClientConfig())
    outcome: float | str
    try:
        start = time.perf_counter()
        async with asyncio.timeout(timeout):
            await client.connect()
            await client.read_installation()
        outcome = time.perf_counter() - start
    except TimeoutError:
        outcome = f"not done after {timeout:.0f} s (time-out)"
    except VBoxError as err:
        outcome = f"{type(err).__name__}: {err}"
    finally:
        await client.close()
        await box.stop()
    return outcome, len(box.received), box.ignored


async def _reference(nodes: int, latency: float, gap: float, requests: list[Request]) -> float:
    """Seconds for ``requests`` paced the reference way against the slow box."""
    box = VBoxSimulator(
        large_installation(nodes), username=USERNAME, password=PASSWORD, latency=latency
    )
    port = await box.start()
    config = ClientConfig(request_gap=REFERENCE_GAP_S)
    client = VBoxClient("127.0.0.1", port, USERNAME, PASSWORD, config=config)
    try:
        await client.connect()
        box.min_gap = gap
        box.clear_received()
        await asyncio.sleep(REFERENCE_GAP_S)  # the reference client pauses after Login too
        start = time.perf_counter()
        for request in requests:
            await client.request(request)
        elapsed = time.perf_counter() - start
    finally:
        await client.close()
        await box.stop()
    if box.ignored:
        raise RuntimeError(f"the reference pacing tripped the gap {box.ignored} times")
    return elapsed


async def run_slow_box(
    runs: int,
    *,
    nodes: int = 64,
    latency: float = 0.020,
    gap: float = 0.080,
    reference_requests: int = 60,
) -> SlowBoxResult:
    requests = await read_requests(nodes)
    needed = HANDSHAKE_REQUESTS + len(requests)
    timeout = needed * (latency + gap) * TIMEOUT_FACTOR + TIMEOUT_MARGIN_S
    times: list[float] = []
    failures: list[str] = []
    sent: list[int] = []
    ignored: list[int] = []
    for _ in range(runs):
        outcome, received, dropped = await _cold_start(nodes, latency, gap, timeout)
        if isinstance(outcome, str):
            failures.append(outcome)
        else:
            times.append(outcome)
        sent.append(received)
        ignored.append(dropped)
    prefix = requests[:reference_requests]
    reference = [
        await _reference(nodes, latency, gap, prefix) / len(prefix) * needed for _ in range(runs)
    ]
    return SlowBoxResult(
        nodes=nodes,
        latency_s=latency,
        gap_s=gap,
        requests_needed=needed,
        cold_start_s=summarise(times) if times else None,
        failures=tuple(failures),
        requests_sent=tuple(sent),
        requests_ignored=tuple(ignored),
        reference_pacing_s=summarise(reference),
        reference_requests_measured=len(prefix),
    )
