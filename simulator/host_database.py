"""The simulated box's VTH database on port 11502: the reply to each request, from the home.

docs/vbox-protocol.md §4.2. Floors are the rooms' floor ids (named "Floor N": the
model keeps no floor names); a keypad's key count is its number of key positions,
each key described by its 06 reply with its VTH type (``key_type_to_vth``) and
1-based key id; keypad 0 requested as 256 answers as keypad 0. A request for a
record that does not exist gets no reply (the client times out), as does a
request the box cannot read.
"""

from __future__ import annotations

import logging
from typing import Final

from custom_components.vitrea.vbox import Installation, MessageError
from custom_components.vitrea.vbox.host.database import key_type_to_vth
from custom_components.vitrea.vbox.host.vth import (
    ACParams,
    FloorParams,
    IdList,
    KeypadList,
    KeyParams,
    RoomParams,
    SceneParams,
    VTHCommand,
    VTHFrame,
    decode_id_request,
    decode_key_request,
    vth_reply,
)
from custom_components.vitrea.vbox.vtu.message import encode_text

_LOGGER = logging.getLogger(__name__)

_RECORD_REQUESTS: Final = frozenset(
    {VTHCommand.FLOOR_PARAMS, VTHCommand.ROOM_PARAMS, VTHCommand.AC_PARAMS, VTHCommand.SCENE_PARAMS}
)

type Record = ACParams | FloorParams | KeyParams | RoomParams | SceneParams


def floor_ids(installation: Installation) -> list[int]:
    return sorted({room.floor_id for room in installation.rooms})


def record_of(installation: Installation, request: VTHFrame) -> IdList | KeypadList | Record | None:
    """The reply a database request asks for; None when there is none (MessageError: unreadable)."""
    payload, home = request.payload, installation
    match request.command:
        case VTHCommand.FLOOR_NUMBERS:
            return IdList(tuple(floor_ids(home)))
        case VTHCommand.FLOOR_PARAMS:
            floor = decode_id_request(payload)
            return FloorParams(floor, f"Floor {floor}") if floor in floor_ids(home) else None
        case VTHCommand.ROOM_NUMBERS:
            return IdList(tuple(room.id for room in home.rooms))
        case VTHCommand.ROOM_PARAMS:
            room = home.room(decode_id_request(payload))
            return None if room is None else RoomParams(room.id, room.floor_id, room.name)
        case VTHCommand.KEYPAD_NUMBERS:
            return KeypadList(tuple((node.id, len(node.keys)) for node in home.nodes))
        case VTHCommand.KEY_PARAMS:
            return _key_params(home, *decode_key_request(payload))
        case VTHCommand.AC_NUMBERS:
            return IdList(tuple(ac.id for ac in home.air_conditioners))
        case VTHCommand.AC_PARAMS:
            ac = home.air_conditioner(decode_id_request(payload))
            return None if ac is None else ACParams(ac.id, ac.type, ac.room_id, ac.name)
        case VTHCommand.SCENE_NUMBERS:
            return IdList(tuple(scenario.id for scenario in home.scenarios))
        case VTHCommand.SCENE_PARAMS:
            scenario = home.scenario(decode_id_request(payload))
            if scenario is None:
                return None
            return SceneParams(scenario.id, scenario.room_id, scenario.name)
    raise MessageError(f"unknown VTH command {request.command:#04x}")


def _key_params(home: Installation, keypad: int, key_digit: int) -> KeyParams | None:
    node = home.node(keypad)
    key = node.key(key_digit - 1) if node is not None and key_digit >= 1 else None
    if node is None or key is None:
        return None
    # A key's room is its keypad's: the model keeps no room per key.
    return KeyParams(
        node.id, key_digit, key_type_to_vth(key.type, key.category), node.room_id, key.name
    )


def reply_to(
    installation: Installation, request: VTHFrame, *, bad_name: bool = False
) -> bytes | None:
    """The reply frame to a request, or None (no such record, or a request it cannot read).

    ``bad_name``: a record whose name length does not match its name (a bad record).
    """
    try:
        record = record_of(installation, request)
    except MessageError as err:
        _LOGGER.warning("VTH request %#04x not answered: %s", request.command, err)
        return None
    if record is None:
        _LOGGER.info("VTH request %#04x %s: no such record", request.command, request.payload.hex())
        return None
    payload = record.to_payload()
    if bad_name and not isinstance(record, IdList | KeypadList):
        payload = _spoil_name_length(payload, record.name)
    return vth_reply(request.command, payload)


def _spoil_name_length(payload: bytes, name: str) -> bytes:
    """The record with a name-length byte two more than the name it carries."""
    at = len(payload) - len(encode_text(name))  # the name field: length byte, then the text
    spoiled = bytearray(payload)
    spoiled[at] = (spoiled[at] + 2) & 0xFF
    return bytes(spoiled)


def request_ids(request: VTHFrame) -> tuple[int, ...]:
    """The ids a database request carries, as bad_vth_record takes them (none: a list)."""
    try:
        if request.command == VTHCommand.KEY_PARAMS:
            return decode_key_request(request.payload)
        if request.command in _RECORD_REQUESTS:
            return (decode_id_request(request.payload),)
    except MessageError:
        pass  # not answered either (host_database)
    return ()
