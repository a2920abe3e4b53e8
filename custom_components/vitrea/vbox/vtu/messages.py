"""Typed, immutable requests and replies of the VTU protocol (docs/vbox-protocol.md §2.3-2.4).

Every message knows its command id, encodes its payload and decodes itself from
one, so the client and the simulator share one definition of every layout.
Offsets in comments are absolute frame offsets; the payload starts at offset 8.

A few layouts rest on inference rather than on a capture; they are marked
"(inferred)" here and listed in README.md under known limitations.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar, Final, Self

from ..enums import KeyCategory, KeyPowerStatus, KeyType, LEDBackgroundBrightness, LockStatus
from ..errors import MessageError
from .enums import AckType, CommandId, Direction, ProtocolVersion
from .frames import HEADER_SIZE, MIN_LENGTH, Frame
from .node_models import node_model_name

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


def firmware_version(firmware: tuple[int, int, int]) -> str:
    """Firmware as the Vitrea app renders it: major.minor followed by patch ("7.93")."""
    major, minor, patch = firmware
    return f"{major}.{minor}{patch}"


def _byte(value: int, what: str) -> int:
    if not 0 <= value <= 0xFF:
        raise MessageError(f"{what} {value} is not a byte (0-255)")
    return value


def _u16(value: int, what: str) -> bytes:
    if not 0 <= value <= 0xFFFF:
        raise MessageError(f"{what} {value} does not fit in 16 bits")
    return value.to_bytes(2, "big")


def _need(payload: bytes, size: int, what: str) -> None:
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


# --------------------------------------------------------------------------- requests


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
        _need(payload, 2, "Login")
        user_end = 1 + payload[0]
        _need(payload, user_end + 1, "Login")
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
        _need(payload, 2, "ToggleHeartbeat")
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
        return bytes((_byte(self.room_id, "room id"),))

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        _need(payload, 1, "RoomMetaData request")
        return cls(payload[0])


@dataclass(frozen=True, slots=True)
class _NodeAddressed(Request):
    node_id: int

    def payload(self) -> bytes:
        return bytes((_byte(self.node_id, "node id"),))

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        _need(payload, 1, cls.__name__)
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
        return bytes((_byte(self.node_id, "node id"), _byte(self.key_id, "key id")))

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        _need(payload, 2, cls.__name__)
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
                _byte(self.node_id, "node id"),
                _byte(self.key_id, "key id"),
                self.action,
                _byte(self.dimmer, "dimmer"),
            )
        ) + _u16(self.timer, "timer")

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        _need(payload, 6, "ToggleKeyStatus")
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
        return bytes((_byte(self.node_id, "node id"), self.lock, self.led_level))

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        _need(payload, 3, "ToggleNodeStatus")
        return cls(payload[0], LockStatus(payload[1]), LEDBackgroundBrightness(payload[2]))


# ---------------------------------------------------------------------------- replies


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
        _need(payload, 1, "Acknowledgement")
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
        _need(payload, 1, cls.__name__)
        count = payload[0]
        _need(payload, 1 + count, cls.__name__)
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
        _need(payload, 3, "RoomMetaData")
        end = 3 + payload[2]
        _need(payload, end, "RoomMetaData name")
        return cls(payload[0], payload[1], decode_name(payload[3:end]))


@dataclass(frozen=True, slots=True)
class NodeMetaData(Reply):
    """A node (keypad or module): address, model, key types, lock, LED, firmware, room.

    V1: ``node, mac[8], model, K, types[K], tail``;
    V2: ``node, mac[8], marker, model, K, types[K], tail``;
    tail: ``lock, led, reserved, major, minor, patch, reserved2, room`` and then
    padding (one byte in the V1 sample, none or two zero bytes in V2 samples).
    """

    COMMAND = CommandId.NODE_METADATA
    MAX_PAYLOAD = 12 + 0xFF + 8 + 8  # head, key types, tail, padding
    DERIVED = ("model_name", "version")
    node_id: int
    mac: str  # "00:15:8D:00:00:69:C4:FF"
    model: int
    key_types: tuple[KeyType, ...]
    lock: LockStatus = LockStatus.UNLOCKED
    led_level: LEDBackgroundBrightness = LEDBackgroundBrightness.NORMAL
    firmware: tuple[int, int, int] = (0, 0, 0)
    room_id: int = 0
    layout: ProtocolVersion = ProtocolVersion.V2
    marker: int = 0x02  # V2 byte 17, meaning unknown
    reserved: int = 0x83  # tail byte 2, meaning unknown
    reserved2: int = 0x00  # tail byte 6, meaning unknown
    padding: bytes = b""

    @property
    def model_name(self) -> str:
        return node_model_name(self.model)

    @property
    def version(self) -> str:
        return firmware_version(self.firmware)

    def payload(self) -> bytes:
        mac = bytes.fromhex(self.mac.replace(":", ""))
        if len(mac) != 8:
            raise MessageError(f"MAC {self.mac} is not 8 bytes")
        head = bytes((self.node_id,)) + mac
        if self.layout is ProtocolVersion.V2:
            head += bytes((self.marker,))
        return (
            head
            + bytes((self.model, len(self.key_types), *self.key_types))
            + bytes((self.lock, self.led_level, self.reserved, *self.firmware))
            + bytes((self.reserved2, self.room_id))
            + self.padding
        )

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        layout = _node_layout(payload, version)
        base = 9 if layout is ProtocolVersion.V1 else 10  # payload index of the model
        count = payload[base + 1]
        keys_end = base + 2 + count
        tail = payload[keys_end : keys_end + 8]
        return cls(
            node_id=payload[0],
            mac=":".join(f"{b:02X}" for b in payload[1:9]),
            model=payload[base],
            key_types=tuple(KeyType(b) for b in payload[base + 2 : keys_end]),
            lock=LockStatus(tail[0]),
            led_level=LEDBackgroundBrightness(tail[1]),
            reserved=tail[2],
            firmware=(tail[3], tail[4], tail[5]),
            reserved2=tail[6],
            room_id=tail[7],
            layout=layout,
            marker=payload[9] if layout is ProtocolVersion.V2 else 0x02,
            padding=bytes(payload[keys_end + 8 :]),
        )


_KNOWN_KEY_TYPES: Final = frozenset(KeyType)


def _node_layout(payload: bytes, hint: ProtocolVersion | None) -> ProtocolVersion:
    """Tell V1 from V2: where must the key count be for the frame to add up and make sense?

    A V1 frame read as V2 can add up too, so candidates are ranked: the padding
    seen in captures (V1: one byte, V2: none or two) and sane content (known key
    types, lock 0-1, LED level 0-4) first, then looser matches.
    """

    def padding(version: ProtocolVersion) -> int:
        base = 9 if version is ProtocolVersion.V1 else 10  # payload index of the model
        if len(payload) <= base + 1:
            return -1
        return len(payload) - (base + 2 + payload[base + 1] + 8)

    def sane(version: ProtocolVersion) -> bool:
        base = 9 if version is ProtocolVersion.V1 else 10
        tail = base + 2 + payload[base + 1]
        types = payload[base + 2 : tail]
        return (
            payload[tail] <= 1
            and payload[tail + 1] <= 4
            and all(t in _KNOWN_KEY_TYPES for t in types)
        )

    if hint is not None and padding(hint) in (0, 1, 2):
        return hint  # the caller knows the box's layout and the frame is consistent with it
    captured = {ProtocolVersion.V1: frozenset({1}), ProtocolVersion.V2: frozenset({0, 2})}
    small = dict.fromkeys(ProtocolVersion, frozenset({0, 1, 2}))
    any_padding = dict.fromkeys(ProtocolVersion, frozenset(range(9)))
    for accepted, need_sane in (
        (captured, True),
        (small, True),
        (captured, False),
        (any_padding, False),
    ):
        candidates = [
            v for v in ProtocolVersion if padding(v) in accepted[v] and (not need_sane or sane(v))
        ]
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            return hint if hint in candidates else ProtocolVersion.V2
    raise MessageError(f"NodeMetaData of {len(payload)} bytes fits neither V1 nor V2")


@dataclass(frozen=True, slots=True)
class KeyParameters(Reply):
    """A key's category and name.

    V1: ``node, key, flags, category, extra[7], name length, name``;
    V2: the same with ``extra[8]``. ``flags`` is 0xFF in every sample.
    """

    COMMAND = CommandId.KEY_PARAMETERS
    MAX_PAYLOAD = 13 + 0xFF + 8  # V2 head, name; some padding
    node_id: int
    key_id: int
    category: KeyCategory
    name: str
    layout: ProtocolVersion = ProtocolVersion.V2
    flags: int = 0xFF
    extra: bytes = b""

    def payload(self) -> bytes:
        size = 7 if self.layout is ProtocolVersion.V1 else 8
        extra = self.extra.ljust(size, b"\x00")[:size]
        return (
            bytes((self.node_id, self.key_id, self.flags, self.category))
            + extra
            + encode_text(self.name)
        )

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        _need(payload, 12, "KeyParameters")
        exact = [v for v in ProtocolVersion if _name_len_at(payload, v) == _name_room(payload, v)]
        if len(exact) == 1:
            layout = exact[0]
        else:
            layout = version if version is not None else ProtocolVersion.V2
            if exact:
                layout = layout if layout in exact else exact[0]
            elif _name_len_at(payload, layout) > _name_room(payload, layout):
                raise MessageError(f"KeyParameters of {len(payload)} bytes fits neither V1 nor V2")
        start = 12 if layout is ProtocolVersion.V1 else 13
        end = start + payload[start - 1]
        return cls(
            node_id=payload[0],
            key_id=payload[1],
            category=KeyCategory(payload[3]),
            name=decode_name(payload[start:end]),
            layout=layout,
            flags=payload[2],
            extra=bytes(payload[4 : start - 1]),
        )


def _name_len_at(payload: bytes, version: ProtocolVersion) -> int:
    index = 11 if version is ProtocolVersion.V1 else 12
    return payload[index] if len(payload) > index else 0x100


def _name_room(payload: bytes, version: ProtocolVersion) -> int:
    return len(payload) - (12 if version is ProtocolVersion.V1 else 13)


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
            bytes((self.node_id, self.key_id, self.status, _byte(self.level, "level")))
            + _u16(self.timer, "timer")
            + self.extra
        )

    @classmethod
    def from_payload(cls, payload: bytes, version: ProtocolVersion | None = None) -> Self:
        _need(payload, 3, "KeyStatus")
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


REQUESTS: dict[int, type[Request]] = {
    cls.COMMAND: cls
    for cls in (
        Login,
        Heartbeat,
        ToggleHeartbeat,
        RoomMetaDataRequest,
        RoomCountRequest,
        ToggleNodeStatus,
        NodeMetaDataRequest,
        NodeStatusRequest,
        NodeCountRequest,
        ToggleKeyStatus,
        KeyStatusRequest,
        KeyParametersRequest,
        InternalUnitStatusesRequest,
    )
}

REPLIES: dict[int, type[Reply]] = {
    cls.COMMAND: cls
    for cls in (
        Acknowledgement,
        RoomMetaData,
        RoomCount,
        NodeMetaData,
        NodeStatus,
        NodeCount,
        KeyStatus,
        KeyParameters,
        InternalUnitStatuses,
        NodeExistenceStatus,
    )
}
# The TypeScript client also reads incoming Login and ToggleNodeStatus frames as
# acknowledgements; accept them the same way.
REPLIES[CommandId.LOGIN] = Acknowledgement
REPLIES[CommandId.TOGGLE_NODE_STATUS] = Acknowledgement

# The largest frame of each reply whose layout is bounded: a corrupted length field
# is refused when its header arrives (the decoder then resynchronises).
REPLY_FRAME_LIMITS: Final[dict[int, int]] = {
    command: HEADER_SIZE + MIN_LENGTH + cls.MAX_PAYLOAD
    for command, cls in REPLIES.items()
    if cls.MAX_PAYLOAD is not None
}


def decode(frame: Frame, version: ProtocolVersion | None = None) -> Message:
    """Decode a frame of either direction into its typed message.

    Unknown commands become :class:`UnknownMessage`; a known command whose payload
    does not fit its layout raises :class:`MessageError`.
    """
    table: dict[int, type[Request]] | dict[int, type[Reply]]
    table = REPLIES if frame.direction is Direction.FROM_VBOX else REQUESTS
    cls = table.get(frame.command)
    if cls is None:
        return UnknownMessage(frame.command, frame.payload)
    try:
        return cls.from_payload(frame.payload, version)
    except IndexError as err:  # a layout read past a short payload
        raise MessageError(f"{cls.__name__}: payload too short") from err
