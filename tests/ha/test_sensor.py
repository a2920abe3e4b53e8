"""Sensors: the minutes a boiler has left, counted down by Home Assistant between reports."""

from __future__ import annotations

from datetime import timedelta
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
    UnitOfTime,
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
from custom_components.vitrea.vbox.enums import KeyPowerStatus
from custom_components.vitrea.vbox.simulator import VBoxSimulator

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


@pytest.fixture
def time_left(demo_entity: EntityLookup) -> str:
    """The minutes the water boiler has left."""
    return demo_entity(Kind.BOILER_TIME_LEFT, 16, 0)


async def test_time_left_is_zero_while_off(hass: HomeAssistant, time_left: str) -> None:
    current = hass.states.get(time_left)
    assert current is not None
    assert current.state == "0"
    assert current.attributes[ATTR_DEVICE_CLASS] == SensorDeviceClass.DURATION
    assert current.attributes[ATTR_UNIT_OF_MEASUREMENT] == UnitOfTime.MINUTES
    assert countdown_timers(hass, time_left) == []


async def test_time_left_counts_down_then_stops_when_the_box_turns_off(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: VBoxSimulator,
    boiler: str,
    time_left: str,
) -> None:
    await turn_on_for(hass, boiler, 30)
    await wait_until(lambda: state(hass, time_left) == "30")

    await move_time(hass, freezer, timedelta(seconds=30))
    assert state(hass, time_left) == "30"  # 29.5 minutes left: rounded up
    await move_time(hass, freezer, timedelta(seconds=30))
    assert state(hass, time_left) == "29"
    await move_time(hass, freezer, timedelta(minutes=1))
    assert state(hass, time_left) == "28"

    await simulator.set_key_state(16, 0, OFF)  # turned off on the wall
    await wait_until(lambda: state(hass, time_left) == "0")
    assert countdown_timers(hass, time_left) == []

    changes = async_capture_events(hass, EVENT_STATE_CHANGED)
    await move_time(hass, freezer, timedelta(minutes=30))
    assert state(hass, time_left) == "0"
    assert [e for e in changes if e.data["entity_id"] == time_left] == []


async def test_time_left_when_turned_off_from_home_assistant(
    hass: HomeAssistant, boiler: str, time_left: str
) -> None:
    await turn_on_for(hass, boiler, 45)
    await wait_until(lambda: state(hass, time_left) == "45")
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, boiler)
    await wait_until(lambda: state(hass, time_left) == "0")
    assert countdown_timers(hass, time_left) == []


async def test_time_left_runs_out(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: VBoxSimulator,
    boiler: str,
    time_left: str,
) -> None:
    await turn_on_for(hass, boiler, 1)
    await wait_until(lambda: state(hass, time_left) == "1")

    # Home Assistant's countdown ends at the same time as the box's timer, whose
    # OFF push arrives just after: the sensor shows 0 either way, nothing is left.
    await move_time(hass, freezer, timedelta(minutes=1))
    assert state(hass, time_left) == "0"
    await wait_until(lambda: simulator.key_state(16, 0).status is OFF)
    await wait_until(lambda: state(hass, boiler) == "off")
    assert state(hass, time_left) == "0"
    assert countdown_timers(hass, time_left) == []


async def test_time_left_restarts_from_each_report(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: VBoxSimulator,
    boiler: str,
    time_left: str,
) -> None:
    await turn_on_for(hass, boiler, 30)
    await wait_until(lambda: state(hass, time_left) == "30")
    await move_time(hass, freezer, timedelta(minutes=10))
    assert state(hass, time_left) == "20"

    await simulator.set_key_state(16, 0, ON, timer=90)  # a new timer set on the wall
    await wait_until(lambda: state(hass, time_left) == "90")
    assert len(countdown_timers(hass, time_left)) == 1
    await move_time(hass, freezer, timedelta(minutes=1))
    assert state(hass, time_left) == "89"

    await simulator.set_key_state(16, 0, ON)  # on without a timer: nothing to count
    await wait_until(lambda: state(hass, time_left) == "0")
    assert state(hass, boiler) == "on"
    assert countdown_timers(hass, time_left) == []


async def test_time_left_of_a_boiler_already_running_at_start_up(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: VBoxSimulator,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
) -> None:
    await simulator.set_key_state(16, 0, ON, timer=20)
    assert await setup_entry(config_entry)
    time_left = entity_id(hass, simulator.installation, Kind.BOILER_TIME_LEFT, 16, 0)
    assert state(hass, time_left) == "20"
    await move_time(hass, freezer, timedelta(minutes=1))
    assert state(hass, time_left) == "19"


async def test_time_left_unknown_until_the_box_reports(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    loaded_entry: MockConfigEntry,
    boiler: str,
    time_left: str,
) -> None:
    """After a warm start (cached topology) a boiler whose state read fails stays unknown."""
    del simulator._states[(16, 0)]  # the box answers ERROR for this key
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert state(hass, time_left) == STATE_UNKNOWN
    assert state(hass, boiler) == STATE_UNKNOWN
    assert countdown_timers(hass, time_left) == []
