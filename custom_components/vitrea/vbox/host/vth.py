"""Port 11502's binary VTH database frames, both ways, and the decoder of the mixed stream.

docs/vbox-protocol.md §4.1-4.2. A frame is ``VTH`` · direction · command · L
(big-endian u16, all 16 bits: payload + 1) · payload · checksum (the sum of every
byte before it, modulo 256). Integers are big-endian u16 unless marked u8;
names are a byte count then UTF-16LE, running to the end of the payload.
The decoder of the stream that carries them among text lines is ``stream.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final, Self

from ..climate import ACType
from ..errors import FrameError, MessageError
from ..vtu.enums import Direction
from ..vtu.message import decode_name, encode_text

MAGIC: Final = b"VTH"
HEADER_SIZE: Final = 7  # magic, direction, command, L
KEYPAD_ZERO: Final = 256  # keypad 0 is requested as 256 (§4.3)


class VTHCommand(IntEnum):
    FLOOR_NUMBERS = 0x01
    FLOOR_PARAMS = 0x02
    ROOM_NUMBERS = 0x03
    ROOM_PARAMS = 0x04
    KEYPAD_NUMBERS = 0x05
    KEY_PARAMS = 0x06
    AC_NUMBERS = 0x07
    AC_PARAMS = 0x08
    SCENE_NUMBERS = 0x09
    SCENE_PARAMS = 0x0A


@dataclass(frozen=True, slots=True)
class VTHFrame:
    direction: Direction
    command: int
    payload: bytes = b""

    def to_bytes(self) -> bytes:
        if not 0 <= self.command <= 0xFF or len(self.payload) >= 0xFFFF:
            raise FrameError(f"VTH command {self.command} or payload length does not fit")
        body = (
            MAGIC
            + bytes((self.direction, self.command))
            + (len(self.payload) + 1).to_bytes(2, "big")
            + self.payload
        )
        return body + bytes((sum(body) & 0xFF,))


def vth_request(command: int, payload: bytes = b"") -> bytes:
    return VTHFrame(Direction.TO_VBOX, command, payload).to_bytes()


def vth_reply(command: int, payload: bytes) -> bytes:
    return VTHFrame(Direction.FROM_VBOX, command, payload).to_bytes()


# --------------------------------------------------------------------------- field helpers


def u16(value: int, what: str) -> bytes:
    if not 0 <= value <= 0xFFFF:
        raise MessageError(f"{what} {value} does not fit in 16 bits")
    return value.to_bytes(2, "big")


def u8(value: int, what: str) -> bytes:
    if not 0 <= value <= 0xFF:
        raise MessageError(f"{what} {value} is not a byte")
    return bytes((value,))


class _Reader:
    """Reads a payload field by field; MessageError names the reply on any mismatch."""

    def __init__(self, payload: bytes, what: str) -> None:
        self._data = payload
        self._pos = 0
        self._what = what

    def take(self, size: int) -> bytes:
        if self._pos + size > len(self._data):
            raise MessageError(f"{self._what}: payload of {len(self._data)} bytes is too short")
        chunk = self._data[self._pos : self._pos + size]
        self._pos += size
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int.from_bytes(self.take(2), "big")

    def name(self) -> str:
        """A byte count, then exactly that many bytes of UTF-16LE to the end of the payload."""
        length = self.u8()
        rest = len(self._data) - self._pos
        if length != rest or length % 2:
            raise MessageError(f"{self._what}: name length {length}, but {rest} bytes follow")
        return decode_name(self.take(length))

    def end(self) -> None:
        if self._pos != len(self._data):
            extra = len(self._data) - self._pos
            raise MessageError(f"{self._what}: {extra} bytes more than its count says")


def _name(text: str) -> bytes:
    return encode_text(text)


# --------------------------------------------------------------------------- requests


def floor_params(floor_id: int) -> bytes:
    return u16(floor_id, "floor")


def room_numbers() -> bytes:
    return b"\x00"  # the group, "not used"


def room_params(room_id: int) -> bytes:
    return u16(room_id, "room")


def key_params(keypad: int, key: int) -> bytes:
    """Keypad 0 is sent as 256, as the vendor's client does (§4.3); ``key`` is 1-based."""
    return u16(keypad or KEYPAD_ZERO, "keypad") + u8(key, "key")


def ac_params(ac_id: int) -> bytes:
    return u16(ac_id, "AC")


def scene_params(scene_id: int) -> bytes:
    return u16(scene_id, "scene")


def decode_id_request(payload: bytes) -> int:
    """The id of a 02/04/08/0A request (the box's side)."""
    reader = _Reader(payload, "request")
    value = reader.u16()
    reader.end()
    return value


def decode_key_request(payload: bytes) -> tuple[int, int]:
    """(keypad, key) of a 06 request, keypad 256 read as 0 (the box's side)."""
    reader = _Reader(payload, "key request")
    keypad, key = reader.u16(), reader.u8()
    reader.end()
    return (0 if keypad == KEYPAD_ZERO else keypad), key


# --------------------------------------------------------------------------- replies


@dataclass(frozen=True, slots=True)
class IdList:
    """01, 03, 07, 09: count u8, then the ids."""

    ids: tuple[int, ...]

    def to_payload(self) -> bytes:
        return u8(len(self.ids), "count") + b"".join(u16(i, "id") for i in self.ids)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        reader = _Reader(payload, "id list")
        ids = tuple(reader.u16() for _ in range(reader.u8()))
        reader.end()
        return cls(ids)


@dataclass(frozen=True, slots=True)
class KeypadList:
    """05: count u16, then (keypad id, key count u8) pairs."""

    keypads: tuple[tuple[int, int], ...]

    def to_payload(self) -> bytes:
        return u16(len(self.keypads), "count") + b"".join(
            u16(k, "keypad") + u8(n, "key count") for k, n in self.keypads
        )

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        reader = _Reader(payload, "keypad list")
        keypads = tuple((reader.u16(), reader.u8()) for _ in range(reader.u16()))
        reader.end()
        return cls(keypads)


@dataclass(frozen=True, slots=True)
class FloorParams:
    id: int
    name: str

    def to_payload(self) -> bytes:
        return u16(self.id, "floor") + _name(self.name)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        reader = _Reader(payload, "floor")
        return cls(reader.u16(), reader.name())


@dataclass(frozen=True, slots=True)
class RoomParams:
    id: int
    floor: int
    name: str

    def to_payload(self) -> bytes:
        return u16(self.id, "room") + u16(self.floor, "floor") + _name(self.name)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        reader = _Reader(payload, "room")
        return cls(reader.u16(), reader.u16(), reader.name())


@dataclass(frozen=True, slots=True)
class KeyParams:
    """06: ``key`` is 1-based, ``vth_type`` the VTH key type (§4.4)."""

    keypad: int
    key: int
    vth_type: int
    room: int
    name: str

    def to_payload(self) -> bytes:
        return (
            u16(self.keypad, "keypad")
            + u8(self.key, "key")
            + u8(self.vth_type, "key type")
            + u16(self.room, "room")
            + _name(self.name)
        )

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        reader = _Reader(payload, "key")
        return cls(reader.u16(), reader.u8(), reader.u8(), reader.u16(), reader.name())


@dataclass(frozen=True, slots=True)
class ACParams:
    """08: the type travels as an ASCII digit ('1'-'4')."""

    id: int
    ac_type: ACType
    room: int
    name: str

    def to_payload(self) -> bytes:
        if not 0 <= self.ac_type <= 9:
            raise MessageError(f"AC type {self.ac_type} is not one digit")
        return (
            u16(self.id, "AC")
            + str(int(self.ac_type)).encode("ascii")
            + u16(self.room, "room")
            + _name(self.name)
        )

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        reader = _Reader(payload, "AC")
        ac_id, type_byte = reader.u16(), reader.u8()
        if not 0x30 <= type_byte <= 0x39:
            raise MessageError(f"AC {ac_id}: type byte {type_byte:02X} is not a digit")
        return cls(ac_id, ACType(type_byte - 0x30), reader.u16(), reader.name())


@dataclass(frozen=True, slots=True)
class SceneParams:
    id: int
    room: int
    name: str

    def to_payload(self) -> bytes:
        return u16(self.id, "scene") + u16(self.room, "room") + _name(self.name)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        reader = _Reader(payload, "scene")
        return cls(reader.u16(), reader.u16(), reader.name())
