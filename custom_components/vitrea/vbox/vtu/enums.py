"""Enumerations of the binary "VTU" frames: direction, command ids, acknowledgements, layouts.

See docs/vbox-protocol.md §2.3. Open enums (see ``OpenIntEnum``) name a byte the
table does not know ``UNKNOWN_<n>`` instead of failing.
"""

from __future__ import annotations

from enum import IntEnum

from ..enums import OpenIntEnum


class Direction(IntEnum):
    """Byte 3 of every frame."""

    TO_VBOX = 0x3E  # '>'
    FROM_VBOX = 0x3C  # '<'


class CommandId(OpenIntEnum):
    """Byte 4 of every frame."""

    ACKNOWLEDGEMENT = 0x00
    LOGIN = 0x01
    HEARTBEAT = 0x07
    TOGGLE_HEARTBEAT = 0x08
    ROOM_METADATA = 0x1A
    ROOM_COUNT = 0x1D
    TOGGLE_NODE_STATUS = 0x1E
    NODE_METADATA = 0x1F
    NODE_STATUS = 0x23
    NODE_COUNT = 0x24
    TOGGLE_KEY_STATUS = 0x28
    KEY_STATUS = 0x29
    KEY_PARAMETERS = 0x2B
    INTERNAL_UNIT_STATUSES = 0x60
    NODE_EXISTENCE_STATUS = 0xC8


class AckType(OpenIntEnum):
    """Payload byte 0 of an Acknowledgement (0x00) frame."""

    ACK = 0
    NACK = 1
    ERROR = 2
    IN_USE = 3
    NOT_AVAILABLE = 4


class ProtocolVersion(IntEnum):
    """Layout of NodeMetaData and KeyParameters replies; the box does not negotiate it."""

    V1 = 1
    V2 = 2
