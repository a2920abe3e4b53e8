"""The requests a client sends to the box (docs/vbox-protocol.md §2.3).

Layouts that rest on inference rather than on a capture are marked "(inferred)".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Final, Self

from ..enums import KeyPowerStatus, LEDBackgroundBrightness, LockStatus
from ..errors import MessageError
from .enums import CommandId, Direction, ProtocolVersion
from .message import SECRET, Message, check_byte, encode_text, need, u16


@dataclass(frozen=True, slots=True)
class Request(Message):
    """A message the client sends. ``REPLY`` is the command that answers it."""

    DIRECTION = Direction.TO_VBOX
    REPLY: ClassVar[CommandId] = CommandId.ACKNOWLEDGEMENT

    @property
    def idempotent(self) -> bool:
        """Whether re-sending after a timeout is harmless."""
        return True


@dataclass(frozen=True, slots=True)
class Login(Request):
    COMMAND = CommandId.LOGIN
    username: str
    password: str = field(repr=False, metadata=SECRET)

    def payload(self) -> bytes:
        return encode_text(self.username) + encode_text(self.password)

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        need(payload, 2, "Login")
        user_end = 1 + payload[0]
        need(payload, user_end + 1, "Login")
        pass_end = user_end + 1 + payload[user_end]
        if len(payload) != pass_end:
            raise MessageError("Login: length bytes do not match the payload")
        return cls(
            payload[1:user_end].decode("utf-16-le", errors="replace"),
            payload[user_end + 1 : pass_end].decode("utf-16-le", errors="replace"),
        )


@dataclass(frozen=True, slots=True)
class Heartbeat(Request):
    COMMAND = CommandId.HEARTBEAT


@dataclass(frozen=True, slots=True)
class ToggleHeartbeat(Request):
    COMMAND = CommandId.TOGGLE_HEARTBEAT
    enable: bool = True
    unsolicited: bool = True  # (inferred) turns on the key-status pushes

    def payload(self) -> bytes:
        return bytes((int(self.enable), int(self.unsolicited)))

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        need(payload, 2, "ToggleHeartbeat")
        return cls(bool(payload[0]), bool(payload[1]))


@dataclass(frozen=True, slots=True)
class RoomCountRequest(Request):
    COMMAND = CommandId.ROOM_COUNT
    REPLY = CommandId.ROOM_COUNT


@dataclass(frozen=True, slots=True)
class NodeCountRequest(Request):
    COMMAND = CommandId.NODE_COUNT
    REPLY = CommandId.NODE_COUNT


@dataclass(frozen=True, slots=True)
class InternalUnitStatusesRequest(Request):
    COMMAND = CommandId.INTERNAL_UNIT_STATUSES
    REPLY = CommandId.INTERNAL_UNIT_STATUSES


@dataclass(frozen=True, slots=True)
class RoomMetaDataRequest(Request):
    COMMAND = CommandId.ROOM_METADATA
    REPLY = CommandId.ROOM_METADATA
    room_id: int

    def payload(self) -> bytes:
        return bytes((check_byte(self.room_id, "room id"),))

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        need(payload, 1, "RoomMetaData request")
        return cls(payload[0])


@dataclass(frozen=True, slots=True)
class _NodeAddressed(Request):
    node_id: int

    def payload(self) -> bytes:
        return bytes((check_byte(self.node_id, "node id"),))

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        need(payload, 1, cls.__name__)
        return cls(payload[0])


@dataclass(frozen=True, slots=True)
class NodeMetaDataRequest(_NodeAddressed):
    COMMAND = CommandId.NODE_METADATA
    REPLY = CommandId.NODE_METADATA


@dataclass(frozen=True, slots=True)
class NodeStatusRequest(_NodeAddressed):
    COMMAND = CommandId.NODE_STATUS
    REPLY = CommandId.NODE_STATUS

    def payload(self) -> bytes:
        return _NodeAddressed.payload(self) + b"\x00"


@dataclass(frozen=True, slots=True)
class _KeyAddressed(Request):
    node_id: int
    key_id: int

    def payload(self) -> bytes:
        return bytes((check_byte(self.node_id, "node id"), check_byte(self.key_id, "key id")))

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        need(payload, 2, cls.__name__)
        return cls(payload[0], payload[1])


@dataclass(frozen=True, slots=True)
class KeyStatusRequest(_KeyAddressed):
    """Ask for one key's state. The answer is a 0x29 frame like any push."""

    COMMAND = CommandId.KEY_STATUS
    REPLY = CommandId.KEY_STATUS


@dataclass(frozen=True, slots=True)
class KeyParametersRequest(_KeyAddressed):
    COMMAND = CommandId.KEY_PARAMETERS
    REPLY = CommandId.KEY_PARAMETERS


BLIND_STOP: Final = 0xFF
"""ToggleKeyStatus ``dimmer`` that stops a moving blind (inferred from the VTP variant)."""


@dataclass(frozen=True, slots=True)
class ToggleKeyStatus(Request):
    """Control a key: switch, dim, move a blind, run a scene or emulate a press.

    ``dimmer`` is 0-100 (a blind's position for blinds, or BLIND_STOP). ``timer`` is a big-endian
    u16; its unit is unverified (the ASCII protocol uses minutes, which is how the
    simulator and the integration treat it). Both are always written, so the
    checksum is always right.
    """

    COMMAND = CommandId.TOGGLE_KEY_STATUS
    node_id: int
    key_id: int
    action: KeyPowerStatus
    dimmer: int = 0
    timer: int = 0

    @property
    def idempotent(self) -> bool:
        # Re-sending ON/OFF with a level is harmless; a press would happen twice.
        return not self.action.is_press

    def payload(self) -> bytes:
        return bytes(
            (
                check_byte(self.node_id, "node id"),
                check_byte(self.key_id, "key id"),
                self.action,
                check_byte(self.dimmer, "dimmer"),
            )
        ) + u16(self.timer, "timer")

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        need(payload, 6, "ToggleKeyStatus")
        return cls(
            payload[0],
            payload[1],
            KeyPowerStatus(payload[2]),
            payload[3],
            int.from_bytes(payload[4:6], "big"),
        )


@dataclass(frozen=True, slots=True)
class ToggleNodeStatus(Request):
    """Set a keypad's child lock and backlight level (both at once)."""

    COMMAND = CommandId.TOGGLE_NODE_STATUS
    node_id: int
    lock: LockStatus
    led_level: LEDBackgroundBrightness

    def payload(self) -> bytes:
        return bytes((check_byte(self.node_id, "node id"), self.lock, self.led_level))

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        need(payload, 3, "ToggleNodeStatus")
        return cls(payload[0], LockStatus(payload[1]), LEDBackgroundBrightness(payload[2]))
