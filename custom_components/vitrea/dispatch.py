"""Listeners by address: what happens to one key or AC reaches only its own, in O(1)."""

from __future__ import annotations

from collections.abc import Callable, Hashable


class ByAddress[A: Hashable, T]:
    """Listeners by address (a key's (node, key), an AC's id)."""

    def __init__(self) -> None:
        self._listeners: dict[A, list[Callable[[T], None]]] = {}

    def add(self, address: A, listener: Callable[[T], None]) -> Callable[[], None]:
        listeners = self._listeners.setdefault(address, [])
        listeners.append(listener)
        return lambda: listeners.remove(listener)

    def notify(self, address: A, value: T) -> None:
        for listener in tuple(self._listeners.get(address, ())):
            listener(value)
