"""Switches (relays, boilers, keypad child locks) and the vitrea.turn_on_for action."""

from __future__ import annotations

from typing import Any

import pytest
import voluptuous as vol
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.components.switch import SwitchDeviceClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import EntityCategory
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.vitrea.const import DOMAIN, SERVICE_TURN_ON_FOR
from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.vbox import KeyPowerStatus, LEDBackgroundBrightness, LockStatus
from custom_components.vitrea.vbox.vtu.messages import ToggleKeyStatus, ToggleNodeStatus
from simulator import VBoxSimulator

from .conftest import (
    call_service,
    entity_id,
    keypad_settings,
    sent,
    state,
    turn_on_for,
    wait_until,
)

ON, OFF = KeyPowerStatus.ON, KeyPowerStatus.OFF


@pytest.mark.parametrize(
    ("node", "key"),
    [(1, 2), (20, 2)],  # a socket (toggle) and a pool pump (dual pole)
)
async def test_relay_switch(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    loaded_entry: MockConfigEntry,
    node: int,
    key: int,
) -> None:
    relay = entity_id(hass, simulator.installation, Kind.SWITCH, node, key)
    current = hass.states.get(relay)
    assert current is not None
    assert current.state == STATE_OFF
    assert current.attributes[ATTR_DEVICE_CLASS] == SwitchDeviceClass.SWITCH

    simulator.clear_received()
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, relay)
    assert sent(simulator) == [ToggleKeyStatus(node, key, ON, 100)]
    await wait_until(lambda: state(hass, relay) == STATE_ON)

    simulator.clear_received()
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, relay)
    assert sent(simulator) == [ToggleKeyStatus(node, key, OFF)]
    await wait_until(lambda: state(hass, relay) == STATE_OFF)

    await simulator.set_key_state(node, key, ON)  # from the wall
    await wait_until(lambda: state(hass, relay) == STATE_ON)


async def test_boiler_on_off(hass: HomeAssistant, simulator: VBoxSimulator, boiler: str) -> None:
    assert state(hass, boiler) == STATE_OFF
    simulator.clear_received()
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, boiler)
    assert sent(simulator) == [ToggleKeyStatus(16, 0, ON, 100)]
    await wait_until(lambda: state(hass, boiler) == STATE_ON)
    assert simulator.key_state(16, 0).timer == 0  # no timer: on until turned off

    simulator.clear_received()
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, boiler)
    assert sent(simulator) == [ToggleKeyStatus(16, 0, OFF)]
    await wait_until(lambda: state(hass, boiler) == STATE_OFF)


async def test_turn_on_for_runs_the_boiler_on_a_timer(
    hass: HomeAssistant, simulator: VBoxSimulator, boiler: str
) -> None:
    simulator.clear_received()
    await turn_on_for(hass, boiler, 30)

    assert sent(simulator) == [ToggleKeyStatus(16, 0, ON, 100, 30)]
    await wait_until(lambda: state(hass, boiler) == STATE_ON)
    assert simulator.key_state(16, 0).timer == 30


async def test_turn_on_for_works_on_any_relay_switch(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    irrigation = entity_id(hass, simulator.installation, Kind.SWITCH, 20, 1)
    simulator.clear_received()
    await turn_on_for(hass, irrigation, 120)
    assert sent(simulator) == [ToggleKeyStatus(20, 1, ON, 100, 120)]
    await wait_until(lambda: state(hass, irrigation) == STATE_ON)


@pytest.mark.parametrize("minutes", [0, 121, -5, "abc", 2.5, True, None, "1e3"])
async def test_turn_on_for_rejects_bad_minutes(
    hass: HomeAssistant, simulator: VBoxSimulator, boiler: str, minutes: Any
) -> None:
    simulator.clear_received()
    with pytest.raises(ServiceValidationError) as err:
        await turn_on_for(hass, boiler, minutes)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "invalid_minutes"
    # Translated, with no validator's text ("... Got None") in it.
    assert str(err.value) == "Minutes must be a whole number from 1 to 120"
    assert sent(simulator) == []
    assert state(hass, boiler) == STATE_OFF


async def test_turn_on_for_requires_minutes(
    hass: HomeAssistant, simulator: VBoxSimulator, boiler: str
) -> None:
    simulator.clear_received()
    with pytest.raises(vol.Invalid, match="required key not provided"):
        await call_service(hass, DOMAIN, SERVICE_TURN_ON_FOR, boiler)
    assert sent(simulator) == []


async def test_turn_on_for_on_a_child_lock_is_refused(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    lock = entity_id(hass, simulator.installation, Kind.CHILD_LOCK, 8)
    simulator.clear_received()
    with pytest.raises(ServiceValidationError) as err:
        await turn_on_for(hass, lock, 30)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "timer_not_supported"
    assert simulator.received == []
    assert state(hass, lock) == STATE_OFF


async def test_child_lock_locks_and_unlocks_the_keypad(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    lock = entity_id(hass, simulator.installation, Kind.CHILD_LOCK, 8)
    entry = er.async_get(hass).async_get(lock)
    assert entry is not None
    assert entry.entity_category is EntityCategory.CONFIG
    assert state(hass, lock) == STATE_OFF
    low = LEDBackgroundBrightness.LOW  # node 8's backlight in the demo: must not change

    simulator.clear_received()
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, lock)
    assert sent(simulator, ToggleNodeStatus) == [ToggleNodeStatus(8, LockStatus.LOCKED, low)]
    assert state(hass, lock) == STATE_ON
    assert keypad_settings(simulator, 8) == (LockStatus.LOCKED, low)

    simulator.clear_received()
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, lock)
    assert sent(simulator, ToggleNodeStatus) == [ToggleNodeStatus(8, LockStatus.UNLOCKED, low)]
    assert state(hass, lock) == STATE_OFF
    assert keypad_settings(simulator, 8) == (LockStatus.UNLOCKED, low)


async def test_child_lock_shows_a_locked_keypad(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    lock = entity_id(hass, simulator.installation, Kind.CHILD_LOCK, 13)  # locked in the demo
    assert state(hass, lock) == STATE_ON
    simulator.clear_received()
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, lock)
    assert sent(simulator, ToggleNodeStatus) == [
        ToggleNodeStatus(13, LockStatus.UNLOCKED, LEDBackgroundBrightness.NORMAL)
    ]
    assert state(hass, lock) == STATE_OFF
