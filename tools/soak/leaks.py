"""Tasks the entry left behind once it is unloaded."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import homeassistant

# Code objects name their file as it was imported: compare paths, not the files.
_HA_CORE = Path(homeassistant.__file__).parent


def running_tasks() -> set[asyncio.Task[object]]:
    """Every unfinished task of the loop except the caller."""
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current and not t.done()}


def _code_files(task: asyncio.Task[object]) -> Iterator[Path]:
    """The source file of each coroutine in the chain the task is suspended in."""
    coro: object = task.get_coro()
    while coro is not None:
        code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
        if code is not None:
            yield Path(code.co_filename)
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)


def is_home_assistant_core(task: asyncio.Task[object]) -> bool:
    """A task of Home Assistant's own services: all its code is Home Assistant's."""
    files = list(_code_files(task))
    return bool(files) and all(f.is_relative_to(_HA_CORE) for f in files)


def describe(task: asyncio.Task[object]) -> str:
    return f"{task.get_name()} ({task.get_coro()!r})"


async def leaked_tasks(
    before: set[asyncio.Task[object]], settle_s: float
) -> tuple[list[asyncio.Task[object]], list[asyncio.Task[object]]]:
    """Tasks started since ``before`` that still run: (leaks, Home Assistant core's own).

    Tasks that end on their own within ``settle_s`` (a close still flushing) are
    not leaks.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settle_s
    while True:
        new = [t for t in running_tasks() if t not in before]
        leaks = [t for t in new if not is_home_assistant_core(t)]
        if not leaks or loop.time() >= deadline:
            return leaks, [t for t in new if t not in leaks]
        await asyncio.sleep(0.1)
