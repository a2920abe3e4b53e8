"""Which Home Assistant entities a Vitrea node and its keys become.

The one place that encodes the entity mapping table of docs/design.md: platforms
only build entities from the specs listed here, and setup uses the same list to
remove registry entries that nothing provides any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from homeassistant.const import Platform

from .vbox.enums import KeyCategory, KeyType
from .vbox.installation import Installation, Key, Node


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

    @property
    def platform(self) -> Platform:
        return PLATFORM[self.kind]

    @property
    def unique_id(self) -> str:
        """Stable across IP changes: built from the node's MAC and the key position."""
        mac = compact_mac(self.node.mac)
        if self.key is None:
            return f"{mac}-{self.kind}"
        if self.kind in _PRIMARY:
            return f"{mac}-{self.key.id}"
        return f"{mac}-{self.key.id}-{self.kind}"


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


def node_specs(node: Node, *, show_mirror_keys: bool) -> list[EntitySpec]:
    specs = [EntitySpec(Kind.LED_LEVEL, node), EntitySpec(Kind.CHILD_LOCK, node)]
    for key in node.keys:
        specs.extend(
            EntitySpec(kind, node, key)
            for kind in key_kinds(key, show_mirror_keys=show_mirror_keys)
        )
    return specs


def entity_specs(installation: Installation, *, show_mirror_keys: bool) -> list[EntitySpec]:
    return [
        spec
        for node in installation.nodes
        for spec in node_specs(node, show_mirror_keys=show_mirror_keys)
    ]
