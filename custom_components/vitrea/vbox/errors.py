"""Exceptions of the vBox library.

Everything the library raises on purpose derives from :class:`VBoxError`, so a caller
can catch the library's errors without catching its own bugs. The connection errors
are distinct types because a caller reacts differently to each: fix the password,
close the Vitrea app, check the network, or wait.
"""

from __future__ import annotations

from .vtu.enums import AckType


class VBoxError(Exception):
    """Base class of every error raised by this library."""


class ProtocolError(VBoxError):
    """Bytes that do not follow the protocol."""


class FrameError(ProtocolError):
    """A frame is malformed: prefix, length, direction or checksum."""


class MessageError(ProtocolError):
    """A well-formed frame whose payload does not fit its command's layout."""


class VBoxConnectionError(VBoxError):
    """The link to the box is not usable."""


class CannotConnectError(VBoxConnectionError):
    """The box could not be reached (refused, no route, unknown host)."""


class VBoxTimeoutError(VBoxConnectionError):
    """The box did not answer in time (connect, login or a request)."""


class BoxBusyError(VBoxConnectionError):
    """The box answered "in use": another client (often the Vitrea app) holds it."""


class ConnectionLostError(VBoxConnectionError):
    """The connection dropped while a request was waiting for its answer."""


class NotConnectedError(VBoxConnectionError):
    """A request was made while the link was down and it did not come back in time."""


class AuthenticationError(VBoxError):
    """The box refused the username or password (NACK on Login)."""


class CommandRejectedError(VBoxError):
    """The box answered a command with NACK, ERROR or NOT_AVAILABLE."""

    def __init__(self, command: str, ack: AckType) -> None:
        super().__init__(f"{command} rejected by the box: {ack.name}")
        self.command = command
        self.ack = ack
