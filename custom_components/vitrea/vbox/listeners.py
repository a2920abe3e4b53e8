"""Callbacks a caller registers: added, removed, and each called without one breaking the rest."""

from __future__ import annotations

import logging
from collections.abc import Callable

_LOGGER = logging.getLogger(__name__)


class Listeners[**P]:
    """The listeners of one kind of event (``what`` names it in the log)."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._listeners: list[Callable[P, None]] = []

    def add(self, listener: Callable[P, None]) -> Callable[[], None]:
        """Register ``listener``; the returned function removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def call(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Call every listener; one that raises is logged and the others still run."""
        for listener in tuple(self._listeners):  # a listener may remove itself
            try:
                listener(*args, **kwargs)
            except Exception:
                _LOGGER.exception("%s listener %r failed", self._what, listener)
