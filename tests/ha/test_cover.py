"""Covers: blinds with position, open, close and stop."""

from __future__ import annotations

import pytest
from homeassistant.components.cover import (
    ATTR_CURRENT_POSITION,
    ATTR_POSITION,
    CoverDeviceClass,
    CoverEntityFeature,
    CoverState,
)
from homeassistant.components.cover import DOMAIN as COVER_DOMAIN
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_SUPPORTED_FEATURES,
    SERVICE_CLOSE_COVER,
    SERVICE_OPEN_COVER,
    SERVICE_SET_COVER_POSITION,
    SERVICE_STOP_COVER,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.vbox import BLIND_STOP, KeyPowerStatus, KeyStatus
from custom_components.vitrea.vbox.vtu.messages import ToggleKeyStatus
from simulator import VBoxSimulator

from .conftest import EntityLookup, call_service, entity_id, sent, state, wait_until

ON, OFF = KeyPowerStatus.ON, KeyPowerStatus.OFF


def position(hass: HomeAssistant, entity: str) -> int | None:
    current = hass.states.get(entity)
    assert current is not None
    return current.attributes.get(ATTR_CURRENT_POSITION)


@pytest.fixture
def blind(demo_entity: EntityLookup) -> str:
    """The living-room blind: 40 % open in the demo."""
    return demo_entity(Kind.BLIND, 3, 0)


async def test_blind_shows_the_position_the_box_reports(
    hass: HomeAssistant, simulator: VBoxSimulator, blind: str
) -> None:
    current = hass.states.get(blind)
    assert current is not None
    assert current.state == CoverState.OPEN
    assert current.attributes[ATTR_CURRENT_POSITION] == 40
    assert current.attributes[ATTR_DEVICE_CLASS] == CoverDeviceClass.SHUTTER
    assert current.attributes[ATTR_SUPPORTED_FEATURES] == (
        CoverEntityFeature.OPEN
        | CoverEntityFeature.CLOSE
        | CoverEntityFeature.STOP
        | CoverEntityFeature.SET_POSITION
    )
    other = entity_id(hass, simulator.installation, Kind.BLIND, 3, 1)
    assert state(hass, other) == CoverState.CLOSED
    assert position(hass, other) == 0


async def test_set_position_open_and_close(
    hass: HomeAssistant, simulator: VBoxSimulator, blind: str
) -> None:
    simulator.clear_received()
    await call_service(hass, COVER_DOMAIN, SERVICE_SET_COVER_POSITION, blind, **{ATTR_POSITION: 70})
    assert sent(simulator) == [ToggleKeyStatus(3, 0, ON, 70)]
    await wait_until(lambda: position(hass, blind) == 70)
    assert state(hass, blind) == CoverState.OPEN

    simulator.clear_received()
    await call_service(hass, COVER_DOMAIN, SERVICE_OPEN_COVER, blind)
    assert sent(simulator) == [ToggleKeyStatus(3, 0, ON, 100)]
    await wait_until(lambda: position(hass, blind) == 100)

    simulator.clear_received()
    await call_service(hass, COVER_DOMAIN, SERVICE_CLOSE_COVER, blind)
    assert sent(simulator) == [ToggleKeyStatus(3, 0, ON, 0)]
    await wait_until(lambda: state(hass, blind) == CoverState.CLOSED)
    assert position(hass, blind) == 0
    assert simulator.key_state(3, 0).status is OFF


async def test_stop_keeps_the_position(
    hass: HomeAssistant, simulator: VBoxSimulator, blind: str
) -> None:
    simulator.clear_received()
    await call_service(hass, COVER_DOMAIN, SERVICE_STOP_COVER, blind)

    assert sent(simulator) == [ToggleKeyStatus(3, 0, ON, BLIND_STOP)]
    assert BLIND_STOP == 255
    # The box answers with the blind's state: unchanged.
    await hass.async_block_till_done()
    assert simulator.key_state(3, 0).level == 40
    assert position(hass, blind) == 40
    assert state(hass, blind) == CoverState.OPEN


async def test_blind_follows_the_wall(
    hass: HomeAssistant, simulator: VBoxSimulator, blind: str
) -> None:
    await simulator.set_key_state(3, 0, ON, 15)
    await wait_until(lambda: position(hass, blind) == 15)
    await simulator.set_key_state(3, 0, OFF)
    await wait_until(lambda: state(hass, blind) == CoverState.CLOSED)
    assert position(hass, blind) == 0


async def test_blind_the_box_never_reported_is_unknown(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry, blind: str
) -> None:
    """After a warm start (cached topology) a blind whose state read fails stays unknown."""
    simulator.forget_key(3, 0)  # the box answers ERROR for this key
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert state(hass, blind) == STATE_UNKNOWN
    assert position(hass, blind) is None


async def test_position_beyond_100_is_shown_fully_open(
    hass: HomeAssistant, simulator: VBoxSimulator, blind: str
) -> None:
    # The simulator holds levels to 0-100; a real box's byte may say more.
    await simulator.send_raw(KeyStatus(3, 0, ON, 150).to_frame(0).to_bytes())
    await wait_until(lambda: position(hass, blind) == 100)
    assert state(hass, blind) == CoverState.OPEN


async def test_blind_on_at_level_0_is_not_shown_closed(
    hass: HomeAssistant, simulator: VBoxSimulator, blind: str
) -> None:
    """ON says the blind is not closed; a level of 0 with it tells no position."""
    # The simulator reports a blind at 0 as OFF; some boxes say ON at level 0.
    await simulator.send_raw(KeyStatus(3, 0, ON, 0).to_frame(0).to_bytes())
    await wait_until(lambda: state(hass, blind) == STATE_UNKNOWN)
    assert position(hass, blind) is None

    # Commands still work from there.
    simulator.clear_received()
    await call_service(hass, COVER_DOMAIN, SERVICE_CLOSE_COVER, blind)
    assert sent(simulator) == [ToggleKeyStatus(3, 0, ON, 0, 0)]
