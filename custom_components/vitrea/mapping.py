"""Which Home Assistant entities a Vitrea node and its keys become.

The one place that encodes the entity mapping table of docs/design.md: platforms
only build entities from the specs listed here, and setup uses the same list to
remove registry entries that nothing provides any more. An installation read on
port 11502 also has air conditioners and scenarios of its own (``UnitSpec``), and
its keypads have no settings Home Assistant can change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from homeassistant.const import Platform

from .vbox import Installation, Key, KeyCategory, KeyType, Node, Protocol


class Kind(StrEnum):
    """What an entity does; also the suffix of secondary entities' unique ids."""

    DIMMER = "dimmer"  # light with brightness
    LIGHT = "light"  # on/off light
    FAN = "fan"
    SWITCH = "switch"
    BOILER = "boiler"  # switch that can run on a timer
    BOILER_OFF_AT = "turns_off_at"  # sensor: when the boiler's timer turns it off
    BLIND = "blind"  # cover
    SCENE = "scene"
    BUTTON = "button"
    PRESSES = "presses"  # event entity for the key's presses
    LED_LEVEL = "led_level"  # node config: backlight select
    CHILD_LOCK = "child_lock"  # node config: lock switch
    CLIMATE = "climate"  # an air conditioner (port 11502)
    SCENARIO = "scenario"  # a scenario of the box, by id (port 11502)


PLATFORM: dict[Kind, Platform] = {
    Kind.DIMMER: Platform.LIGHT,
    Kind.LIGHT: Platform.LIGHT,
    Kind.FAN: Platform.FAN,
    Kind.SWITCH: Platform.SWITCH,
    Kind.BOILER: Platform.SWITCH,
    Kind.BOILER_OFF_AT: Platform.SENSOR,
    Kind.BLIND: Platform.COVER,
    Kind.SCENE: Platform.SCENE,
    Kind.BUTTON: Platform.BUTTON,
    Kind.PRESSES: Platform.EVENT,
    Kind.LED_LEVEL: Platform.SELECT,
    Kind.CHILD_LOCK: Platform.SWITCH,
    Kind.CLIMATE: Platform.CLIMATE,
    Kind.SCENARIO: Platform.SCENE,
}
PLATFORMS: list[Platform] = sorted(set(PLATFORM.values()))

# The kind a key is controlled through; its entity's unique id is just MAC + key.
_PRIMARY = frozenset(
    {
        Kind.DIMMER,
        Kind.LIGHT,
        Kind.FAN,
        Kind.SWITCH,
        Kind.BOILER,
        Kind.BLIND,
        Kind.SCENE,
        Kind.BUTTON,
    }
)
_ON_OFF = frozenset({KeyType.TOGGLE, KeyType.DUAL_POLE})
_HEBREW = re.compile("[\u0590-\u05ff]")
_PRESS_KEYS = frozenset({KeyType.SATELLITE, KeyType.PUSH_BUTTON, KeyType.TOGGLE_SCENE})
_TOGGLE_KINDS = {
    KeyCategory.LIGHT: Kind.LIGHT,
    KeyCategory.FAN: Kind.FAN,
    KeyCategory.BOILER: Kind.BOILER,
    KeyCategory.SCENARIO: Kind.SCENE,
}


@dataclass(frozen=True, slots=True)
class EntitySpec:
    """One entity to create: its kind, its node and (for key entities) its key."""

    kind: Kind
    node: Node
    key: Key | None = None
    # The config entry's unique id: names a node that reports no MAC (port 11502).
    installation_id: str | None = None

    @property
    def platform(self) -> Platform:
        return PLATFORM[self.kind]

    @property
    def unique_id(self) -> str:
        """Stable across IP changes: built from the node's MAC (or number) and the key position."""
        node = node_uid(self.node, self.installation_id)
        if self.key is None:
            return f"{node}-{self.kind}"
        if self.kind in _PRIMARY:
            return f"{node}-{self.key.id}"
        return f"{node}-{self.key.id}-{self.kind}"


@dataclass(frozen=True, slots=True)
class UnitSpec:
    """An entity of the installation rather than of a keypad: an AC or a scenario."""

    kind: Kind  # CLIMATE or SCENARIO
    id: int
    installation_id: str | None

    @property
    def platform(self) -> Platform:
        return PLATFORM[self.kind]

    @property
    def unique_id(self) -> str:
        """The entry's unique id and the AC's or scenario's number on the box."""
        what = "ac" if self.kind is Kind.CLIMATE else "scenario"
        return f"{self.installation_id}-{what}{self.id}"


def node_uid(node: Node, installation_id: str | None) -> str:
    """A node in unique ids: its compact MAC; on port 11502, which reports no MAC,
    the installation's id and the node's number (both fixed by the box's database)."""
    return compact_mac(node.mac) if node.mac else f"{installation_id}-{node.id}"


def named_after_key(spec: EntitySpec) -> bool:
    """Whether the entity takes its key's name; the others have a name of their own.

    A key's one entity, or the one it is controlled through, takes the key's name;
    beside it, the presses of a scenario key or a push button and a boiler's
    "turns off at" get a translated name, so no two entities of a key share one.
    """
    assert spec.key is not None
    if spec.kind is Kind.BOILER_OFF_AT:
        return False
    if spec.kind is Kind.PRESSES:
        return not _PRIMARY.intersection(key_kinds(spec.key, show_mirror_keys=True))
    return True


def numbered(spec: EntitySpec) -> bool:
    """Whether the translated name of ``spec`` needs its key's position to be unique.

    True when another key of the same node has an entity of the same kind that
    is not named after its key either.
    """
    twins = [
        key
        for key in spec.node.keys
        if spec.kind in key_kinds(key, show_mirror_keys=True)
        and not named_after_key(EntitySpec(spec.kind, spec.node, key))
    ]
    return len(twins) > 1


# What a keypad is called after its room, in the language of the room's name: the
# box's names are Hebrew or English, and one name in two scripts is cut and
# reordered by the browser (see device_name).
_NODE_KINDS: dict[str, tuple[str, str]] = {
    "dimmers": ("dimmers", "מעמעמים"),
    "lights": ("lights", "תאורה"),
    "blinds": ("blinds", "תריסים"),
    "switches": ("switches", "מפסקים"),
    "keypad": ("keypad", "לוח מקשים"),
}
_ON_OFF_KINDS = frozenset({Kind.LIGHT, Kind.SWITCH, Kind.FAN, Kind.BOILER})


def node_kind(node: Node) -> str:
    """What a person calls the node: dimmers, lights, blinds, switches, else keypad.

    From the entities its keys make (multi-way keys left out, so that the name
    does not change with that option).
    """
    kinds = {
        kind
        for key in node.keys
        for kind in key_kinds(key, show_mirror_keys=False)
        if kind in _PRIMARY or kind is Kind.PRESSES
    }
    if not kinds:
        return "keypad"
    if kinds == {Kind.DIMMER}:
        return "dimmers"
    if kinds <= {Kind.DIMMER, Kind.LIGHT}:
        return "lights"
    if kinds == {Kind.BLIND}:
        return "blinds"
    if kinds <= _ON_OFF_KINDS:
        return "switches"
    return "keypad"


def room_name(installation: Installation, node: Node) -> str | None:
    """The name of the node's room, trimmed; None when it has none."""
    room = installation.room(node.room_id)
    return (room.name.strip() or None) if room is not None else None


def device_name(installation: Installation, node: Node) -> str | None:
    """The device name of a node: its room, and what it is when the room has several.

    "Kitchen" for a room's only keypad, "סלון מעמעמים" / "Master Bedroom lights"
    beside others, numbered when two of a room are the same kind ("... keypad 2").
    The room comes first: the frontend's area pages strip the area's name from the
    front of an entity's name, so a room's only keypad shows its keys' names alone.
    None when the node has no named room (the caller names it after its number).
    """
    room = room_name(installation, node)
    if room is None:
        return None
    neighbours = [n for n in installation.nodes if room_name(installation, n) == room]
    if len(neighbours) == 1:
        return room
    kind = node_kind(node)
    english, hebrew = _NODE_KINDS[kind]
    name = f"{room} {hebrew if _HEBREW.search(room) else english}"
    twins = sorted(n.id for n in neighbours if node_kind(n) == kind)
    return f"{name} {twins.index(node.id) + 1}" if len(twins) > 1 else name


def compact_mac(mac: str) -> str:
    """``00:15:8D:00:01:A2:3C:2E`` -> ``00158d0001a23c2e``: the form used in ids."""
    return mac.replace(":", "").lower()


def key_kinds(key: Key, *, show_mirror_keys: bool) -> list[Kind]:
    """The entities of one key, following the mapping table (unknown types: none)."""
    key_type = key.type
    if key_type.is_mirror and not show_mirror_keys:
        return []
    kinds: list[Kind] = []
    if key_type in (KeyType.DIMMER, KeyType.DIMMER_MW):
        kinds.append(Kind.DIMMER)
    elif key_type in (KeyType.BLIND, KeyType.BLIND_MW):
        kinds.append(Kind.BLIND)
    elif key_type is KeyType.BOILER:
        kinds.append(Kind.BOILER)
    elif key_type in _ON_OFF:
        kinds.append(_TOGGLE_KINDS.get(key.category, Kind.SWITCH))
    elif key_type is KeyType.TOGGLE_SCENE:
        kinds.append(Kind.SCENE)
    elif key_type is KeyType.PUSH_BUTTON:
        kinds.append(Kind.BUTTON)
    if Kind.BOILER in kinds:
        kinds.append(Kind.BOILER_OFF_AT)
    if key_type in _PRESS_KEYS:
        kinds.append(Kind.PRESSES)
    return kinds


def node_specs(
    node: Node,
    *,
    show_mirror_keys: bool,
    protocol: Protocol = Protocol.VTU,
    installation_id: str | None = None,
) -> list[EntitySpec]:
    """The entities of a node; its backlight and child lock only where the protocol
    lets Home Assistant change them (port 11501)."""
    config = (Kind.LED_LEVEL, Kind.CHILD_LOCK) if protocol is Protocol.VTU else ()
    specs = [EntitySpec(kind, node, None, installation_id) for kind in config]
    for key in node.keys:
        specs.extend(
            EntitySpec(kind, node, key, installation_id)
            for kind in key_kinds(key, show_mirror_keys=show_mirror_keys)
        )
    return specs


def unit_specs(installation: Installation, installation_id: str | None) -> list[UnitSpec]:
    """One climate entity per air conditioner, one scene per scenario: only port 11502
    controls them (an installation read on 11501 lists none)."""
    if installation.protocol is not Protocol.HOST:
        return []
    return [
        UnitSpec(Kind.CLIMATE, ac.id, installation_id) for ac in installation.air_conditioners
    ] + [UnitSpec(Kind.SCENARIO, s.id, installation_id) for s in installation.scenarios]


def entity_specs(
    installation: Installation, *, show_mirror_keys: bool, installation_id: str | None = None
) -> list[EntitySpec]:
    """The entities of every node and key of an installation."""
    return [
        spec
        for node in installation.nodes
        for spec in node_specs(
            node,
            show_mirror_keys=show_mirror_keys,
            protocol=installation.protocol,
            installation_id=installation_id,
        )
    ]


def all_specs(
    installation: Installation, *, show_mirror_keys: bool, installation_id: str | None
) -> list[EntitySpec | UnitSpec]:
    """Every entity of an installation: its nodes' and keys', then its ACs and scenarios."""
    nodes: list[EntitySpec | UnitSpec] = list(
        entity_specs(
            installation, show_mirror_keys=show_mirror_keys, installation_id=installation_id
        )
    )
    return nodes + list(unit_specs(installation, installation_id))
