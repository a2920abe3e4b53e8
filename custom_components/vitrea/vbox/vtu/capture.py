"""FrameCapture: the last frames each way and the decoder's discards, for a problem report.

A bounded ring buffer per direction (``maxlen`` frames each), fed with raw frame
bytes, a direction and a timestamp, so any protocol (the binary port today, the
JSON port later) can feed the same capture under its own ``source`` name. Secrets
are removed as frames are recorded, so no copy of them is ever kept:

* a Login frame we send is stored re-encoded with ``**REDACTED**`` username and
  password (still a valid frame, so a replay decodes it);
* any other recorded bytes that contain a secret of 4 bytes or more (a box
  echoing our login, noise) have it overwritten with ``*``, in UTF-16LE (how the
  protocol carries text) and UTF-8.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from .enums import CommandId, Direction
from .frames import HEADER_SIZE, PREFIX
from .messages import Login

DEFAULT_MAX_FRAMES: Final = 300  # per direction: a full read-back of a demo-sized home
DEFAULT_MAX_DISCARDS: Final = 50
DISCARD_BYTES_SHOWN: Final = 64  # a discard is kept up to this many bytes (and its length)
REDACTED_TEXT: Final = "**REDACTED**"
# Shorter patterns are not scrubbed from other frames: they would hit ordinary bytes.
MIN_SCRUBBED: Final = 4
SOURCE_VTU: Final = "vtu"  # the binary protocol on port 11501


@dataclass(frozen=True, slots=True)
class CapturedFrame:
    time: float  # wall clock, seconds since the epoch
    direction: Direction
    data: bytes
    source: str = SOURCE_VTU
    sequence: int = 0  # the order of recording: the wall clock may step back

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": _iso(self.time),
            "direction": "sent" if self.direction is Direction.TO_VBOX else "received",
            "source": self.source,
            "hex": self.data.hex(" "),
        }


@dataclass(frozen=True, slots=True)
class CapturedDiscard:
    time: float
    reason: str
    length: int
    data: bytes  # the first DISCARD_BYTES_SHOWN bytes
    source: str = SOURCE_VTU

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": _iso(self.time),
            "reason": self.reason,
            "source": self.source,
            "length": self.length,
            "hex": self.data.hex(" "),
        }


class FrameCapture:
    """The last ``max_frames`` frames in each direction and the last discards."""

    def __init__(
        self,
        *,
        max_frames: int = DEFAULT_MAX_FRAMES,
        max_discards: int = DEFAULT_MAX_DISCARDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._frames: dict[Direction, deque[CapturedFrame]] = {
            direction: deque(maxlen=max_frames) for direction in Direction
        }
        self._discards: deque[CapturedDiscard] = deque(maxlen=max_discards)
        self._secrets: tuple[bytes, ...] = ()
        self._clock = clock
        self._sequence = itertools.count()

    def set_secrets(self, secrets: Iterable[str]) -> None:
        """Texts never to keep (the password): scrubbed from everything recorded after."""
        patterns = {
            encoded
            for secret in secrets
            if secret
            for encoded in (secret.encode("utf-16-le", "ignore"), secret.encode("utf-8", "ignore"))
            if len(encoded) >= MIN_SCRUBBED
        }
        # Longest first: a UTF-8 pattern inside a longer one must not leave half of it.
        self._secrets = tuple(sorted(patterns, key=len, reverse=True))

    def frame(self, direction: Direction, data: bytes, source: str = SOURCE_VTU) -> None:
        """Record one whole frame as it went over the wire."""
        if direction is Direction.TO_VBOX and _is_login(data):
            data = _redacted_login(data)
        self._frames[direction].append(
            CapturedFrame(self._clock(), direction, self._scrub(data), source, next(self._sequence))
        )

    def discard(self, reason: str, data: bytes, source: str = SOURCE_VTU) -> None:
        """Record bytes the decoder skipped, and why."""
        shown = self._scrub(data)[:DISCARD_BYTES_SHOWN]
        self._discards.append(CapturedDiscard(self._clock(), reason, len(data), shown, source))

    def frames(self) -> list[CapturedFrame]:
        """Both directions merged in the order they were recorded."""
        both = [*self._frames[Direction.TO_VBOX], *self._frames[Direction.FROM_VBOX]]
        return sorted(both, key=lambda f: f.sequence)

    def discards(self) -> list[CapturedDiscard]:
        return list(self._discards)

    def to_dict(self) -> dict[str, Any]:
        return {
            "frames": [f.to_dict() for f in self.frames()],
            "discards": [d.to_dict() for d in self._discards],
        }

    def _scrub(self, data: bytes) -> bytes:
        for secret in self._secrets:
            if secret in data:
                data = data.replace(secret, b"*" * len(secret))
        return data


def _is_login(data: bytes) -> bool:
    return len(data) > HEADER_SIZE and data.startswith(PREFIX) and data[4] == CommandId.LOGIN


def _redacted_login(data: bytes) -> bytes:
    """The Login frame with both credentials replaced; its header and message id kept."""
    message_id = data[HEADER_SIZE]
    return Login(REDACTED_TEXT, REDACTED_TEXT).to_frame(message_id).to_bytes()


def _iso(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp)) + (
        f".{int(timestamp % 1 * 1000):03d}Z"
    )
