"""What both test folders share: the simulator's credentials, fast timings, polling."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

from custom_components.vitrea.vbox import ClientConfig, Installation, KeyStatus
from simulator import HostSimulator, VBoxSimulator, demo_ac_states, demo_scenes

USERNAME = "admin"
PASSWORD = "s3cret-pass"

# Timings short enough for tests, long enough for a loaded CI machine.
FAST = ClientConfig(
    connect_timeout=2.0,
    request_timeout=0.5,
    max_retries=1,
    heartbeat_interval=30.0,
    reconnect_initial=0.05,
    reconnect_max=0.2,
    link_wait=2.0,
)


def secret_forms(secret: str) -> list[str]:
    """Every way a secret could show up in a JSON text of hex dumps: plain, or its bytes
    (UTF-16LE as the protocol carries text, or UTF-8) in hex."""
    forms = [secret]
    for data in (secret.encode("utf-16-le"), secret.encode("utf-8")):
        forms += [data.hex(), data.hex(" "), data.hex().upper(), data.hex(" ").upper()]
    return forms


async def wait_until(predicate: Callable[[], bool], timeout: float = 5) -> None:
    """Poll a condition that a push or a background task will make true."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


@asynccontextmanager
async def running_box(
    installation: Installation,
    states: Iterable[KeyStatus] = (),
    *,
    username: str = USERNAME,
    password: str = PASSWORD,
) -> AsyncIterator[VBoxSimulator]:
    """A box serving ``installation`` on a free loopback port until exit."""
    sim = VBoxSimulator(installation, username=username, password=password, states=states)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@asynccontextmanager
async def running_demo_host_port(box: VBoxSimulator) -> AsyncIterator[HostSimulator]:
    """Port 11502 of ``box`` (the same home and key states) with the demo's ACs and
    scenarios, on a free loopback port until exit."""
    host = HostSimulator(box, ac_states=demo_ac_states(), scenes=demo_scenes())
    await host.start()
    try:
        yield host
    finally:
        await host.stop()
