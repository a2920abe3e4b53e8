"""Long-lived tasks that cannot end unnoticed: every background task starts here.

A task that dies of an exception nobody expected (a bug, a reply nobody thought
of) is logged with its traceback and handed to ``on_crash``, which either
restarts it or takes the connection down visibly. Nothing of the client runs in
a task started any other way, so "a task died and the link silently stopped
recovering" cannot happen again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

_LOGGER = logging.getLogger(__name__)

type CrashHandler = Callable[[BaseException], None]


def start_task(
    coro: Coroutine[Any, Any, None], name: str, on_crash: CrashHandler
) -> asyncio.Task[None]:
    """Run ``coro`` in the background; an unexpected exception is logged, then ``on_crash``."""
    task = asyncio.get_running_loop().create_task(coro, name=name)

    def done(finished: asyncio.Task[None]) -> None:
        if finished.cancelled():
            return
        error = finished.exception()
        if error is None:
            return
        _LOGGER.error("%s ended unexpectedly", name, exc_info=error)
        on_crash(error)

    task.add_done_callback(done)
    return task


async def stop_tasks(*tasks: asyncio.Task[None] | None) -> None:
    """Cancel the tasks (not the caller's own) and wait until they have ended."""
    current = asyncio.current_task()
    running = [t for t in tasks if t is not None and t is not current]
    for task in running:
        task.cancel()
    # Their exceptions, if any, were logged by start_task already.
    await asyncio.gather(*running, return_exceptions=True)
