"""The replies and pushes the box sends whose layout is the same on V1 and V2 boxes (§2.4).

Layouts that rest on inference rather than on a capture are marked "(inferred)".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Self

from ..enums import KeyPowerStatus
from .enums import AckType, CommandId, Direction, ProtocolVersion
from .message import Message, check_byte, decode_name, encode_text, need, u16


@dataclass(frozen=True, slots=True)
class Reply(Message):
    """A message the box sends. ``MAX_PAYLOAD`` bounds what its layout can hold (None: unknown)."""

    DIRECTION = Direction.FROM_VBOX
    MAX_PAYLOAD: ClassVar[int | None] = None


@dataclass(frozen=True, slots=True)
class Acknowledgement(Reply):
    COMMAND = CommandId.ACKNOWLEDGEMENT
    MAX_PAYLOAD = 8  # one byte; room for padding a firmware may add
    ack: AckType = AckType.ACK

    def payload(self) -> bytes:
        return bytes((self.ack,))

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        need(payload, 1, "Acknowledgement")
        return cls(AckType(payload[0]))


@dataclass(frozen=True, slots=True)
class _IdList(Reply):
    """``[count][id x count]``."""

    MAX_PAYLOAD = 1 + 0xFF
    ids: tuple[int, ...]

    def payload(self) -> bytes:
        return bytes((len(self.ids), *self.ids))

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        need(payload, 1, cls.__name__)
        count = payload[0]
        need(payload, 1 + count, cls.__name__)
        return cls(tuple(payload[1 : 1 + count]))


@dataclass(frozen=True, slots=True)
class RoomCount(_IdList):
    """The room ids; room 0 exists."""

    COMMAND = CommandId.ROOM_COUNT


@dataclass(frozen=True, slots=True)
class NodeCount(_IdList):
    """The node ids; they are sparse."""

    COMMAND = CommandId.NODE_COUNT


@dataclass(frozen=True, slots=True)
class RoomMetaData(Reply):
    """``[room][floor][name length][name UTF-16LE]``."""

    COMMAND = CommandId.ROOM_METADATA
    MAX_PAYLOAD = 3 + 0xFF + 8  # room, floor, name length, name; some padding
    room_id: int
    floor_id: int
    name: str

    def payload(self) -> bytes:
        return bytes((self.room_id, self.floor_id)) + encode_text(self.name)

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        need(payload, 3, "RoomMetaData")
        end = 3 + payload[2]
        need(payload, end, "RoomMetaData name")
        return cls(payload[0], payload[1], decode_name(payload[3:end]))


@dataclass(frozen=True, slots=True)
class KeyStatus(Reply):
    """A key's state, as an answer or a push: ``node, key, status, level, timer[2], extra``.

    Only node, key and status are confirmed. ``level`` (offset 11, 0-100: dimmer
    level or blind position) and ``timer`` (offsets 12-13, big-endian, remaining
    time of a timed key) are (inferred) from the ToggleKeyStatus layout; the
    remaining bytes are kept as ``extra``.
    """

    COMMAND = CommandId.KEY_STATUS
    MAX_PAYLOAD = 32  # 6 bytes decoded, a few more seen; never a name
    node_id: int
    key_id: int
    status: KeyPowerStatus
    level: int = 0
    timer: int = 0
    extra: bytes = b"\x00\x00"

    @property
    def is_on(self) -> bool:
        return self.status is KeyPowerStatus.ON

    def payload(self) -> bytes:
        return (
            bytes((self.node_id, self.key_id, self.status, check_byte(self.level, "level")))
            + u16(self.timer, "timer")
            + self.extra
        )

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        need(payload, 3, "KeyStatus")
        return cls(
            payload[0],
            payload[1],
            KeyPowerStatus(payload[2]),
            payload[3] if len(payload) > 3 else 0,
            int.from_bytes(payload[4:6], "big") if len(payload) >= 6 else 0,
            bytes(payload[6:]),
        )


@dataclass(frozen=True, slots=True)
class _Opaque(Reply):
    """A reply whose payload no implementation decodes: kept as raw bytes."""

    data: bytes = b""

    def payload(self) -> bytes:
        return self.data

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        return cls(bytes(payload))


@dataclass(frozen=True, slots=True)
class NodeStatus(_Opaque):
    """Answer to NodeStatusRequest; no public implementation decodes it."""

    COMMAND = CommandId.NODE_STATUS


@dataclass(frozen=True, slots=True)
class InternalUnitStatuses(_Opaque):
    COMMAND = CommandId.INTERNAL_UNIT_STATUSES


@dataclass(frozen=True, slots=True)
class NodeExistenceStatus(_Opaque):
    """Unsolicited 0xC8 push; tolerated and ignored."""

    COMMAND = CommandId.NODE_EXISTENCE_STATUS
