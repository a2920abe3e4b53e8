"""Reading an installation from a port-11502 box's VTH database (§4.5), one request at a time.

Unlike the vendor's reader, one bad thing never aborts the read: a record that
is malformed or never answers is skipped with a warning naming it, and a list
that never answers leaves its category empty, except the keypad list, without
which there is nothing worth setting up. Floors are not read: the model has
none (a room keeps its floor id). ``check_installation`` is the cheap read after
a reconnect: the keypad, AC and scenario lists, and a full read only when they
changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from ..enums import KeyType
from ..enums import Protocol as WireProtocol
from ..errors import MessageError, VBoxTimeoutError
from ..installation import AirConditioner, Installation, Key, Node, Room, Scenario
from . import vth
from .database import key_type_from_vth
from .requests import VTHRequest
from .vth import (
    KEYPAD_ZERO,
    ACParams,
    IdList,
    KeypadList,
    KeyParams,
    RoomParams,
    SceneParams,
    VTHCommand,
    VTHFrame,
)

_LOGGER = logging.getLogger(__name__)

C = VTHCommand


class DatabaseClient(Protocol):
    """What reading needs of a client (HostClient is one)."""

    @property
    def firmware(self) -> str | None: ...

    async def vth(self, request: VTHRequest) -> VTHFrame: ...


def _any(frame: VTHFrame) -> bool:
    return True


def _with_id(decode: Callable[[bytes], object], expected: int) -> Callable[[VTHFrame], bool]:
    """A reply decoded by ``decode`` whose ``id`` is the one requested (not a late reply)."""

    def accepts(frame: VTHFrame) -> bool:
        return getattr(decode(frame.payload), "id", None) == expected

    return accepts


def _key_reply(keypad: int, key: int) -> Callable[[VTHFrame], bool]:
    def accepts(frame: VTHFrame) -> bool:
        reply = KeyParams.from_payload(frame.payload)
        # Keypad 0 is asked for as 256; which one the box answers is unverified.
        return reply.key == key and reply.keypad in (keypad, keypad or KEYPAD_ZERO)

    return accepts


async def _list(
    client: DatabaseClient, command: VTHCommand, payload: bytes = b""
) -> tuple[int, ...]:
    """An id list; () with a warning when the box does not give one."""
    try:
        frame = await client.vth(VTHRequest(command, payload, _any))
        return IdList.from_payload(frame.payload).ids
    except (VBoxTimeoutError, MessageError) as err:
        _LOGGER.warning("The box gave no %s list (%s); read without them", command.name, err)
        return ()


async def _record[R](
    client: DatabaseClient, request: VTHRequest, decode: Callable[[bytes], R], what: str
) -> R | None:
    """One record; None with a warning when it is malformed or never answers."""
    try:
        frame = await client.vth(request)
        return decode(frame.payload)
    except (VBoxTimeoutError, MessageError) as err:
        _LOGGER.warning("Skipped %s of the box's database: %s", what, err)
        return None


async def read_keypads(client: DatabaseClient) -> tuple[tuple[int, int], ...]:
    """(keypad id, key count) of every keypad; raises when the box does not list them."""
    frame = await client.vth(VTHRequest(C.KEYPAD_NUMBERS, b"", _any))
    return KeypadList.from_payload(frame.payload).keypads


async def _records[R](
    client: DatabaseClient,
    ids: tuple[int, ...],
    command: VTHCommand,
    build: Callable[[int], bytes],
    decode: Callable[[bytes], R],
) -> list[R]:
    """The record of each id; one that is malformed, late or missing is skipped."""
    found: list[R] = []
    for record_id in ids:
        request = VTHRequest(command, build(record_id), _with_id(decode, record_id))
        record = await _record(client, request, decode, f"{command.name} {record_id}")
        if record is not None:
            found.append(record)
    return found


async def read_database(client: DatabaseClient) -> Installation:
    """The whole installation: rooms, keypads and their keys, ACs, scenarios."""
    room_ids = await _list(client, C.ROOM_NUMBERS, vth.room_numbers())
    rooms = await _records(
        client, room_ids, C.ROOM_PARAMS, vth.room_params, RoomParams.from_payload
    )
    keypads = await read_keypads(client)
    nodes = [await _read_node(client, keypad, count) for keypad, count in keypads]
    ac_ids = await _list(client, C.AC_NUMBERS)
    acs = await _records(client, ac_ids, C.AC_PARAMS, vth.ac_params, ACParams.from_payload)
    scene_ids = await _list(client, C.SCENE_NUMBERS)
    scenes = await _records(
        client, scene_ids, C.SCENE_PARAMS, vth.scene_params, SceneParams.from_payload
    )
    return Installation(
        rooms=tuple(Room(r.id, r.name, r.floor) for r in rooms),
        nodes=tuple(nodes),
        protocol=WireProtocol.HOST,
        air_conditioners=tuple(AirConditioner(a.id, a.name, a.ac_type, a.room) for a in acs),
        scenarios=tuple(Scenario(s.id, s.name, s.room) for s in scenes),
        firmware=client.firmware or "",
    )


async def _read_node(client: DatabaseClient, keypad: int, count: int) -> Node:
    """A keypad: keys 0..count-1 (asked for as 1..count); one that fails is NOT_EXIST."""
    keys: list[Key] = []
    room_id: int | None = None
    for key_id in range(count):
        digit = key_id + 1
        request = VTHRequest(C.KEY_PARAMS, vth.key_params(keypad, digit), _key_reply(keypad, digit))
        reply = await _record(
            client, request, KeyParams.from_payload, f"key {digit} of keypad {keypad}"
        )
        if reply is None:
            keys.append(Key(key_id, KeyType.NOT_EXIST))
            continue
        key_type, category = key_type_from_vth(reply.vth_type)
        keys.append(Key(key_id, key_type, category, reply.name))
        if room_id is None and key_type.exists:
            room_id = reply.room
    return Node(id=keypad, mac="", model=0, room_id=room_id or 0, keys=tuple(keys))


async def check_installation(client: DatabaseClient, known: Installation) -> Installation:
    """The installation now: ``known`` if the keypad, AC and scenario lists are unchanged."""
    keypads = await read_keypads(client)
    acs = await _list(client, C.AC_NUMBERS)
    scenes = await _list(client, C.SCENE_NUMBERS)
    same = (
        keypads == tuple((n.id, len(n.keys)) for n in known.nodes)
        and acs == tuple(a.id for a in known.air_conditioners)
        and scenes == tuple(s.id for s in known.scenarios)
    )
    if not same:
        _LOGGER.info("The box's keypads, ACs or scenarios changed; reading its database again")
        return await read_database(client)
    firmware = client.firmware or known.firmware
    return Installation(
        known.rooms,
        known.nodes,
        known.protocol_version,
        WireProtocol.HOST,
        known.air_conditioners,
        known.scenarios,
        firmware,
    )
