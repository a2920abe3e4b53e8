"""Logging what a box repeats: a warning the first time per kind and connection, then debug."""

from __future__ import annotations

import logging
from collections.abc import Hashable


class WarnOnce:
    """Warns once per kind (until ``reset``); a box that keeps doing it must not flood the log."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._warned: set[Hashable] = set()

    def reset(self) -> None:
        """A new connection: its first of each kind is news again."""
        self._warned.clear()

    def __call__(self, kind: Hashable, message: str, *args: object) -> None:
        level = logging.DEBUG if kind in self._warned else logging.WARNING
        self._warned.add(kind)
        self._logger.log(level, message, *args)
