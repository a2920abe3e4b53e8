"""The "VTU" frame: codec and an incremental decoder for a TCP byte stream.

Layout (docs/vbox-protocol.md §2.1)::

    56 54 55 | dir | cmd | len_hi len_lo | msg_id | payload ... | checksum

``len`` counts msg_id + payload + checksum; the checksum is the sum of every byte
before it, modulo 256.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from ..errors import FrameError
from .enums import Direction

PREFIX: Final = b"VTU"
HEADER_SIZE: Final = 7  # prefix, direction, command, 2-byte length
MIN_LENGTH: Final = 2  # message id + checksum, empty payload
# The largest reply the protocol can produce is a KeyParameters or NodeMetaData of a
# few hundred bytes (one-byte name and key counts); anything longer is garbage.
DEFAULT_MAX_FRAME_SIZE: Final = 1024


def checksum(data: bytes | bytearray | memoryview) -> int:
    """Additive checksum of the protocol: sum of the bytes modulo 256."""
    return sum(data) & 0xFF


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame, without its checksum (which is derived)."""

    direction: Direction
    command: int
    message_id: int
    payload: bytes = b""

    def __post_init__(self) -> None:
        if not 0 <= self.command <= 0xFF:
            raise FrameError(f"command {self.command} is not a byte")
        if not 0 <= self.message_id <= 0xFF:
            raise FrameError(f"message id {self.message_id} is not a byte")
        if len(self.payload) > 0xFFFF - MIN_LENGTH:
            raise FrameError(f"payload of {len(self.payload)} bytes is too long")

    def to_bytes(self) -> bytes:
        """Encode the frame, checksum included."""
        body = b"".join(
            (
                PREFIX,
                bytes((self.direction, self.command)),
                (len(self.payload) + MIN_LENGTH).to_bytes(2, "big"),
                bytes((self.message_id,)),
                self.payload,
            )
        )
        return body + bytes((checksum(body),))

    @classmethod
    def from_bytes(cls, data: bytes | bytearray) -> Frame:
        """Decode exactly one complete frame; raise FrameError on any defect."""
        if len(data) < HEADER_SIZE + MIN_LENGTH:
            raise FrameError(f"{len(data)} bytes is shorter than any frame")
        if data[:3] != PREFIX:
            raise FrameError(f"bad prefix {bytes(data[:3]).hex(' ')}")
        length = int.from_bytes(data[5:7], "big")
        if length < MIN_LENGTH or HEADER_SIZE + length != len(data):
            raise FrameError(f"length field {length} does not match {len(data)} bytes")
        if checksum(data[:-1]) != data[-1]:
            raise FrameError(f"bad checksum {data[-1]:02X}, expected {checksum(data[:-1]):02X}")
        try:
            direction = Direction(data[3])
        except ValueError:
            raise FrameError(f"bad direction byte {data[3]:02X}") from None
        return cls(direction, data[4], data[7], bytes(data[8:-1]))


# The decoder builds a frame per message: it skips __init__ and __post_init__ (40 %
# of its time when profiled) by setting the slots directly, having checked what they
# would (the fields are bytes of the stream, the length field bounds the payload).
_set_direction = Frame.__dict__["direction"].__set__
_set_command = Frame.__dict__["command"].__set__
_set_message_id = Frame.__dict__["message_id"].__set__
_set_payload = Frame.__dict__["payload"].__set__


def _trusted_frame(direction: Direction, command: int, message_id: int, payload: bytes) -> Frame:
    """A Frame from fields that already passed the decoder's checks."""
    frame = object.__new__(Frame)
    _set_direction(frame, direction)
    _set_command(frame, command)
    _set_message_id(frame, message_id)
    _set_payload(frame, payload)
    return frame


_DIRECTIONS: Final = {int(d): d for d in Direction}


class DiscardReason(StrEnum):
    """Why the decoder threw bytes away."""

    JUNK = "junk"  # bytes before a frame prefix
    BAD_DIRECTION = "bad_direction"  # a frame travelling the other way (or noise)
    BAD_LENGTH = "bad_length"  # a length field below the minimum or above the bound
    BAD_CHECKSUM = "bad_checksum"


DiscardCallback = Callable[[DiscardReason, bytes], None]
type FrameLimits = Mapping[int, int]
"""The largest frame (header and checksum included) each command can make, by command id."""


class FrameDecoder:
    """Turns a byte stream into frames, whatever the read boundaries are.

    Frames may be split across reads at any byte and several may arrive in one
    read. ``direction`` is the one expected (None accepts both, for tools that
    read a capture of a whole conversation). Junk before a prefix, a frame with
    the wrong direction byte, an impossible length or a bad checksum are
    reported to ``on_discard`` and skipped; the decoder resynchronises on the
    next prefix. The buffer never holds more than one maximal frame, whatever
    arrives. ``limits`` bounds the frame of each command it names (``max_frame_size``
    bounds the others): a corrupted length field is refused as soon as the header
    arrives, instead of stalling the stream until that many bytes came.
    """

    __slots__ = (
        "_buffer",
        "_direction",
        "_limits",
        "_max_frame_size",
        "_on_discard",
        "_reported",
        "_reported_end",
    )

    def __init__(
        self,
        direction: Direction | None = Direction.FROM_VBOX,
        *,
        max_frame_size: int = DEFAULT_MAX_FRAME_SIZE,
        limits: FrameLimits | None = None,
        on_discard: DiscardCallback | None = None,
    ) -> None:
        if max_frame_size < HEADER_SIZE + MIN_LENGTH:
            raise ValueError("max_frame_size cannot hold a frame")
        self._limits: dict[int, int] = {
            command: min(limit, max_frame_size) for command, limit in (limits or {}).items()
        }
        self._buffer = b""
        self._direction = direction
        self._max_frame_size = max_frame_size
        self._on_discard = on_discard
        self._reported = 0
        self._reported_end = 0

    @property
    def buffered(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buffer)

    def reset(self) -> None:
        """Forget any partial frame (after a reconnect)."""
        self._buffer = b""
        self._reported = 0

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
        """Add received bytes; return every frame they complete, in order."""
        # Immutable bytes rather than a bytearray: a payload is one slice (no second
        # copy), and a read that starts with a frame, the usual case, is not copied.
        buf = self._buffer + data if self._buffer else bytes(data)
        frames: list[Frame] = []
        expected = self._direction
        max_frame_size = self._max_frame_size
        limits = self._limits
        pos = 0
        size = len(buf)
        # Bytes before this index were already reported (a rejected frame's body is
        # scanned again for a prefix after a one-byte resync: report it only once).
        self._reported_end = self._reported
        while pos < size:
            start = buf.find(PREFIX, pos)
            if start < 0:
                # Keep a tail (after the last frame) that could start the next prefix.
                keep = min(_partial_prefix(buf, size), size - pos)
                self._discard(DiscardReason.JUNK, buf, pos, size - keep)
                pos = size - keep
                break
            if start > pos:
                self._discard(DiscardReason.JUNK, buf, pos, start)
                pos = start
            if size - start < HEADER_SIZE:
                break
            direction = buf[start + 3]
            if direction != expected and (expected is not None or direction not in _DIRECTIONS):
                self._discard(DiscardReason.BAD_DIRECTION, buf, start, start + 4)
                pos = start + 1
                continue
            length = (buf[start + 5] << 8) | buf[start + 6]
            end = start + HEADER_SIZE + length
            if length < MIN_LENGTH or end - start > limits.get(buf[start + 4], max_frame_size):
                self._discard(DiscardReason.BAD_LENGTH, buf, start, start + HEADER_SIZE)
                pos = start + 1
                continue
            if size < end:
                break
            if sum(buf[start : end - 1]) & 0xFF != buf[end - 1]:
                self._discard(DiscardReason.BAD_CHECKSUM, buf, start, end)
                pos = start + 1
                continue
            frames.append(
                _trusted_frame(
                    expected or _DIRECTIONS[direction],
                    buf[start + 4],
                    buf[start + 7],
                    buf[start + 8 : end - 1],
                )
            )
            pos = end
        self._buffer = buf[pos:]
        self._reported = max(0, self._reported_end - pos)
        return frames

    def _discard(self, reason: DiscardReason, buf: bytes, start: int, end: int) -> None:
        start = max(start, self._reported_end)
        if end > start:
            self._reported_end = end
            if self._on_discard is not None:
                self._on_discard(reason, buf[start:end])


def _partial_prefix(buf: bytes, size: int) -> int:
    """Length of the longest tail of ``buf`` that is a proper prefix of PREFIX."""
    for keep in (2, 1):
        if size >= keep and buf[size - keep :] == PREFIX[:keep]:
            return keep
    return 0
