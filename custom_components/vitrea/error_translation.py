"""Turns the library's errors of a command into the translated errors people read."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN
from .vbox import (
    BoxBusyError,
    CommandRejectedError,
    NotConnectedError,
    VBoxConnectionError,
    VBoxError,
    VBoxTimeoutError,
)


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn a library error of a command into a translated HomeAssistantError.

    The library's text stays in the chained cause (and the debug log), not in
    what the person reads.
    """
    try:
        yield
    except VBoxError as err:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key=error_key(err)) from err


def error_key(err: VBoxError) -> str:
    """The key of the message (under "exceptions" in the translations) for ``err``."""
    if isinstance(err, BoxBusyError):
        return "box_busy"
    if isinstance(err, CommandRejectedError):
        return "command_rejected"
    if isinstance(err, VBoxTimeoutError):
        return "command_timeout"
    if isinstance(err, NotConnectedError):
        return "not_sent"  # never on the wire: safe to try again
    if isinstance(err, VBoxConnectionError):
        return "not_connected"
    return "command_failed"
