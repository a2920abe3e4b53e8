"""The entity mapping table of docs/design.md, key type by key type."""

from __future__ import annotations

import pytest

from custom_components.vitrea.mapping import EntitySpec, Kind, entity_specs, key_kinds
from custom_components.vitrea.vbox import Installation, Key, KeyCategory, KeyType, Node
from simulator import demo_installation

C = KeyCategory


@pytest.mark.parametrize(
    ("key_type", "category", "kinds"),
    [
        (KeyType.DIMMER, C.LIGHT, [Kind.DIMMER]),
        (KeyType.TOGGLE, C.LIGHT, [Kind.LIGHT]),
        (KeyType.DUAL_POLE, C.LIGHT, [Kind.LIGHT]),
        (KeyType.TOGGLE, C.FAN, [Kind.FAN]),
        (KeyType.DUAL_POLE, C.FAN, [Kind.FAN]),
        (KeyType.TOGGLE, C.UNDEFINED, [Kind.SWITCH]),
        (KeyType.TOGGLE, C.AUDIO, [Kind.SWITCH]),
        (KeyType.DUAL_POLE, C.UNDEFINED, [Kind.SWITCH]),
        (KeyType.BOILER, C.BOILER, [Kind.BOILER, Kind.BOILER_OFF_AT]),
        (KeyType.BOILER, C.UNDEFINED, [Kind.BOILER, Kind.BOILER_OFF_AT]),
        (KeyType.TOGGLE, C.BOILER, [Kind.BOILER, Kind.BOILER_OFF_AT]),
        (KeyType.BLIND, C.UNDEFINED, [Kind.BLIND]),
        (KeyType.TOGGLE_SCENE, C.SCENARIO, [Kind.SCENE, Kind.PRESSES]),
        (KeyType.TOGGLE, C.SCENARIO, [Kind.SCENE]),
        (KeyType.PUSH_BUTTON, C.UNDEFINED, [Kind.BUTTON, Kind.PRESSES]),
        (KeyType.SATELLITE, C.UNDEFINED, [Kind.PRESSES]),
        (KeyType.DIMMER_MW, C.LIGHT, []),
        (KeyType.BLIND_MW, C.UNDEFINED, []),
        (KeyType.NOT_EXIST, C.UNDEFINED, []),
        (KeyType.NOT_ACTIVE, C.UNDEFINED, []),
        (KeyType.REPEATER, C.UNDEFINED, []),
        (KeyType.THERMOSTAT, C.UNDEFINED, []),
        (KeyType(99), C.UNDEFINED, []),  # a type newer than our table
    ],
)
def test_key_kinds(key_type: KeyType, category: KeyCategory, kinds: list[Kind]) -> None:
    assert key_kinds(Key(0, key_type, category, "x"), show_mirror_keys=False) == kinds


def test_mirror_keys_only_when_asked() -> None:
    assert key_kinds(Key(0, KeyType.DIMMER_MW), show_mirror_keys=True) == [Kind.DIMMER]
    assert key_kinds(Key(0, KeyType.BLIND_MW), show_mirror_keys=True) == [Kind.BLIND]


def test_unique_ids_come_from_the_mac_and_key() -> None:
    node = Node(5, "00:15:8D:00:01:A2:3C:2E", 5, 1, (Key(2, KeyType.BOILER),))
    key = node.keys[0]
    assert EntitySpec(Kind.BOILER, node, key).unique_id == "00158d0001a23c2e-2"
    assert EntitySpec(Kind.BOILER_OFF_AT, node, key).unique_id == "00158d0001a23c2e-2-turns_off_at"
    assert EntitySpec(Kind.LED_LEVEL, node).unique_id == "00158d0001a23c2e-led_level"


def test_every_node_gets_its_config_entities_and_ids_are_unique() -> None:
    home = demo_installation()
    specs = entity_specs(home, show_mirror_keys=True)
    assert len({(s.platform, s.unique_id) for s in specs}) == len(specs)
    for node in home.nodes:
        kinds = [s.kind for s in specs if s.node is node and s.key is None]
        assert kinds == [Kind.LED_LEVEL, Kind.CHILD_LOCK]
    assert entity_specs(Installation(), show_mirror_keys=False) == []
