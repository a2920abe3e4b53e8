"""The two replies whose layout differs between V1 and V2 boxes, and telling which one a frame uses.

The box does not say which layout it speaks: NodeMetaData and KeyParameters are
decoded by finding where their counts must sit for the frame to add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Self

from ..enums import KeyCategory, KeyType, LEDBackgroundBrightness, LockStatus
from ..errors import MessageError
from ..installation import firmware_version
from .enums import CommandId, ProtocolVersion
from .message import decode_name, encode_text, need
from .node_models import node_model_name
from .replies import Reply


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
        need(payload, 12, "KeyParameters")
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
