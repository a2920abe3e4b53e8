"""The topology of an installation (rooms, nodes, keys) as plain, serialisable data.

An :class:`Installation` is what the integration caches between restarts and what
the simulator serves; ``to_dict``/``from_dict`` round-trip through JSON. Reading
one from a box is a protocol's job (``vtu/reader.py`` for the binary one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .climate import ACType
from .enums import KeyCategory, KeyType, LEDBackgroundBrightness, LockStatus, Protocol
from .errors import VBoxError
from .vtu.enums import ProtocolVersion
from .vtu.node_models import node_model_name

type KeyAddress = tuple[int, int]
"""(node id, key id): where a key is."""


class InstallationFormatError(VBoxError):
    """An installation document (cache or simulator file) is not valid."""


def firmware_version(firmware: tuple[int, int, int]) -> str:
    """Firmware as the Vitrea app renders it: major.minor followed by patch ("7.93")."""
    major, minor, patch = firmware
    return f"{major}.{minor}{patch}"


def _enum_to_json(value: Enum) -> str:
    return value.name


def _enum_from_json[E: Enum](cls: type[E], value: Any) -> E:
    """Accept an enum by name, by number, or an ``UNKNOWN_<n>`` pseudo-member name."""
    if isinstance(value, int):
        return cls(value)
    if isinstance(value, str):
        if value.startswith("UNKNOWN_") and value[8:].isdigit():
            return cls(int(value[8:]))
        try:
            return cls[value]
        except KeyError:
            pass
    raise InstallationFormatError(f"{value!r} is not a {cls.__name__}")


@dataclass(frozen=True, slots=True)
class Room:
    id: int
    name: str
    floor_id: int = 0


@dataclass(frozen=True, slots=True)
class Key:
    """One key position of a node. ``id`` is the 0-based position on the node."""

    id: int
    type: KeyType
    category: KeyCategory = KeyCategory.UNDEFINED
    name: str = ""


@dataclass(frozen=True, slots=True)
class Node:
    """A keypad or module, with every key position it reports."""

    id: int
    mac: str
    model: int
    room_id: int
    keys: tuple[Key, ...] = ()
    firmware: tuple[int, int, int] = (0, 0, 0)
    lock: LockStatus = LockStatus.UNLOCKED
    led_level: LEDBackgroundBrightness = LEDBackgroundBrightness.NORMAL

    @property
    def model_name(self) -> str:
        return node_model_name(self.model)

    @property
    def version(self) -> str:
        return firmware_version(self.firmware)

    def key(self, key_id: int) -> Key | None:
        return next((k for k in self.keys if k.id == key_id), None)


@dataclass(frozen=True, slots=True)
class AirConditioner:
    """An air conditioner the box controls (port 11502 only)."""

    id: int
    name: str
    type: ACType
    room_id: int = 0


@dataclass(frozen=True, slots=True)
class Scenario:
    """A scenario of the box, activated by id (port 11502 only); room 0 = no room."""

    id: int
    name: str
    room_id: int = 0


@dataclass(frozen=True, slots=True)
class Installation:
    rooms: tuple[Room, ...] = ()
    nodes: tuple[Node, ...] = ()
    protocol_version: ProtocolVersion = ProtocolVersion.V2
    protocol: Protocol = Protocol.VTU  # the port it was read through
    air_conditioners: tuple[AirConditioner, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    firmware: str = ""  # the box's own version as it reports it, e.g. "8.66" (host: G:V:S)
    _nodes_by_id: dict[int, Node] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_nodes_by_id", {n.id: n for n in self.nodes})

    def node(self, node_id: int) -> Node | None:
        return self._nodes_by_id.get(node_id)

    def room(self, room_id: int) -> Room | None:
        return next((r for r in self.rooms if r.id == room_id), None)

    def air_conditioner(self, ac_id: int) -> AirConditioner | None:
        return next((a for a in self.air_conditioners if a.id == ac_id), None)

    def scenario(self, scenario_id: int) -> Scenario | None:
        return next((s for s in self.scenarios if s.id == scenario_id), None)

    def active_keys(self) -> list[tuple[int, int]]:
        """(node, key) of every key that exists: the keys that have a state."""
        return active_keys(self.nodes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol_version": self.protocol_version.value,
            "protocol": self.protocol.value,
            "firmware": self.firmware,
            "air_conditioners": [
                {"id": a.id, "name": a.name, "type": _enum_to_json(a.type), "room_id": a.room_id}
                for a in self.air_conditioners
            ],
            "scenarios": [
                {"id": s.id, "name": s.name, "room_id": s.room_id} for s in self.scenarios
            ],
            "rooms": [{"id": r.id, "name": r.name, "floor_id": r.floor_id} for r in self.rooms],
            "nodes": [
                {
                    "id": n.id,
                    "mac": n.mac,
                    "model": n.model,
                    "model_name": n.model_name,
                    "room_id": n.room_id,
                    "firmware": list(n.firmware),
                    "lock": _enum_to_json(n.lock),
                    "led_level": _enum_to_json(n.led_level),
                    "keys": [
                        {
                            "id": k.id,
                            "type": _enum_to_json(k.type),
                            "category": _enum_to_json(k.category),
                            "name": k.name,
                        }
                        for k in n.keys
                    ],
                }
                for n in self.nodes
            ],
        }

    @classmethod
    def from_dict(cls, data: Any) -> Installation:
        """Build from ``to_dict`` output; raise InstallationFormatError on bad input."""
        try:
            rooms = tuple(
                Room(_id(r, "id"), _str(r, "name"), _id(r, "floor_id", 0))
                for r in _list(data, "rooms")
            )
            nodes = tuple(_node_from_dict(n) for n in _list(data, "nodes"))
            version = ProtocolVersion(_int(data, "protocol_version", 2))
            protocol = Protocol(_str(data, "protocol", Protocol.VTU.value))
            acs = tuple(
                AirConditioner(
                    _id(a, "id"),
                    _str(a, "name", ""),
                    _enum_from_json(ACType, a.get("type")),
                    _id(a, "room_id", 0),
                )
                for a in _list(data, "air_conditioners", [])
            )
            scenarios = tuple(
                Scenario(_id(s, "id"), _str(s, "name", ""), _id(s, "room_id", 0))
                for s in _list(data, "scenarios", [])
            )
            firmware = _str(data, "firmware", "")
        except InstallationFormatError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise InstallationFormatError(f"invalid installation document: {err!r}") from err
        return cls(rooms, nodes, version, protocol, acs, scenarios, firmware)


def active_keys(nodes: Iterable[Node]) -> list[tuple[int, int]]:
    """(node, key) of every existing key of ``nodes``."""
    return [(n.id, k.id) for n in nodes for k in n.keys if k.type.exists]


# Strict readers: a cache or installation file with a wrong type is refused, not coerced.
def _field[T](obj: Any, name: str, kind: type[T], default: T | None) -> T:
    if not isinstance(obj, dict):
        raise InstallationFormatError(f"expected an object with {name!r}, got {obj!r}")
    value = obj.get(name, default)
    if value is None:
        raise InstallationFormatError(f"{name!r} is missing")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InstallationFormatError(f"{name!r} must be {kind.__name__}, got {value!r}")
    return value


def _int(obj: Any, name: str, default: int | None = None, top: int = 0xFF) -> int:
    """A protocol number: key ids, models and firmware parts travel as one byte."""
    value = _field(obj, name, int, default)
    if not 0 <= value <= top:
        raise InstallationFormatError(f"{name!r} must be 0-{top}, got {value}")
    return value


def _id(obj: Any, name: str, default: int | None = None) -> int:
    """A node, room, floor, AC or scenario id: 16 bits on port 11502's database."""
    return _int(obj, name, default, 0xFFFF)


def _str(obj: Any, name: str, default: str | None = None) -> str:
    return _field(obj, name, str, default)


def _list(obj: Any, name: str, default: list[Any] | None = None) -> list[Any]:
    return _field(obj, name, list, default)


_MAC = re.compile(r"[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){7}")


def _node_from_dict(n: Any) -> Node:
    firmware = _list(n, "firmware", [0, 0, 0])
    if len(firmware) != 3 or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 0xFF for v in firmware
    ):
        raise InstallationFormatError(f"firmware {firmware!r} is not [major, minor, patch]")
    mac = _str(n, "mac")
    if mac and not _MAC.fullmatch(mac):  # port 11502 reports no MAC: ""
        raise InstallationFormatError(f"'mac' {mac!r} is not 8 bytes like 00:0D:6F:00:0E:FB:96:21")
    keys = tuple(
        Key(
            _int(k, "id"),
            _enum_from_json(KeyType, k.get("type")),
            _enum_from_json(KeyCategory, k.get("category", 0)),
            _str(k, "name", ""),
        )
        for k in _list(n, "keys", [])
    )
    return Node(
        id=_id(n, "id"),
        mac=mac.upper(),
        model=_int(n, "model"),
        room_id=_id(n, "room_id", 0),
        keys=keys,
        firmware=(firmware[0], firmware[1], firmware[2]),
        lock=_enum_from_json(LockStatus, n.get("lock", 0)),
        led_level=_enum_from_json(LEDBackgroundBrightness, n.get("led_level", 2)),
    )
