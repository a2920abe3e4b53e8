"""What both test folders share: the simulator's credentials, fast timings, polling."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from custom_components.vitrea.vbox.client import ClientConfig

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


async def wait_until(predicate: Callable[[], bool], timeout: float = 5) -> None:
    """Poll a condition that a push or a background task will make true."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)
