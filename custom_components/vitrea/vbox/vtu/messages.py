"""Decoding a VTU frame into its typed request or reply: the tables of every message.

The messages themselves live in ``requests``, ``replies`` and ``layouts`` (those whose
layout differs between V1 and V2 boxes); this module is where callers import them.
"""

from __future__ import annotations

from typing import Final

from ..errors import MessageError
from .enums import CommandId, Direction, ProtocolVersion
from .frames import HEADER_SIZE, MIN_LENGTH, Frame
from .layouts import KeyParameters, NodeMetaData
from .message import SECRET, Message, UnknownMessage, decode_name, encode_text
from .replies import (
    Acknowledgement,
    InternalUnitStatuses,
    KeyStatus,
    NodeCount,
    NodeExistenceStatus,
    NodeStatus,
    Reply,
    RoomCount,
    RoomMetaData,
)
from .requests import (
    BLIND_STOP,
    Heartbeat,
    InternalUnitStatusesRequest,
    KeyParametersRequest,
    KeyStatusRequest,
    Login,
    NodeCountRequest,
    NodeMetaDataRequest,
    NodeStatusRequest,
    Request,
    RoomCountRequest,
    RoomMetaDataRequest,
    ToggleHeartbeat,
    ToggleKeyStatus,
    ToggleNodeStatus,
)

__all__ = [
    "BLIND_STOP",
    "REPLIES",
    "REPLY_FRAME_LIMITS",
    "REQUESTS",
    "SECRET",
    "Acknowledgement",
    "Heartbeat",
    "InternalUnitStatuses",
    "InternalUnitStatusesRequest",
    "KeyParameters",
    "KeyParametersRequest",
    "KeyStatus",
    "KeyStatusRequest",
    "Login",
    "Message",
    "NodeCount",
    "NodeCountRequest",
    "NodeExistenceStatus",
    "NodeMetaData",
    "NodeMetaDataRequest",
    "NodeStatus",
    "NodeStatusRequest",
    "Reply",
    "Request",
    "RoomCount",
    "RoomCountRequest",
    "RoomMetaData",
    "RoomMetaDataRequest",
    "ToggleHeartbeat",
    "ToggleKeyStatus",
    "ToggleNodeStatus",
    "UnknownMessage",
    "decode",
    "decode_name",
    "encode_text",
]

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
