"""Air conditioners (port 11502) as climate entities, against the simulator's port 11502.

The demo home has one AC of each type: 1 living room (type 2, on, cool, fan auto,
24 °C), 2 master bedroom (type 1, off), 3 kids' room (type 3, off, °F), 7 bathroom
floor heating (TMSF, on).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from homeassistant.components.climate import (
    ATTR_CURRENT_TEMPERATURE,
    ATTR_FAN_MODE,
    ATTR_FAN_MODES,
    ATTR_HVAC_MODE,
    ATTR_HVAC_MODES,
    ATTR_MAX_TEMP,
    ATTR_MIN_TEMP,
    ATTR_TARGET_TEMP_STEP,
    SERVICE_SET_FAN_MODE,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_TEMPERATURE,
    ClimateEntityFeature,
    HVACMode,
)
from homeassistant.components.climate import DOMAIN as CLIMATE_DOMAIN
from homeassistant.const import (
    ATTR_SUPPORTED_FEATURES,
    ATTR_TEMPERATURE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.vitrea.const import DOMAIN
from custom_components.vitrea.vbox import ACMode, FanSpeed, HostClient
from simulator import VBoxSimulator

from .conftest import FAST_HOST, HostBox, HostLookup, call_service, state, wait_until

ROUND_TRIP_FEATURES = (
    ClimateEntityFeature.TARGET_TEMPERATURE
    | ClimateEntityFeature.TURN_ON
    | ClimateEntityFeature.TURN_OFF
)


def attributes(hass: HomeAssistant, entity: str) -> dict[str, Any]:
    current = hass.states.get(entity)
    assert current is not None
    return dict(current.attributes)


async def climate(hass: HomeAssistant, service: str, entity: str, **data: Any) -> None:
    await call_service(hass, CLIMATE_DOMAIN, service, entity, **data)


def ac_lines(host_box: HostBox, ac_id: int) -> list[bytes]:
    """The commands the box received for one AC (status queries left out)."""
    prefix = b"H:A%03d:" % ac_id
    lines = [item.strip() for item in host_box.received if isinstance(item, bytes)]
    return [line for line in lines if line.startswith(prefix) and not line.endswith(b":G")]


@pytest.fixture
def living_room_ac(host_ac: HostLookup) -> str:
    return host_ac(1)


async def test_each_type_offers_its_modes_fans_and_range(
    hass: HomeAssistant, host_ac: HostLookup
) -> None:
    type_2 = attributes(hass, host_ac(1))
    assert type_2[ATTR_HVAC_MODES] == [
        HVACMode.OFF,
        HVACMode.COOL,
        HVACMode.HEAT,
        HVACMode.FAN_ONLY,
    ]
    assert type_2[ATTR_FAN_MODES] == ["low", "medium", "high", "auto"]
    assert type_2[ATTR_SUPPORTED_FEATURES] == ROUND_TRIP_FEATURES | ClimateEntityFeature.FAN_MODE
    assert (type_2[ATTR_MIN_TEMP], type_2[ATTR_MAX_TEMP]) == (15, 30)
    assert type_2[ATTR_TARGET_TEMP_STEP] == 1

    type_1 = attributes(hass, host_ac(2))
    assert type_1[ATTR_FAN_MODES] == ["low", "medium", "high"]

    type_3 = attributes(hass, host_ac(3))
    assert type_3[ATTR_HVAC_MODES] == [
        HVACMode.OFF,
        HVACMode.COOL,
        HVACMode.HEAT,
        HVACMode.FAN_ONLY,
        HVACMode.AUTO,
    ]
    assert ATTR_FAN_MODES not in type_3
    assert type_3[ATTR_SUPPORTED_FEATURES] == ROUND_TRIP_FEATURES

    tmsf = attributes(hass, host_ac(7))
    assert tmsf[ATTR_HVAC_MODES] == [HVACMode.OFF, HVACMode.HEAT]
    assert state(hass, host_ac(7)) == HVACMode.HEAT  # on: "heat"


async def test_state_shows_what_the_box_reports(hass: HomeAssistant, living_room_ac: str) -> None:
    assert state(hass, living_room_ac) == HVACMode.COOL
    shown = attributes(hass, living_room_ac)
    assert shown[ATTR_FAN_MODE] == "auto"
    assert shown[ATTR_TEMPERATURE] == 24
    assert shown[ATTR_CURRENT_TEMPERATURE] == 27


async def test_a_fahrenheit_ac_has_the_fahrenheit_range(
    hass: HomeAssistant, host_ac: HostLookup
) -> None:
    hass.config.units = US_CUSTOMARY_SYSTEM  # shown in °F, as the AC reports
    await hass.config.async_update(unit_system="us_customary")
    kids = host_ac(3)
    await climate(hass, SERVICE_TURN_ON, kids)  # a push makes HA write it again
    await wait_until(lambda: state(hass, kids) == HVACMode.AUTO)
    shown = attributes(hass, kids)
    assert (shown[ATTR_MIN_TEMP], shown[ATTR_MAX_TEMP]) == (60, 90)
    assert shown[ATTR_TEMPERATURE] == 72


async def test_set_point_mode_fan_on_and_off_reach_the_box(
    hass: HomeAssistant, host_box: HostBox, living_room_ac: str
) -> None:
    await climate(hass, SERVICE_SET_TEMPERATURE, living_room_ac, **{ATTR_TEMPERATURE: 21})
    await wait_until(lambda: attributes(hass, living_room_ac)[ATTR_TEMPERATURE] == 21)
    assert host_box.ac_state(1).setpoint == 21

    await climate(hass, SERVICE_SET_HVAC_MODE, living_room_ac, **{ATTR_HVAC_MODE: HVACMode.HEAT})
    await wait_until(lambda: state(hass, living_room_ac) == HVACMode.HEAT)
    assert host_box.ac_state(1).mode is ACMode.HEAT

    await climate(hass, SERVICE_SET_FAN_MODE, living_room_ac, **{ATTR_FAN_MODE: "low"})
    await wait_until(lambda: attributes(hass, living_room_ac)[ATTR_FAN_MODE] == "low")
    assert host_box.ac_state(1).fan is FanSpeed.LOW

    await climate(hass, SERVICE_TURN_OFF, living_room_ac)
    await wait_until(lambda: state(hass, living_room_ac) == HVACMode.OFF)
    assert not host_box.ac_state(1).on

    await climate(hass, SERVICE_TURN_ON, living_room_ac)
    await wait_until(lambda: state(hass, living_room_ac) == HVACMode.HEAT)
    assert host_box.ac_state(1).on


async def test_a_mode_and_a_set_point_go_in_one_command(
    hass: HomeAssistant, host_box: HostBox, host_ac: HostLookup
) -> None:
    bedroom = host_ac(2)  # off
    host_box.received.clear()
    await climate(
        hass,
        SERVICE_SET_TEMPERATURE,
        bedroom,
        **{ATTR_TEMPERATURE: 26, ATTR_HVAC_MODE: HVACMode.COOL},
    )
    await wait_until(lambda: state(hass, bedroom) == HVACMode.COOL)
    assert attributes(hass, bedroom)[ATTR_TEMPERATURE] == 26
    ac = host_box.ac_state(2)
    assert (ac.on, ac.mode, ac.setpoint) == (True, ACMode.COOL, 26)
    # One full-set command (sub-command 1), not three.
    assert ac_lines(host_box, 2) == [b"H:A002:1:O:00:026:0"]


async def test_setting_off_with_a_set_point_keeps_it_off(
    hass: HomeAssistant, host_box: HostBox, living_room_ac: str
) -> None:
    await climate(
        hass,
        SERVICE_SET_TEMPERATURE,
        living_room_ac,
        **{ATTR_TEMPERATURE: 22, ATTR_HVAC_MODE: HVACMode.OFF},
    )
    await wait_until(lambda: state(hass, living_room_ac) == HVACMode.OFF)
    ac = host_box.ac_state(1)
    assert (ac.on, ac.setpoint) == (False, 22)


async def test_tmsf_heat_switches_it_on(
    hass: HomeAssistant, host_box: HostBox, host_ac: HostLookup
) -> None:
    heating = host_ac(7)
    await climate(hass, SERVICE_SET_HVAC_MODE, heating, **{ATTR_HVAC_MODE: HVACMode.OFF})
    await wait_until(lambda: state(hass, heating) == HVACMode.OFF)
    assert not host_box.ac_state(7).on
    await climate(hass, SERVICE_SET_HVAC_MODE, heating, **{ATTR_HVAC_MODE: HVACMode.HEAT})
    await wait_until(lambda: state(hass, heating) == HVACMode.HEAT)
    assert host_box.ac_state(7).on

    # On already: "heat" still tells the box "on" (what Home Assistant shows may be a
    # push behind, and every other action is sent too); a set-point goes alone.
    host_box.received.clear()
    await climate(hass, SERVICE_SET_HVAC_MODE, heating, **{ATTR_HVAC_MODE: HVACMode.HEAT})
    assert ac_lines(host_box, 7) == [b"H:A007:2:O"]
    host_box.received.clear()
    await climate(
        hass,
        SERVICE_SET_TEMPERATURE,
        heating,
        **{ATTR_TEMPERATURE: 26, ATTR_HVAC_MODE: HVACMode.HEAT},
    )
    await wait_until(lambda: attributes(hass, heating)[ATTR_TEMPERATURE] == 26)
    assert ac_lines(host_box, 7) == [b"H:A007:5:026"]


async def test_a_mode_the_type_lacks_is_refused_in_words(
    hass: HomeAssistant, host_box: HostBox, host_ac: HostLookup
) -> None:
    with pytest.raises(ServiceValidationError):
        await climate(
            hass,
            SERVICE_SET_TEMPERATURE,
            host_ac(2),  # type 1: no auto
            **{ATTR_TEMPERATURE: 24, ATTR_HVAC_MODE: HVACMode.AUTO},
        )
    assert not host_box.ac_state(2).on


async def test_a_set_point_out_of_range_is_refused(
    hass: HomeAssistant, host_box: HostBox, living_room_ac: str
) -> None:
    with pytest.raises(ServiceValidationError):
        await climate(hass, SERVICE_SET_TEMPERATURE, living_room_ac, **{ATTR_TEMPERATURE: 35})
    assert host_box.ac_state(1).setpoint == 24


async def test_a_change_on_the_box_is_pushed(
    hass: HomeAssistant, host_box: HostBox, living_room_ac: str
) -> None:
    await host_box.set_ac_temperature(1, 25)  # the room warms up
    await wait_until(lambda: attributes(hass, living_room_ac)[ATTR_CURRENT_TEMPERATURE] == 25)

    # Another client (the vendor's app, a wall unit) changes mode, fan and set-point.
    other = HostClient("127.0.0.1", host_box.port, config=FAST_HOST)
    await other.connect()
    try:
        await other.set_ac(1, mode=ACMode.FAN, fan=FanSpeed.HIGH, setpoint=23)
    finally:
        await other.close()
    await wait_until(lambda: state(hass, living_room_ac) == HVACMode.FAN_ONLY)
    shown = attributes(hass, living_room_ac)
    assert (shown[ATTR_FAN_MODE], shown[ATTR_TEMPERATURE]) == ("high", 23)


async def test_unavailable_while_the_link_is_down(
    hass: HomeAssistant, host_box: HostBox, living_room_ac: str
) -> None:
    port = host_box.port
    await host_box.stop()
    await wait_until(lambda: state(hass, living_room_ac) == STATE_UNAVAILABLE, timeout=10)
    await host_box.start(port=port)
    await wait_until(lambda: state(hass, living_room_ac) == HVACMode.COOL, timeout=10)
    # Back with what the box reports now, and commands reach it again.
    await climate(hass, SERVICE_SET_TEMPERATURE, living_room_ac, **{ATTR_TEMPERATURE: 20})
    await wait_until(lambda: attributes(hass, living_room_ac)[ATTR_TEMPERATURE] == 20)


async def test_a_command_the_box_refuses_is_a_translated_error(
    hass: HomeAssistant, simulator: VBoxSimulator, host_box: HostBox, host_ac: HostLookup
) -> None:
    """The bedroom AC's controller stops answering the box (still in its database):
    the box answers its commands with an E: line."""
    bedroom = host_ac(2)
    acs = tuple(ac for ac in simulator.installation.air_conditioners if ac.id != 2)
    host_box.home.acs.reset(replace(simulator.installation, air_conditioners=acs))
    with pytest.raises(HomeAssistantError) as failure:
        await climate(hass, SERVICE_SET_TEMPERATURE, bedroom, **{ATTR_TEMPERATURE: 22})
    assert failure.value.translation_domain == DOMAIN
    assert failure.value.translation_key == "command_rejected"
    assert state(hass, bedroom) == HVACMode.OFF  # still as last reported


async def test_each_ac_is_a_device_in_its_room(
    hass: HomeAssistant, host_loaded: MockConfigEntry, host_ac: HostLookup
) -> None:
    entity = er.async_get(hass).async_get(host_ac(1))
    assert entity is not None
    assert entity.unique_id == f"{host_loaded.unique_id}-ac1"
    assert entity.device_id is not None
    device = dr.async_get(hass).async_get(entity.device_id)
    assert device is not None
    assert device.identifiers == {(DOMAIN, f"{host_loaded.unique_id}-ac1")}
    assert device.name == "מזגן סלון"
    assert device.model == "TMST"
    heating = er.async_get(hass).async_get(host_ac(7))
    assert heating is not None
    assert heating.device_id is not None
    heating_device = dr.async_get(hass).async_get(heating.device_id)
    assert heating_device is not None
    assert heating_device.model == "TMSF"
    assert device.area_id is not None  # the AC's room
