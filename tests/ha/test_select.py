"""Selects: a keypad's LED backlight level (a configuration entity)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from homeassistant.components.select import ATTR_OPTION, ATTR_OPTIONS, SERVICE_SELECT_OPTION
from homeassistant.components.select import DOMAIN as SELECT_DOMAIN
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import EntityCategory
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.vbox import Installation, LEDBackgroundBrightness, LockStatus
from custom_components.vitrea.vbox.vtu.messages import ToggleNodeStatus
from simulator import VBoxSimulator, demo_installation

from .conftest import (
    SetupEntry,
    box_entry,
    call_service,
    entity_id,
    keypad_settings,
    running_box,
    sent,
    state,
)

LED = LEDBackgroundBrightness


async def select(hass: HomeAssistant, entity: str, option: str) -> None:
    await call_service(hass, SELECT_DOMAIN, SERVICE_SELECT_OPTION, entity, **{ATTR_OPTION: option})


async def test_led_level_options_and_current_level(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    led = entity_id(hass, simulator.installation, Kind.LED_LEVEL, 8)
    current = hass.states.get(led)
    assert current is not None
    assert current.state == "low"
    assert current.attributes[ATTR_OPTIONS] == ["off", "low", "normal", "high", "max"]
    entry = er.async_get(hass).async_get(led)
    assert entry is not None
    assert entry.entity_category is EntityCategory.CONFIG
    assert state(hass, entity_id(hass, simulator.installation, Kind.LED_LEVEL, 1)) == "normal"


@pytest.mark.usefixtures("loaded_entry")
@pytest.mark.parametrize(
    ("node", "option", "expected"),
    [
        (8, "high", ToggleNodeStatus(8, LockStatus.UNLOCKED, LED.HIGH)),
        (8, "off", ToggleNodeStatus(8, LockStatus.UNLOCKED, LED.OFF)),
        (13, "max", ToggleNodeStatus(13, LockStatus.LOCKED, LED.MAX)),  # stays locked
    ],
)
async def test_select_level_keeps_the_lock(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    node: int,
    option: str,
    expected: ToggleNodeStatus,
) -> None:
    led = entity_id(hass, simulator.installation, Kind.LED_LEVEL, node)
    simulator.clear_received()
    await select(hass, led, option)

    assert sent(simulator, ToggleNodeStatus) == [expected]
    assert state(hass, led) == option
    assert keypad_settings(simulator, node) == (expected.lock, expected.led_level)


async def test_select_then_child_lock_keeps_the_new_level(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    led = entity_id(hass, simulator.installation, Kind.LED_LEVEL, 8)
    lock = entity_id(hass, simulator.installation, Kind.CHILD_LOCK, 8)
    await select(hass, led, "max")
    simulator.clear_received()
    await call_service(hass, "switch", "turn_on", lock)
    assert sent(simulator, ToggleNodeStatus) == [ToggleNodeStatus(8, LockStatus.LOCKED, LED.MAX)]
    assert state(hass, led) == "max"


async def test_unknown_option_is_refused(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    led = entity_id(hass, simulator.installation, Kind.LED_LEVEL, 8)
    simulator.clear_received()
    with pytest.raises(ServiceValidationError):
        await select(hass, led, "dazzling")
    assert sent(simulator, ToggleNodeStatus) == []
    assert state(hass, led) == "low"


@pytest.fixture
async def newer_box() -> AsyncIterator[VBoxSimulator]:
    """A box whose keypad 8 reports a backlight level newer than our table."""
    demo = demo_installation()
    nodes = tuple(replace(node, led_level=LED(7)) if node.id == 8 else node for node in demo.nodes)
    async with running_box(Installation(demo.rooms, nodes, demo.protocol_version)) as sim:
        yield sim


async def test_level_unknown_to_the_table_shows_unknown(
    hass: HomeAssistant, newer_box: VBoxSimulator, setup_entry: SetupEntry
) -> None:
    assert await setup_entry(box_entry(newer_box))
    led = entity_id(hass, newer_box.installation, Kind.LED_LEVEL, 8)
    assert state(hass, led) == STATE_UNKNOWN

    newer_box.clear_received()
    await select(hass, led, "normal")
    assert sent(newer_box, ToggleNodeStatus) == [
        ToggleNodeStatus(8, LockStatus.UNLOCKED, LED.NORMAL)
    ]
    assert state(hass, led) == "normal"
