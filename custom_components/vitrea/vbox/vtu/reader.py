"""Reading an installation and its key states from a box, through a connected client.

Rooms and nodes are enumerated from the id lists the box returns (room 0 exists,
node ids are sparse), never from 1..count. Key names are read only for key
positions that exist. ``check_installation`` is the cheap read after a
reconnect: the node list and each node's metadata, key names only for nodes that
are new or changed, rooms only when a node is in a room not known yet.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from ..errors import CommandRejectedError, MessageError, VBoxTimeoutError
from ..installation import Installation, Key, KeyAddress, Node, Room
from .enums import ProtocolVersion
from .messages import (
    KeyParameters,
    KeyParametersRequest,
    KeyStatus,
    Message,
    NodeCount,
    NodeCountRequest,
    NodeMetaData,
    NodeMetaDataRequest,
    Request,
    RoomCount,
    RoomCountRequest,
    RoomMetaData,
    RoomMetaDataRequest,
)

_LOGGER = logging.getLogger(__name__)


class Requester(Protocol):
    """What reading needs of a client (VBoxClient is one)."""

    @property
    def protocol_version(self) -> ProtocolVersion | None: ...

    async def request(self, request: Request, *, timeout: float | None = None) -> Message: ...

    async def key_status(self, node_id: int, key_id: int) -> KeyStatus: ...

    async def ping(self) -> None: ...

    def track_keys(self, keys: Iterable[KeyAddress]) -> None: ...

    def forget_states(self, keys: Iterable[KeyAddress]) -> None: ...


async def _ask[M: Message](client: Requester, request: Request, kind: type[M]) -> M:
    reply = await client.request(request)
    if not isinstance(reply, kind):  # pragma: no cover - the client matched it by command
        raise MessageError(f"{request.name} answered with {reply.name}")
    return reply


async def read_node_macs(client: Requester) -> dict[int, str]:
    """Each node's MAC by node id: enough to recognise an installation, cheaper than a full read."""
    node_ids = await _ask(client, NodeCountRequest(), NodeCount)
    macs: dict[int, str] = {}
    for node_id in node_ids.ids:
        meta = await _ask(client, NodeMetaDataRequest(node_id), NodeMetaData)
        macs[meta.node_id] = meta.mac
    return macs


async def read_installation(client: Requester, *, with_states: bool = True) -> Installation:
    """Read the whole topology; then every key's state too, or just track the keys."""
    rooms = await _read_rooms(client)
    node_ids = await _ask(client, NodeCountRequest(), NodeCount)
    nodes = [await _read_node(client, node_id) for node_id in node_ids.ids]
    installation = Installation(rooms, tuple(nodes), client.protocol_version or ProtocolVersion.V2)
    active = installation.active_keys()
    if with_states:
        await read_key_states(client, active)
    else:
        client.track_keys(active)
    return installation


async def check_installation(client: Requester, known: Installation) -> Installation:
    """The installation as the box has it now, read at the cost of one request per node.

    A node whose MAC, model, key types and firmware are what ``known`` says keeps
    its keys (names and categories) without a KeyParameters read; its room and
    keypad settings come from the fresh metadata. Room names are re-read only
    when a node is in a room ``known`` does not have.
    """
    known_nodes = {n.id: n for n in known.nodes}
    node_ids = await _ask(client, NodeCountRequest(), NodeCount)
    nodes: list[Node] = []
    for node_id in node_ids.ids:
        meta = await _ask(client, NodeMetaDataRequest(node_id), NodeMetaData)
        old = known_nodes.get(meta.node_id)
        if old is not None and _same_hardware(old, meta):
            nodes.append(_node(meta, old.keys))
        else:
            nodes.append(_node(meta, await _read_keys(client, meta)))
    rooms = known.rooms
    if any(known.room(n.room_id) is None for n in nodes):
        rooms = await _read_rooms(client)
    return Installation(rooms, tuple(nodes), client.protocol_version or known.protocol_version)


async def read_key_states(client: Requester, keys: Iterable[KeyAddress]) -> None:
    """Read the state of ``keys`` into the client's states, and keep them re-read after
    every reconnect.

    A key the box refuses to report is skipped and loses any state it had: unknown
    is better than stale. A key answered in a malformed frame, or not in time, is
    asked again at the end (a garbled or slow answer says nothing about the key),
    and loses its state only if that fails too; a key not answered in time first
    needs the box to answer a heartbeat, or the link is dead and VBoxTimeoutError
    is raised.
    """
    keys = list(keys)
    client.track_keys(keys)
    unanswered = [key for key in keys if not await _read_state(client, key)]
    for key in unanswered:
        if not await _read_state(client, key):
            _LOGGER.debug("Key %s/%s did not report its state twice", *key)
            client.forget_states([key])


async def _read_state(client: Requester, key: KeyAddress) -> bool:
    """Read one key's state; False if it is worth asking again (garbled or late answer)."""
    try:
        await client.key_status(*key)
    except CommandRejectedError as err:
        _LOGGER.debug("Key %s/%s did not report its state: %s", *key, err)
        client.forget_states([key])
    except MessageError as err:
        _LOGGER.debug("Key %s/%s answered in a malformed frame: %s", *key, err)
        return False
    except VBoxTimeoutError:
        await client.ping()  # one slow answer is no dead link; a silent box is
        return False
    return True


async def _read_rooms(client: Requester) -> tuple[Room, ...]:
    room_ids = await _ask(client, RoomCountRequest(), RoomCount)
    rooms: list[Room] = []
    for room_id in room_ids.ids:
        room = await _ask(client, RoomMetaDataRequest(room_id), RoomMetaData)
        rooms.append(Room(room.room_id, room.name, room.floor_id))
    return tuple(rooms)


async def _read_node(client: Requester, node_id: int) -> Node:
    meta = await _ask(client, NodeMetaDataRequest(node_id), NodeMetaData)
    return _node(meta, await _read_keys(client, meta))


async def _read_keys(client: Requester, meta: NodeMetaData) -> tuple[Key, ...]:
    keys: list[Key] = []
    for key_id, key_type in enumerate(meta.key_types):
        if not key_type.exists:
            keys.append(Key(key_id, key_type))
            continue
        params = await _ask(client, KeyParametersRequest(meta.node_id, key_id), KeyParameters)
        keys.append(Key(key_id, key_type, params.category, params.name))
    return tuple(keys)


def _node(meta: NodeMetaData, keys: tuple[Key, ...]) -> Node:
    return Node(
        id=meta.node_id,
        mac=meta.mac,
        model=meta.model,
        room_id=meta.room_id,
        keys=keys,
        firmware=meta.firmware,
        lock=meta.lock,
        led_level=meta.led_level,
    )


def _same_hardware(node: Node, meta: NodeMetaData) -> bool:
    """Whether the keys read before still describe the node the box reports now."""
    return (
        node.mac == meta.mac
        and node.model == meta.model
        and node.firmware == meta.firmware
        and tuple(k.type for k in node.keys) == meta.key_types
    )
