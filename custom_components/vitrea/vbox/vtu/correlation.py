"""Matching the box's frames to the requests that asked for them (VTU).

Replies are matched by (command, message id), acknowledgements by message id;
message ids run 1-255 so that pushes (id 0) never pass for an answer. Every
KeyStatus (0x29) is a state event for its own (node, key): it answers only a
KeyStatus request for that same key, and it counts as "requested" (our own read,
never a press from the wall) when it carries the message id of one of our reads of
that key: the answer itself, a late one after the request gave up waiting, or a
copy of it (until the id is used again).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import MessageError, VBoxError, VBoxTimeoutError
from ..installation import KeyAddress
from ..logs import WarnOnce
from .enums import AckType, CommandId, ProtocolVersion
from .frames import Frame
from .messages import (
    Acknowledgement,
    KeyStatus,
    KeyStatusRequest,
    Message,
    NodeMetaData,
    Request,
    decode,
)

_LOGGER = logging.getLogger(__name__)

type StatusCallback = Callable[[KeyStatus, bool], None]
"""Called with every KeyStatus and whether it answered our own KeyStatus request."""


@dataclass(slots=True)
class _Pending:
    request: Request
    future: asyncio.Future[Message]


class Correlator:
    """The requests waiting for an answer on the current connection."""

    def __init__(
        self, host: str, on_status: StatusCallback, layout: ProtocolVersion | None
    ) -> None:
        self.host = host
        self.layout = layout  # NodeMetaData/KeyParameters layout: configured or detected
        self._on_status = on_status
        self._message_id = 0
        self._pending: dict[int, _Pending] = {}
        self._key_waiters: dict[KeyAddress, list[asyncio.Future[Message]]] = {}
        # Our KeyStatus reads by message id, until the id is used again: a late
        # answer or a second copy of one is still our read, not a push.
        self._reads: dict[int, KeyAddress] = {}
        self._warn_malformed = WarnOnce(_LOGGER)  # per command and connection

    def new_connection(self) -> None:
        """A late answer or a malformed frame of the last connection says nothing now."""
        self._reads.clear()
        self._warn_malformed.reset()

    def _next_message_id(self) -> int:
        # 1..255: pushes use 0, so an answer to us is never mistaken for one.
        self._message_id = self._message_id % 255 + 1
        self._reads.pop(self._message_id, None)
        return self._message_id

    async def exchange(
        self, write: Callable[[bytes], None], request: Request, timeout: float
    ) -> Message:
        """Write one request and wait for what answers it (no retry, no pacing)."""
        message_id = self._next_message_id()
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        pending = self._pending[message_id] = _Pending(request, future)
        address = _key_address(request)
        if address is not None:
            self._reads[message_id] = address
            self._key_waiters.setdefault(address, []).append(future)
        try:
            write(request.to_frame(message_id).to_bytes())
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise VBoxTimeoutError(f"{request.name} not answered by {self.host}") from None
        finally:
            if self._pending.get(message_id) is pending:
                del self._pending[message_id]
            if address is not None:
                waiters = self._key_waiters.get(address, [])
                if future in waiters:
                    waiters.remove(future)
                    if not waiters:
                        del self._key_waiters[address]

    def fail_all(self, error: VBoxError) -> None:
        """The connection is gone: every request still waiting fails with ``error``."""
        for pending in self._pending.values():
            _resolve(pending.future, exception=error)

    def dispatch(self, frame: Frame) -> None:
        pending = self._pending.get(frame.message_id)
        try:
            message = decode(frame, self.layout)
        except MessageError as err:
            self._warn_malformed(
                frame.command, "Undecodable frame from %s: %s (%s)", self.host, err, frame
            )
            if pending and frame.command == pending.request.REPLY:
                _resolve(pending.future, exception=err)
            return
        if isinstance(message, KeyStatus):
            self._key_status(message, frame.message_id)
        elif isinstance(message, Acknowledgement):
            # A data request answered by a negative ACK fails instead of timing out.
            if pending and (
                pending.request.REPLY is CommandId.ACKNOWLEDGEMENT or message.ack is not AckType.ACK
            ):
                _resolve(pending.future, message)
        elif pending and frame.command == pending.request.REPLY:
            if isinstance(message, NodeMetaData) and self.layout is None:
                self.layout = message.layout
            _resolve(pending.future, message)
        else:
            _LOGGER.debug("Unsolicited %s from %s", message.name, self.host)

    def _key_status(self, status: KeyStatus, message_id: int) -> None:
        address = (status.node_id, status.key_id)
        waiters = self._key_waiters.pop(address, [])
        for future in waiters:
            _resolve(future, status)
        ours = message_id != 0 and self._reads.get(message_id) == address
        self._on_status(status, bool(waiters) or ours)


def _key_address(request: Request) -> KeyAddress | None:
    if isinstance(request, KeyStatusRequest):
        return (request.node_id, request.key_id)
    return None


def _resolve(
    future: asyncio.Future[Message],
    result: Message | None = None,
    *,
    exception: BaseException | None = None,
) -> None:
    if future.done():
        return
    if exception is not None:
        future.set_exception(exception)
    else:
        assert result is not None
        future.set_result(result)
