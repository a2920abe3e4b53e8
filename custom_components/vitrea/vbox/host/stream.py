"""The decoder of port 11502's byte stream: text lines and VTH frames, whatever the reads.

At a message boundary ``VTH`` starts a frame read by its exact 16-bit length (its
body may hold ``0D 0A``); anything else is a line read through CRLF. One decoder
for both directions: the client reads the box's, the simulator the client's.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Final

from ..vtu.enums import Direction
from .vth import HEADER_SIZE, MAGIC, VTHFrame

MAX_LINE: Final = 512  # a text line longer than this without CRLF is garbage
MAX_FRAME: Final = 4096  # far above the largest reply a home can produce (a keypad list)
EOL: Final = b"\r\n"


class DiscardReason(StrEnum):
    """Why the decoder threw bytes away."""

    LINE_TOO_LONG = "line_too_long"  # MAX_LINE bytes without CRLF
    BAD_DIRECTION = "bad_direction"  # a VTH frame travelling the other way (an echo)
    BAD_LENGTH = "bad_length"  # a VTH length of 0 or above MAX_FRAME
    BAD_CHECKSUM = "bad_checksum"
    JUNK = "junk"  # skipped while resynchronising after one of the above


type DiscardCallback = Callable[[DiscardReason, bytes], None]


class HostStreamDecoder:
    """Turns the bytes of port 11502 into lines (``bytes``, CRLF stripped) and ``VTHFrame``s.

    Whatever the read boundaries. A frame with a bad checksum or the wrong direction
    is skipped by its length; an impossible length or an over-long line is reported
    to ``on_discard`` and the decoder resynchronises at the next CRLF or ``VTH``.
    ``direction`` is what the frames it accepts carry (the simulator decodes
    requests: TO_VBOX).
    """

    def __init__(
        self,
        direction: Direction = Direction.FROM_VBOX,
        *,
        on_discard: DiscardCallback | None = None,
        max_line: int = MAX_LINE,
        max_frame: int = MAX_FRAME,
    ) -> None:
        self._direction = direction
        self._on_discard = on_discard
        self._max_line = max_line
        self._max_frame = max_frame
        self._buffer = b""
        self._skipping = False  # after a discard: drop bytes up to the next CRLF or VTH

    def reset(self) -> None:
        self._buffer = b""
        self._skipping = False

    def feed(self, data: bytes) -> list[bytes | VTHFrame]:
        buf = self._buffer + data
        out: list[bytes | VTHFrame] = []
        pos = 0
        while pos < len(buf):
            if self._skipping:
                pos, self._skipping = self._resync(buf, pos)
                if self._skipping:
                    break
                continue
            if buf.startswith(MAGIC, pos):
                step = self._frame(buf, pos, out)
            elif len(buf) - pos < len(MAGIC) and MAGIC.startswith(buf[pos:]):
                break  # perhaps the start of "VTH": wait for more
            else:
                step = self._line(buf, pos, out)
            if step == 0:
                break
            pos += step
        self._buffer = buf[pos:]
        return out

    def _line(self, buf: bytes, pos: int, out: list[bytes | VTHFrame]) -> int:
        end = buf.find(EOL, pos)
        if end < 0:
            if len(buf) - pos > self._max_line:
                return self._discard(DiscardReason.LINE_TOO_LONG, buf[pos:])
            return 0
        if end - pos > self._max_line:
            return self._discard(DiscardReason.LINE_TOO_LONG, buf[pos:end])
        if end > pos:  # an empty line says nothing
            out.append(buf[pos:end])
        return end - pos + len(EOL)

    def _frame(self, buf: bytes, pos: int, out: list[bytes | VTHFrame]) -> int:
        if len(buf) - pos < HEADER_SIZE:
            return 0
        length = int.from_bytes(buf[pos + 5 : pos + 7], "big")
        if length < 1 or HEADER_SIZE + length > self._max_frame:
            return self._discard(DiscardReason.BAD_LENGTH, buf[pos : pos + HEADER_SIZE])
        end = pos + HEADER_SIZE + length
        if len(buf) < end:
            return 0
        frame = buf[pos:end]
        if sum(frame[:-1]) & 0xFF != frame[-1] or frame[3] != self._direction:
            # Its length was plausible and its bytes arrived: skip exactly the frame, so
            # that the message after it (an echo of a request, a garbled reply) survives.
            good = frame[3] != self._direction and sum(frame[:-1]) & 0xFF == frame[-1]
            self._report(DiscardReason.BAD_DIRECTION if good else DiscardReason.BAD_CHECKSUM, frame)
            return len(frame)
        out.append(VTHFrame(self._direction, frame[4], frame[HEADER_SIZE:-1]))
        return len(frame)

    def _discard(self, reason: DiscardReason, data: bytes) -> int:
        """Report ``data`` (a bad header or a long line), skip it, resynchronise after it."""
        self._report(reason, data)
        self._skipping = True
        return len(data)

    def _resync(self, buf: bytes, pos: int) -> tuple[int, bool]:
        """Skip to just after the next CRLF or to the next VTH, whichever comes first.

        Returns the new position and whether still skipping (neither was found).
        """
        eol, magic = buf.find(EOL, pos), buf.find(MAGIC, pos)
        candidates = [i for i in (eol, magic) if i >= 0]
        if not candidates:
            keep = next((k for k in (2, 1) if buf.endswith((EOL[:k], MAGIC[:k]))), 0)
            end = max(pos, len(buf) - keep)
            if end > pos:
                self._report(DiscardReason.JUNK, buf[pos:end])
            return end, True
        stop = min(candidates)
        if stop > pos:
            self._report(DiscardReason.JUNK, buf[pos:stop])
        return (stop + len(EOL) if stop == eol else stop), False

    def _report(self, reason: DiscardReason, data: bytes) -> None:
        if self._on_discard is not None:
            self._on_discard(reason, data)
