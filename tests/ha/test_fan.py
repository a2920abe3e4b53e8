"""Fans: on/off keys of category fan (the kitchen hood, a ceiling fan)."""

from __future__ import annotations

import pytest
from homeassistant.components.fan import ATTR_PERCENTAGE, FanEntityFeature
from homeassistant.components.fan import DOMAIN as FAN_DOMAIN
from homeassistant.const import (
    ATTR_SUPPORTED_FEATURES,
    SERVICE_TOGGLE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.vbox import KeyPowerStatus
from custom_components.vitrea.vbox.vtu.messages import ToggleKeyStatus
from simulator import VBoxSimulator

from .conftest import EntityLookup, call_service, entity_id, sent, state, wait_until

ON, OFF = KeyPowerStatus.ON, KeyPowerStatus.OFF


@pytest.fixture
def hood(demo_entity: EntityLookup) -> str:
    """The kitchen hood: off in the demo."""
    return demo_entity(Kind.FAN, 5, 2)


async def test_fan_on_off(hass: HomeAssistant, simulator: VBoxSimulator, hood: str) -> None:
    current = hass.states.get(hood)
    assert current is not None
    assert current.state == STATE_OFF
    assert current.attributes[ATTR_SUPPORTED_FEATURES] == (
        FanEntityFeature.TURN_ON | FanEntityFeature.TURN_OFF
    )
    assert current.attributes.get(ATTR_PERCENTAGE) is None  # no speeds

    simulator.clear_received()
    await call_service(hass, FAN_DOMAIN, SERVICE_TURN_ON, hood)
    assert sent(simulator) == [ToggleKeyStatus(5, 2, ON, 100)]
    await wait_until(lambda: state(hass, hood) == STATE_ON)
    assert simulator.key_state(5, 2).status is ON

    simulator.clear_received()
    await call_service(hass, FAN_DOMAIN, SERVICE_TURN_OFF, hood)
    assert sent(simulator) == [ToggleKeyStatus(5, 2, OFF)]
    await wait_until(lambda: state(hass, hood) == STATE_OFF)

    simulator.clear_received()
    await call_service(hass, FAN_DOMAIN, SERVICE_TOGGLE, hood)
    assert sent(simulator) == [ToggleKeyStatus(5, 2, ON, 100)]
    await wait_until(lambda: state(hass, hood) == STATE_ON)


async def test_fan_follows_the_wall(
    hass: HomeAssistant, simulator: VBoxSimulator, hood: str
) -> None:
    await simulator.set_key_state(5, 2, ON)
    await wait_until(lambda: state(hass, hood) == STATE_ON)
    await simulator.set_key_state(5, 2, OFF)
    await wait_until(lambda: state(hass, hood) == STATE_OFF)


async def test_ceiling_fan_of_another_node(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    ceiling = entity_id(hass, simulator.installation, Kind.FAN, 6, 1)
    simulator.clear_received()
    await call_service(hass, FAN_DOMAIN, SERVICE_TURN_ON, ceiling)
    assert sent(simulator) == [ToggleKeyStatus(6, 1, ON, 100)]
    await wait_until(lambda: state(hass, ceiling) == STATE_ON)
