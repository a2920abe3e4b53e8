"""Sensors: when a boiler on a timer turns off, worked out once per report of the box."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    ATTR_UNIT_OF_MEASUREMENT,
    EVENT_STATE_CHANGED,
    SERVICE_TURN_OFF,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from homeassistant.util.async_ import get_scheduled_timer_handles
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.vbox import KeyPowerStatus
from simulator import VBoxSimulator

from .conftest import (
    EntityLookup,
    SetupEntry,
    call_service,
    entity_id,
    state,
    turn_on_for,
    wait_until,
)

ON, OFF = KeyPowerStatus.ON, KeyPowerStatus.OFF

# Time moves on by itself (waits need the event loop's clock to run), and
# ``move_time`` makes it jump.
pytestmark = pytest.mark.freeze_time(tick=True)


def countdown_timers(hass: HomeAssistant, entity: str) -> list[Any]:
    """The timers scheduled by the entity's countdown that are still pending."""
    found = []
    for handle in get_scheduled_timer_handles(hass.loop):
        job = getattr(getattr(handle, "_callback", None), "job", None)
        owner = getattr(getattr(job, "target", None), "__self__", None)
        if not handle.cancelled() and getattr(owner, "entity_id", None) == entity:
            found.append(handle)
    return found


async def move_time(hass: HomeAssistant, freezer: FrozenDateTimeFactory, delta: timedelta) -> None:
    # Not freezer.tick: with a ticking clock it forgets the time elapsed since the last move.
    freezer.move_to(dt_util.utcnow() + delta)
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def turns_off_at(hass: HomeAssistant, entity: str) -> datetime | None:
    """The moment the sensor shows; None while it shows none."""
    shown = state(hass, entity)
    return None if shown in (None, STATE_UNKNOWN) else dt_util.parse_datetime(str(shown))


def near(moment: datetime | None, expected: datetime) -> bool:
    """Within the second the sensor rounds to, plus a loaded machine's delay."""
    return moment is not None and abs(moment - expected) <= timedelta(seconds=3)


@pytest.fixture
def off_at(demo_entity: EntityLookup) -> str:
    """When the water boiler turns off."""
    return demo_entity(Kind.BOILER_OFF_AT, 16, 0)


async def test_unknown_while_the_boiler_is_off(hass: HomeAssistant, off_at: str) -> None:
    current = hass.states.get(off_at)
    assert current is not None
    assert current.state == STATE_UNKNOWN
    assert current.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.TIMESTAMP
    assert ATTR_UNIT_OF_MEASUREMENT not in current.attributes
    assert current.attributes["friendly_name"].endswith("Turns off at")


async def test_the_moment_is_written_once_per_report(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: VBoxSimulator,
    boiler: str,
    off_at: str,
) -> None:
    started = dt_util.utcnow()
    await turn_on_for(hass, boiler, 30)
    await wait_until(lambda: turns_off_at(hass, off_at) is not None)
    assert near(turns_off_at(hass, off_at), started + timedelta(minutes=30))
    shown = state(hass, off_at)

    # Time passing changes nothing: no countdown written (and recorded) every minute.
    changes = async_capture_events(hass, EVENT_STATE_CHANGED)
    await move_time(hass, freezer, timedelta(minutes=10))
    await move_time(hass, freezer, timedelta(minutes=5))
    assert state(hass, off_at) == shown
    assert [e for e in changes if e.data["entity_id"] == off_at] == []
    assert countdown_timers(hass, off_at) == []

    await simulator.set_key_state(16, 0, OFF)  # turned off on the wall
    await wait_until(lambda: state(hass, off_at) == STATE_UNKNOWN)


async def test_turned_off_from_home_assistant(
    hass: HomeAssistant, boiler: str, off_at: str
) -> None:
    await turn_on_for(hass, boiler, 45)
    await wait_until(lambda: turns_off_at(hass, off_at) is not None)
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, boiler)
    await wait_until(lambda: state(hass, off_at) == STATE_UNKNOWN)


async def test_timer_runs_out(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: VBoxSimulator,
    boiler: str,
    off_at: str,
) -> None:
    await turn_on_for(hass, boiler, 1)
    await wait_until(lambda: turns_off_at(hass, off_at) is not None)
    await move_time(hass, freezer, timedelta(minutes=1))
    await wait_until(lambda: simulator.key_state(16, 0).status is OFF)
    await wait_until(lambda: state(hass, boiler) == "off")
    assert state(hass, off_at) == STATE_UNKNOWN


async def test_each_new_report_moves_the_moment(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: VBoxSimulator,
    boiler: str,
    off_at: str,
) -> None:
    await turn_on_for(hass, boiler, 30)
    await wait_until(lambda: turns_off_at(hass, off_at) is not None)
    await move_time(hass, freezer, timedelta(minutes=10))

    reported = dt_util.utcnow()
    await simulator.set_key_state(16, 0, ON, timer=90)  # a new timer set on the wall
    await wait_until(lambda: near(turns_off_at(hass, off_at), reported + timedelta(minutes=90)))

    await simulator.set_key_state(16, 0, ON)  # on without a timer: no moment to show
    await wait_until(lambda: state(hass, off_at) == STATE_UNKNOWN)
    assert state(hass, boiler) == "on"


async def test_boiler_already_running_at_start_up(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
) -> None:
    await simulator.set_key_state(16, 0, ON, timer=20)
    started = dt_util.utcnow()
    assert await setup_entry(config_entry)
    off_at = entity_id(hass, simulator.installation, Kind.BOILER_OFF_AT, 16, 0)
    assert near(turns_off_at(hass, off_at), started + timedelta(minutes=20))


async def test_unknown_until_the_box_reports(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    loaded_entry: MockConfigEntry,
    boiler: str,
    off_at: str,
) -> None:
    """After a warm start (cached topology) a boiler whose state read fails stays unknown."""
    await turn_on_for(hass, boiler, 30)
    await wait_until(lambda: turns_off_at(hass, off_at) is not None)
    simulator.forget_key(16, 0)  # the box answers ERROR for this key
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert state(hass, off_at) == STATE_UNKNOWN
    assert state(hass, boiler) == STATE_UNKNOWN
