"""The base of every VTU message, and the byte-level helpers their layouts share.

Every message knows its command id, encodes its payload and decodes itself from
one, so the client and the simulator share one definition of every layout.
Offsets in comments are absolute frame offsets; the payload starts at offset 8.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Self

from ..errors import MessageError
from .enums import CommandId, Direction, ProtocolVersion
from .frames import Frame

SECRET = {"secret": True}  # dataclass field metadata: never print the value


def encode_text(text: str) -> bytes:
    """UTF-16LE with a one-byte length prefix (in bytes), as names and credentials travel."""
    try:
        data = text.encode("utf-16-le")
    except UnicodeEncodeError as err:
        raise MessageError(f"text cannot be encoded as UTF-16: {err.reason}") from None
    if len(data) > 0xFF:
        raise MessageError(f"text of {len(text)} characters is too long for the protocol")
    return bytes((len(data),)) + data


def decode_name(data: bytes) -> str:
    """Decode a UTF-16LE name and trim the trailing spaces and NULs boxes pad names with."""
    return data.decode("utf-16-le", errors="replace").rstrip(" \x00")


def check_byte(value: int, what: str) -> int:
    if not 0 <= value <= 0xFF:
        raise MessageError(f"{what} {value} is not a byte (0-255)")
    return value


def u16(value: int, what: str) -> bytes:
    if not 0 <= value <= 0xFFFF:
        raise MessageError(f"{what} {value} does not fit in 16 bits")
    return value.to_bytes(2, "big")


def need(payload: bytes, size: int, what: str) -> None:
    if len(payload) < size:
        raise MessageError(f"{what}: payload of {len(payload)} bytes, need at least {size}")


@dataclass(frozen=True, slots=True)
class Message:
    """Base of every request and reply."""

    COMMAND: ClassVar[CommandId]
    DIRECTION: ClassVar[Direction]
    DERIVED: ClassVar[tuple[str, ...]] = ()  # properties that to_dict() also lists

    @property
    def name(self) -> str:
        return type(self).__name__

    def payload(self) -> bytes:
        """The bytes between the message id and the checksum."""
        return b""

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        """Decode from a payload; ``version`` only matters to V1/V2 layouts."""
        if payload:
            raise MessageError(f"{cls.__name__} carries no payload, got {len(payload)} bytes")
        return cls()

    def to_frame(self, message_id: int) -> Frame:
        """Encode as a frame; a field that does not fit its bytes raises MessageError."""
        try:
            payload = self.payload()
        except (ValueError, OverflowError) as err:  # bytes((300,)), bytes.fromhex("zz") ...
            raise MessageError(f"{self.name}: {err}") from None
        return Frame(self.DIRECTION, self.COMMAND, message_id, payload)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly fields: enums by name, bytes as hex, secrets masked."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = "***" if f.metadata.get("secret") else _jsonable(value)
        for name in self.DERIVED:
            out[name] = _jsonable(getattr(self, name))
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, bytes):
        return value.hex(" ").upper()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class UnknownMessage(Message):
    """A frame whose command this library does not know, kept whole."""

    command: int
    data: bytes = b""

    @property
    def name(self) -> str:
        return f"Unknown-0x{self.command:02X}"

    def payload(self) -> bytes:
        return self.data
