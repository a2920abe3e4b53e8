"""Device triggers: the keys pressed on the wall, in the automation editor and in automations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from homeassistant.components import automation
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN
from homeassistant.components.button import SERVICE_PRESS
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.components.scene import DOMAIN as SCENE_DOMAIN
from homeassistant.const import SERVICE_TURN_ON
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_get_device_automations,
)

from custom_components.vitrea import device_trigger
from custom_components.vitrea.const import DOMAIN
from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.topology import controller_identifier
from custom_components.vitrea.vbox import Key, KeyType, Node
from simulator import PressKind, VBoxSimulator

from .conftest import (
    EntityLookup,
    all_presses_handled,
    call_service,
    device_of,
    press_one_by_one,
)

TRANSLATIONS = Path(device_trigger.__file__).parent / "translations"


def node_device(hass: HomeAssistant, entry: MockConfigEntry, node: Node) -> str:
    device = device_of(hass, entry, node.mac)
    assert device is not None
    return device.id


def demo_node(simulator: VBoxSimulator, node_id: int) -> Node:
    node = simulator.installation.node(node_id)
    assert node is not None
    return node


async def add_automations(hass: HomeAssistant, *triggers: dict[str, Any]) -> None:
    """One automation per trigger; each reports its trigger's type."""
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "triggers": [trigger],
                    "actions": {
                        "action": "test.automation",
                        "data": {"type": trigger["type"]},
                    },
                }
                for trigger in triggers
            ]
        },
    )
    await hass.async_block_till_done()


def key_trigger(device_id: str, key: int, trigger_type: str) -> dict[str, Any]:
    return {
        "trigger": "device",
        "domain": DOMAIN,
        "device_id": device_id,
        "type": trigger_type,
        "subtype": "label only",
        "key": key,
    }


async def test_triggers_of_a_keypad_are_its_pressed_keys_by_name(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    bedroom = node_device(hass, loaded_entry, demo_node(simulator, 8))
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, bedroom)
    assert sorted(
        (t["key"], t["subtype"], t["type"]) for t in triggers if t["domain"] == DOMAIN
    ) == [
        (3, "Satellite", "long"),
        (3, "Satellite", "release"),
        (3, "Satellite", "short"),
        (4, "לילה טוב", "long"),  # "Good night", a push button
        (4, "לילה טוב", "release"),
        (4, "לילה טוב", "short"),
    ]
    assert all(
        t["platform"] == "device" and t["device_id"] == bedroom
        for t in triggers
        if t["domain"] == DOMAIN
    )

    # Every wall key of the home, and no other: the keys that have an event entity.
    wall_keys = 0
    for node in simulator.installation.nodes:
        found = await async_get_device_automations(
            hass, DeviceAutomationType.TRIGGER, node_device(hass, loaded_entry, node)
        )
        ours = {(t["key"], t["type"]) for t in found if t["domain"] == DOMAIN}
        pressed = {
            key.id
            for key in node.keys
            if key.type in (KeyType.SATELLITE, KeyType.PUSH_BUTTON, KeyType.TOGGLE_SCENE)
        }
        assert ours == {(k, t) for k in pressed for t in ("short", "long", "release")}, node.id
        wall_keys += len(pressed)
    assert wall_keys == 6

    # The vBox itself has no key.
    controller = dr.async_get(hass).async_get_device_by_identifier(
        controller_identifier(loaded_entry), loaded_entry.entry_id
    )
    assert controller is not None
    found = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, controller.id)
    assert [t for t in found if t["domain"] == DOMAIN] == []


async def test_trigger_types_are_translated_with_the_key_name() -> None:
    for language in ("en", "he"):
        texts = json.loads((TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8"))
        trigger_types = texts["device_automation"]["trigger_type"]
        assert trigger_types.keys() == device_trigger.TRIGGER_EVENTS.keys()
        assert all("{subtype}" in text for text in trigger_types.values())


def test_key_labels() -> None:
    def key(key_id: int, name: str) -> Key:
        return Key(key_id, KeyType.SATELLITE, name=name)

    keys = (key(0, "Good night"), key(1, ""), key(2, "Lights"), key(3, "Lights "), key(4, " "))
    node = Node(7, "00:00:00:00:00:00:00:07", 12, 0, keys)
    assert [device_trigger.key_label(node, k) for k in keys] == [
        "Good night",
        "Key 2",
        "Lights (key 3)",  # two keys of one keypad with one name: told apart
        "Lights (key 4)",
        "Key 5",
    ]


async def test_automation_fires_on_wall_presses_only(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    loaded_entry: MockConfigEntry,
    demo_entity: EntityLookup,
    automation_calls: list[ServiceCall],
) -> None:
    # The triggers as the automation editor lists them, and saves the one picked.
    bedroom = node_device(hass, loaded_entry, demo_node(simulator, 8))
    listed = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, bedroom)
    await add_automations(hass, *(t for t in listed if t["domain"] == DOMAIN and t["key"] == 4))

    calls = automation_calls
    await press_one_by_one(
        simulator, calls, (8, 4, PressKind.LONG), (8, 4, PressKind.RELEASE), (8, 4, PressKind.SHORT)
    )
    assert [call.data["type"] for call in calls] == ["long", "release", "short"]

    # Presses of other keys, and a release that ends no long press, fire nothing.
    await simulator.press_key(8, 3, PressKind.SHORT)
    await simulator.press_key(8, 4, PressKind.RELEASE)
    # The press Home Assistant sends: the box reports it back, and that is no wall press.
    await call_service(hass, BUTTON_DOMAIN, SERVICE_PRESS, demo_entity(Kind.BUTTON, 8, 4))
    await all_presses_handled(hass, simulator)
    assert [call.data["type"] for call in calls] == ["long", "release", "short"]


async def test_scene_activation_fires_no_trigger(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    loaded_entry: MockConfigEntry,
    demo_entity: EntityLookup,
    automation_calls: list[ServiceCall],
) -> None:
    calls = automation_calls
    entrance = node_device(hass, loaded_entry, demo_node(simulator, 1))
    await add_automations(hass, key_trigger(entrance, 3, "short"))

    for _ in range(2):  # a user who clicks twice
        await call_service(hass, SCENE_DOMAIN, SERVICE_TURN_ON, demo_entity(Kind.SCENE, 1, 3))
    await all_presses_handled(hass, simulator)
    assert calls == []
    await press_one_by_one(simulator, calls, (1, 3, PressKind.SHORT))  # the key on the wall
    assert len(calls) == 1


async def test_two_quick_presses_fire_twice(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    loaded_entry: MockConfigEntry,
    automation_calls: list[ServiceCall],
) -> None:
    doorbell = node_device(hass, loaded_entry, demo_node(simulator, 22))
    await add_automations(hass, key_trigger(doorbell, 3, "short"))
    await simulator.press_key(22, 3, PressKind.SHORT)
    await simulator.press_key(22, 3, PressKind.SHORT)
    await all_presses_handled(hass, simulator)
    assert len(automation_calls) == 2


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"key": 0}, "not pressed on the wall"),  # an on/off light
        ({"key": 5}, "not pressed on the wall"),  # no such key
        ({"type": "double"}, "type"),
        ({"key": "three"}, "key"),
    ],
)
async def test_invalid_trigger_is_refused(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    loaded_entry: MockConfigEntry,
    change: dict[str, Any],
    error: str,
) -> None:
    bedroom = node_device(hass, loaded_entry, demo_node(simulator, 8))
    config = {**key_trigger(bedroom, 4, "short"), "platform": "device", **change}
    del config["trigger"]
    with pytest.raises(Exception, match=error):
        await device_trigger.async_validate_trigger_config(hass, config)


async def test_trigger_of_a_box_not_loaded_yet_is_accepted(
    hass: HomeAssistant, simulator: VBoxSimulator, config_entry: MockConfigEntry
) -> None:
    """While Home Assistant starts, the keys are unknown: the schema alone is checked."""
    config_entry.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={(DOMAIN, "0011")}
    )
    config = {**key_trigger(device.id, 9, "long"), "platform": "device"}
    del config["trigger"]
    validated = await device_trigger.async_validate_trigger_config(hass, config)
    assert validated["key"] == 9
    assert await device_trigger.async_get_triggers(hass, device.id) == []
    assert await device_trigger.async_get_triggers(hass, "no such device") == []
