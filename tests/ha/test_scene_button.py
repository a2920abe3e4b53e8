"""Scenes (scenario keys) and buttons (push buttons): a short press, sent once."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN
from homeassistant.components.button import SERVICE_PRESS
from homeassistant.components.scene import DOMAIN as SCENE_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.vitrea.const import DOMAIN
from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.vbox.enums import KeyPowerStatus
from custom_components.vitrea.vbox.messages import ToggleKeyStatus, decode
from custom_components.vitrea.vbox.simulator import VBoxSimulator

from .conftest import entity_id, wait_until

SHORT = KeyPowerStatus.SHORT


def sent(simulator: VBoxSimulator) -> list[Any]:
    messages = (decode(frame, simulator.layout) for frame in simulator.received)
    return [message for message in messages if isinstance(message, ToggleKeyStatus)]


def state(hass: HomeAssistant, entity: str) -> str:
    current = hass.states.get(entity)
    assert current is not None
    return current.state


async def activate(hass: HomeAssistant, entity: str) -> None:
    await hass.services.async_call(
        SCENE_DOMAIN, SERVICE_TURN_ON, {ATTR_ENTITY_ID: entity}, blocking=True
    )


async def press(hass: HomeAssistant, entity: str) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: entity}, blocking=True
    )


@pytest.fixture
def leaving(hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry) -> str:
    """The "leaving home" scenario key of the entrance keypad."""
    return entity_id(hass, simulator.installation, Kind.SCENE, 1, 3)


@pytest.fixture
def good_night(hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry) -> str:
    """The "good night" push button of the bedroom keypad."""
    return entity_id(hass, simulator.installation, Kind.BUTTON, 8, 4)


async def test_scene_activation_is_one_short_press(
    hass: HomeAssistant, simulator: VBoxSimulator, leaving: str
) -> None:
    assert state(hass, leaving) == STATE_UNKNOWN
    simulator.clear_received()
    await activate(hass, leaving)

    assert sent(simulator) == [ToggleKeyStatus(1, 3, SHORT)]
    assert state(hass, leaving) not in (STATE_UNKNOWN, STATE_UNAVAILABLE)  # last activated
    # The box reports the press back: it is not sent again.
    await hass.async_block_till_done()
    assert sent(simulator) == [ToggleKeyStatus(1, 3, SHORT)]


async def test_button_press_is_one_short_press(
    hass: HomeAssistant, simulator: VBoxSimulator, good_night: str
) -> None:
    assert state(hass, good_night) == STATE_UNKNOWN
    simulator.clear_received()
    await press(hass, good_night)

    assert sent(simulator) == [ToggleKeyStatus(8, 4, SHORT)]
    assert state(hass, good_night) not in (STATE_UNKNOWN, STATE_UNAVAILABLE)  # last pressed
    await hass.async_block_till_done()
    assert sent(simulator) == [ToggleKeyStatus(8, 4, SHORT)]


async def test_press_is_not_retried_on_timeout(
    hass: HomeAssistant, simulator: VBoxSimulator, good_night: str
) -> None:
    """A press the box did not acknowledge might have happened: never send it twice."""
    simulator.stalled = True
    simulator.clear_received()
    with pytest.raises(HomeAssistantError) as err:
        await press(hass, good_night)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "command_timeout"
    assert sent(simulator) == [ToggleKeyStatus(8, 4, SHORT)]


async def test_scene_and_button_follow_availability(
    hass: HomeAssistant, simulator: VBoxSimulator, leaving: str, good_night: str
) -> None:
    port = simulator.port
    await simulator.stop()
    await wait_until(lambda: state(hass, leaving) == state(hass, good_night) == STATE_UNAVAILABLE)
    await simulator.start("127.0.0.1", port)
    await wait_until(lambda: state(hass, leaving) == state(hass, good_night) == STATE_UNKNOWN)

    simulator.clear_received()
    await press(hass, good_night)
    assert sent(simulator) == [ToggleKeyStatus(8, 4, SHORT)]
