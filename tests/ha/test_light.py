"""Lights (dimmers and on/off keys) through Home Assistant and the simulator.

Also the behaviour every key entity shares: failed commands, availability while
the box is away, keys the box never reported, and PARALLEL_UPDATES everywhere.
"""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import replace

import pytest
from homeassistant.components.light import (
    ATTR_BRIGHTNESS,
    ATTR_COLOR_MODE,
    ATTR_SUPPORTED_COLOR_MODES,
    ColorMode,
)
from homeassistant.components.light import DOMAIN as LIGHT_DOMAIN
from homeassistant.const import (
    EVENT_STATE_CHANGED,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.vitrea import protocols
from custom_components.vitrea.const import DOMAIN
from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.vbox import KeyPowerStatus
from custom_components.vitrea.vbox.vtu.messages import ToggleKeyStatus
from simulator import VBoxSimulator

from .conftest import (
    FAST,
    EntityLookup,
    all_available,
    all_unavailable,
    call_service,
    entity_id,
    entry_entity_ids,
    sent,
    state,
    wait_until,
)

ON, OFF = KeyPowerStatus.ON, KeyPowerStatus.OFF


def brightness(hass: HomeAssistant, entity: str) -> int | None:
    current = hass.states.get(entity)
    assert current is not None
    return current.attributes.get(ATTR_BRIGHTNESS)


@pytest.fixture
def dimmer(demo_entity: EntityLookup) -> str:
    """The living-room main light: a dimmer on at 60 % in the demo."""
    return demo_entity(Kind.DIMMER, 2, 0)


@pytest.fixture
def spots(demo_entity: EntityLookup) -> str:
    """The living-room spots: a dimmer, off in the demo."""
    return demo_entity(Kind.DIMMER, 2, 1)


async def test_dimmer_shows_the_level_the_box_reports(
    hass: HomeAssistant, dimmer: str, spots: str
) -> None:
    main = hass.states.get(dimmer)
    assert main is not None
    assert main.state == STATE_ON
    assert main.attributes[ATTR_BRIGHTNESS] == 153  # 60 % of 1..255
    assert main.attributes[ATTR_COLOR_MODE] == ColorMode.BRIGHTNESS
    assert main.attributes[ATTR_SUPPORTED_COLOR_MODES] == [ColorMode.BRIGHTNESS]
    assert state(hass, spots) == STATE_OFF
    assert brightness(hass, spots) is None


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (128, (50, 128)),
        (255, (100, 255)),
        (1, (1, 3)),  # 1 would be 0 %: the box's lowest level is 1 %
    ],
)
async def test_dimmer_turn_on_with_brightness(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    spots: str,
    wanted: int,
    expected: tuple[int, int],
) -> None:
    percent, shown = expected  # what the box gets, what Home Assistant then shows
    simulator.clear_received()
    await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_ON, spots, **{ATTR_BRIGHTNESS: wanted})

    assert sent(simulator) == [ToggleKeyStatus(2, 1, ON, percent, 0)]
    await wait_until(lambda: brightness(hass, spots) == shown)
    assert state(hass, spots) == STATE_ON
    assert simulator.key_state(2, 1).level == percent


async def test_dimmer_turn_on_without_brightness_restores_the_last_level(
    hass: HomeAssistant, simulator: VBoxSimulator, dimmer: str
) -> None:
    # The level read at start-up counts: no push about this key arrived yet.
    simulator.clear_received()
    await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_OFF, dimmer)
    await wait_until(lambda: state(hass, dimmer) == STATE_OFF)
    await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_ON, dimmer)

    assert sent(simulator) == [ToggleKeyStatus(2, 0, OFF), ToggleKeyStatus(2, 0, ON, 60)]
    await wait_until(lambda: brightness(hass, dimmer) == 153)

    # A level set on the wall is the one restored next time.
    await simulator.set_key_state(2, 0, ON, 25)
    await wait_until(lambda: brightness(hass, dimmer) == 64)
    await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_OFF, dimmer)
    await wait_until(lambda: state(hass, dimmer) == STATE_OFF)
    simulator.clear_received()
    await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_ON, dimmer)

    assert sent(simulator) == [ToggleKeyStatus(2, 0, ON, 25)]
    await wait_until(lambda: brightness(hass, dimmer) == 64)


async def test_dimmer_follows_the_wall(
    hass: HomeAssistant, simulator: VBoxSimulator, spots: str
) -> None:
    await simulator.set_key_state(2, 1, ON, 25)
    await wait_until(lambda: brightness(hass, spots) == 64)
    assert state(hass, spots) == STATE_ON

    await simulator.set_key_state(2, 1, OFF)
    await wait_until(lambda: state(hass, spots) == STATE_OFF)
    assert brightness(hass, spots) is None


async def test_on_off_light(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    entrance = entity_id(hass, simulator.installation, Kind.LIGHT, 1, 0)
    current = hass.states.get(entrance)
    assert current is not None
    assert current.state == STATE_OFF
    assert current.attributes[ATTR_SUPPORTED_COLOR_MODES] == [ColorMode.ONOFF]

    simulator.clear_received()
    await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_ON, entrance)
    assert sent(simulator) == [ToggleKeyStatus(1, 0, ON, 100)]
    await wait_until(lambda: state(hass, entrance) == STATE_ON)
    current = hass.states.get(entrance)
    assert current is not None
    assert current.attributes[ATTR_COLOR_MODE] == ColorMode.ONOFF
    assert ATTR_BRIGHTNESS not in current.attributes or current.attributes[ATTR_BRIGHTNESS] is None

    simulator.clear_received()
    await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_OFF, entrance)
    assert sent(simulator) == [ToggleKeyStatus(1, 0, OFF)]
    await wait_until(lambda: state(hass, entrance) == STATE_OFF)

    await simulator.set_key_state(1, 0, ON)
    await wait_until(lambda: state(hass, entrance) == STATE_ON)


# ---------------------------------------------------------------------- failures


@pytest.fixture
def patient_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests wait long enough for a test to act while one is on the wire."""
    monkeypatch.setattr(protocols, "CLIENT_CONFIG", replace(FAST, request_timeout=10.0))


async def test_command_not_answered_raises_command_timeout(
    hass: HomeAssistant, simulator: VBoxSimulator, spots: str
) -> None:
    simulator.stalled = True  # a half-open link: the box no longer answers
    with pytest.raises(HomeAssistantError) as err:
        await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_ON, spots)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "command_timeout"
    # What the person reads: the translated text, no library exception text in it.
    assert str(err.value) == "The vBox did not answer in time"
    assert state(hass, spots) == STATE_OFF  # nothing happened, nothing pretended

    simulator.stalled = False
    await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_ON, spots)
    await wait_until(lambda: state(hass, spots) == STATE_ON)


async def test_link_lost_during_a_command_raises_not_connected(
    hass: HomeAssistant, patient_client: None, simulator: VBoxSimulator, spots: str
) -> None:
    simulator.stalled = True
    simulator.clear_received()
    command = asyncio.create_task(call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_ON, spots))
    await wait_until(lambda: bool(sent(simulator)))
    port = simulator.port
    await simulator.stop()  # the box goes away with the command on the wire

    with pytest.raises(HomeAssistantError) as err:
        await command
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "not_connected"
    await wait_until(lambda: state(hass, spots) == STATE_UNAVAILABLE)
    assert simulator.key_state(2, 1).status is OFF

    simulator.stalled = False
    await simulator.start("127.0.0.1", port)
    await wait_until(lambda: state(hass, spots) == STATE_OFF)


async def test_command_rejected_by_the_box(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    dining = entity_id(hass, simulator.installation, Kind.DIMMER, 2, 2)
    # The key is gone from the box (re-programmed), HA has not re-read the topology:
    # the box answers ERROR to any command for it.
    simulator.forget_key(2, 2)

    with pytest.raises(HomeAssistantError) as err:
        await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_ON, dining)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "command_rejected"
    assert str(err.value) == "The vBox refused the command"
    assert state(hass, dining) == STATE_OFF


async def test_entities_unavailable_while_the_box_is_away(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry, dimmer: str
) -> None:
    ours = entry_entity_ids(hass, loaded_entry)
    port = simulator.port
    await simulator.stop()
    await wait_until(all_unavailable(hass, ours))

    # Changed on the wall while Home Assistant could not see it.
    await simulator.set_key_state(2, 0, ON, 25)
    await simulator.start("127.0.0.1", port)
    await wait_until(lambda: brightness(hass, dimmer) == 64)  # re-read after the reconnect
    assert all_available(hass, ours)()


async def test_key_the_box_never_reported_is_unknown(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry, spots: str
) -> None:
    """After a warm start (cached topology) a key whose state read fails stays unknown."""
    simulator.forget_key(2, 1)  # the box answers ERROR for this key
    await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)

    assert state(hass, spots) == STATE_UNKNOWN
    assert brightness(hass, spots) is None
    # The other dimmers were read in the background.
    assert brightness(hass, entity_id(hass, simulator.installation, Kind.DIMMER, 2, 0)) == 153


async def test_wall_push_changes_nothing_else(
    hass: HomeAssistant, simulator: VBoxSimulator, dimmer: str, spots: str
) -> None:
    """A push about one key writes that key's entity only."""
    changes = async_capture_events(hass, EVENT_STATE_CHANGED)
    await simulator.set_key_state(2, 1, ON, 25)
    await wait_until(lambda: state(hass, spots) == STATE_ON)
    await hass.async_block_till_done()
    assert [event.data["entity_id"] for event in changes] == [spots]


@pytest.mark.parametrize(
    "platform",
    ["light", "switch", "fan", "cover", "scene", "button", "sensor", "select", "event"],
)
def test_platforms_declare_parallel_updates(platform: str) -> None:
    module = importlib.import_module(f"custom_components.vitrea.{platform}")
    assert isinstance(module.PARALLEL_UPDATES, int)
    assert module.PARALLEL_UPDATES >= 0


async def test_every_brightness_round_trips(
    hass: HomeAssistant, simulator: VBoxSimulator, spots: str
) -> None:
    """What Home Assistant shows, sent back, reaches the box as the same level.

    Otherwise a brightness slider left where it is, or a scene that stores and
    restores the shown brightness, dims the light step by step.
    """
    drifted = []
    for wanted in range(1, 256):
        await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_OFF, spots)
        await wait_until(lambda: state(hass, spots) == STATE_OFF)
        await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_ON, spots, **{ATTR_BRIGHTNESS: wanted})
        await wait_until(lambda: brightness(hass, spots) is not None)
        level, shown = simulator.key_state(2, 1).level, brightness(hass, spots)
        await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_ON, spots, **{ATTR_BRIGHTNESS: shown})
        if simulator.key_state(2, 1).level != level:
            drifted.append((wanted, level, shown, simulator.key_state(2, 1).level))
    assert drifted == []
