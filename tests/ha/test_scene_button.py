"""Scenes (scenario keys) and buttons (push buttons): a short press, sent once."""

from __future__ import annotations

import pytest
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN
from homeassistant.components.button import SERVICE_PRESS
from homeassistant.components.scene import DOMAIN as SCENE_DOMAIN
from homeassistant.const import SERVICE_TURN_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from custom_components.vitrea.const import DOMAIN
from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.vbox import KeyPowerStatus
from custom_components.vitrea.vbox.vtu.messages import ToggleKeyStatus
from simulator import VBoxSimulator

from .conftest import EntityLookup, call_service, sent, state, wait_until

SHORT = KeyPowerStatus.SHORT


@pytest.fixture
def leaving(demo_entity: EntityLookup) -> str:
    """The "leaving home" scenario key of the entrance keypad."""
    return demo_entity(Kind.SCENE, 1, 3)


@pytest.fixture
def good_night(demo_entity: EntityLookup) -> str:
    """The "good night" push button of the bedroom keypad."""
    return demo_entity(Kind.BUTTON, 8, 4)


async def test_scene_activation_is_one_short_press(
    hass: HomeAssistant, simulator: VBoxSimulator, leaving: str
) -> None:
    assert state(hass, leaving) == STATE_UNKNOWN
    simulator.clear_received()
    await call_service(hass, SCENE_DOMAIN, SERVICE_TURN_ON, leaving)

    assert sent(simulator) == [ToggleKeyStatus(1, 3, SHORT)]
    assert state(hass, leaving) not in (None, STATE_UNKNOWN, STATE_UNAVAILABLE)  # last activated
    # The box reports the press back: it is not sent again.
    await hass.async_block_till_done()
    assert sent(simulator) == [ToggleKeyStatus(1, 3, SHORT)]


async def test_button_press_is_one_short_press(
    hass: HomeAssistant, simulator: VBoxSimulator, good_night: str
) -> None:
    assert state(hass, good_night) == STATE_UNKNOWN
    simulator.clear_received()
    await call_service(hass, BUTTON_DOMAIN, SERVICE_PRESS, good_night)

    assert sent(simulator) == [ToggleKeyStatus(8, 4, SHORT)]
    assert state(hass, good_night) not in (None, STATE_UNKNOWN, STATE_UNAVAILABLE)  # last pressed
    await hass.async_block_till_done()
    assert sent(simulator) == [ToggleKeyStatus(8, 4, SHORT)]


async def test_press_is_not_retried_on_timeout(
    hass: HomeAssistant, simulator: VBoxSimulator, good_night: str
) -> None:
    """A press the box did not acknowledge might have happened: never send it twice."""
    simulator.stalled = True
    simulator.clear_received()
    with pytest.raises(HomeAssistantError) as err:
        await call_service(hass, BUTTON_DOMAIN, SERVICE_PRESS, good_night)
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
    await call_service(hass, BUTTON_DOMAIN, SERVICE_PRESS, good_night)
    assert sent(simulator) == [ToggleKeyStatus(8, 4, SHORT)]
