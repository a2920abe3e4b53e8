"""Key presses: event entities (satellite, push-button and scenario keys) and the bus event."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN
from homeassistant.components.button import SERVICE_PRESS
from homeassistant.components.event import ATTR_EVENT_TYPE, ATTR_EVENT_TYPES, EventDeviceClass
from homeassistant.const import (
    ATTR_DEVICE_CLASS,
    EVENT_STATE_CHANGED,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.vitrea import coordinator
from custom_components.vitrea.const import DOMAIN, EVENT_KEY_EVENT
from custom_components.vitrea.mapping import Kind, compact_mac
from custom_components.vitrea.vbox import KeyPowerStatus, KeyStatus, KeyType, VBoxClient
from custom_components.vitrea.vbox.vtu.enums import CommandId
from custom_components.vitrea.vbox.vtu.messages import KeyStatusRequest, decode
from simulator import PressKind, VBoxSimulator

from .conftest import (
    FAST,
    EntityLookup,
    call_service,
    device_of,
    entity_id,
    sent,
    state,
    wait_until,
)

PRESS_END, LONG_START, LONG_END = "press_end", "long_press_start", "long_press_end"


def event_type(hass: HomeAssistant, entity: str) -> str | None:
    current = hass.states.get(entity)
    assert current is not None
    return current.attributes.get(ATTR_EVENT_TYPE)


def changes_of(changes: list[Event[Any]], entity: str) -> list[Event[Any]]:
    return [change for change in changes if change.data["entity_id"] == entity]


def client(hass: HomeAssistant) -> VBoxClient:
    return hass.config_entries.async_entries(DOMAIN)[0].runtime_data.client


def logins(simulator: VBoxSimulator) -> int:
    return sum(1 for frame in simulator.received if frame.command == CommandId.LOGIN)


def node_device_id(hass: HomeAssistant, simulator: VBoxSimulator, node_id: int) -> str:
    node = simulator.installation.node(node_id)
    assert node is not None
    device = device_of(hass, hass.config_entries.async_entries(DOMAIN)[0], node.mac)
    assert device is not None
    return device.id


@pytest.fixture
def satellite(demo_entity: EntityLookup) -> str:
    """The satellite key of the bedroom keypad (node 8 key 3)."""
    return demo_entity(Kind.PRESSES, 8, 3)


@pytest.fixture
def key_events(hass: HomeAssistant) -> list[Event[Any]]:
    return async_capture_events(hass, EVENT_KEY_EVENT)


@pytest.fixture
def changes(hass: HomeAssistant) -> list[Event[Any]]:
    return async_capture_events(hass, EVENT_STATE_CHANGED)


async def test_event_entities_exist_for_press_keys_only(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    press_types = {KeyType.SATELLITE, KeyType.PUSH_BUTTON, KeyType.TOGGLE_SCENE}
    expected = {
        f"{compact_mac(node.mac)}-{key.id}-presses"
        for node in simulator.installation.nodes
        for key in node.keys
        if key.type in press_types
    }
    found = {
        entry.unique_id
        for entry in er.async_entries_for_config_entry(er.async_get(hass), loaded_entry.entry_id)
        if entry.domain == "event"
    }
    assert found == expected
    assert len(found) == 6  # 2 scenario keys, 2 satellites, 2 push buttons in the demo

    current = hass.states.get(entity_id(hass, simulator.installation, Kind.PRESSES, 8, 3))
    assert current is not None
    assert current.state == STATE_UNKNOWN
    assert current.attributes[ATTR_DEVICE_CLASS] == EventDeviceClass.BUTTON
    assert current.attributes[ATTR_EVENT_TYPES] == [PRESS_END, LONG_START, LONG_END]


async def test_short_press_is_press_end(
    hass: HomeAssistant, simulator: VBoxSimulator, satellite: str, key_events: list[Event[Any]]
) -> None:
    await simulator.press_key(8, 3, PressKind.SHORT)
    await wait_until(lambda: event_type(hass, satellite) == PRESS_END)
    assert state(hass, satellite) not in (None, STATE_UNKNOWN, STATE_UNAVAILABLE)  # its time
    assert [e.data for e in key_events] == [
        {
            "device_id": node_device_id(hass, simulator, 8),
            "node": 8,
            "key": 3,
            "name": "Satellite",
            "action": "short",
            "event_type": PRESS_END,
        }
    ]


async def test_long_press_then_release(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    satellite: str,
    key_events: list[Event[Any]],
    changes: list[Event[Any]],
) -> None:
    await simulator.press_key(8, 3, PressKind.LONG)
    await wait_until(lambda: event_type(hass, satellite) == LONG_START)
    await simulator.press_key(8, 3, PressKind.RELEASE)
    await wait_until(lambda: event_type(hass, satellite) == LONG_END)

    assert [
        c.data["new_state"].attributes[ATTR_EVENT_TYPE] for c in changes_of(changes, satellite)
    ] == [
        LONG_START,
        LONG_END,
    ]
    assert [e.data["action"] for e in key_events] == ["long", "release"]
    # A second release belongs to no long press.
    await simulator.press_key(8, 3, PressKind.RELEASE)
    await wait_until(lambda: len(key_events) == 3)
    await hass.async_block_till_done()
    assert len(changes_of(changes, satellite)) == 2
    assert [e.data["event_type"] for e in key_events] == [LONG_START, LONG_END, None]


async def test_orphan_release_is_ignored_but_reaches_the_bus(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    satellite: str,
    key_events: list[Event[Any]],
    changes: list[Event[Any]],
) -> None:
    await simulator.press_key(8, 3, PressKind.RELEASE)
    await wait_until(lambda: len(key_events) == 1)
    await hass.async_block_till_done()

    assert state(hass, satellite) == STATE_UNKNOWN
    assert changes_of(changes, satellite) == []
    assert key_events[0].data == {
        "device_id": node_device_id(hass, simulator, 8),
        "node": 8,
        "key": 3,
        "name": "Satellite",
        "action": "release",
        "event_type": None,  # no long press to end
    }


async def test_two_short_presses_are_two_events(
    hass: HomeAssistant, simulator: VBoxSimulator, satellite: str, changes: list[Event[Any]]
) -> None:
    await simulator.press_key(8, 3, PressKind.SHORT)
    await wait_until(lambda: len(changes_of(changes, satellite)) == 1)
    await simulator.press_key(8, 3, PressKind.SHORT)
    await wait_until(lambda: len(changes_of(changes, satellite)) == 2)

    first, second = (c.data["new_state"] for c in changes_of(changes, satellite))
    assert first.attributes[ATTR_EVENT_TYPE] == second.attributes[ATTR_EVENT_TYPE] == PRESS_END
    assert first.state != second.state  # each press has its own time


async def test_presses_of_other_key_types(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    loaded_entry: MockConfigEntry,
    key_events: list[Event[Any]],
) -> None:
    doorbell = entity_id(hass, simulator.installation, Kind.PRESSES, 22, 3)  # push button
    coming_home = entity_id(hass, simulator.installation, Kind.PRESSES, 1, 4)  # scenario key
    await simulator.press_key(22, 3, PressKind.SHORT)
    await simulator.press_key(1, 4, PressKind.LONG)
    await wait_until(lambda: event_type(hass, doorbell) == PRESS_END)
    await wait_until(lambda: event_type(hass, coming_home) == LONG_START)

    # A key with no event entity (an on/off light) still reaches the bus.
    await simulator.press_key(1, 0, PressKind.SHORT)
    await wait_until(lambda: len(key_events) == 3)
    assert [
        (e.data["node"], e.data["key"], e.data["name"], e.data["action"]) for e in key_events
    ] == [
        (22, 3, "Doorbell", "short"),
        (1, 4, "חזרה הביתה", "long"),
        (1, 0, "תאורת כניסה", "short"),
    ]
    assert key_events[0].data["device_id"] == node_device_id(hass, simulator, 22)
    assert simulator.key_state(1, 0).status is KeyPowerStatus.OFF  # a press is not a state


async def test_release_after_the_link_dropped_is_ignored(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    satellite: str,
    key_events: list[Event[Any]],
    changes: list[Event[Any]],
) -> None:
    """A long press whose link dropped: its release may belong to anything, it is ignored."""
    await simulator.press_key(8, 3, PressKind.LONG)
    await wait_until(lambda: event_type(hass, satellite) == LONG_START)

    await simulator.drop_connections()
    await wait_until(lambda: logins(simulator) == 2 and simulator.connected_clients == 1)
    await wait_until(lambda: client(hass).connected)
    assert event_type(hass, satellite) == LONG_START  # the last event, as before

    written = len(changes_of(changes, satellite))
    await simulator.press_key(8, 3, PressKind.RELEASE)
    await wait_until(lambda: len(key_events) == 2)
    await hass.async_block_till_done()
    assert len(changes_of(changes, satellite)) == written
    assert [e.data["action"] for e in key_events] == ["long", "release"]


async def test_states_read_after_a_reconnect_are_no_presses(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    satellite: str,
    key_events: list[Event[Any]],
    changes: list[Event[Any]],
) -> None:
    simulator.clear_received()
    await simulator.drop_connections()
    # The satellite's state is read again after the reconnect.
    await wait_until(lambda: KeyStatusRequest(8, 3) in sent(simulator, KeyStatusRequest))
    await hass.async_block_till_done()
    assert key_events == []
    assert changes_of(changes, satellite) == []


async def test_press_state_answering_our_own_read_is_no_press(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    satellite: str,
    key_events: list[Event[Any]],
    changes: list[Event[Any]],
) -> None:
    """The box may answer a state read with the key's last press: that is not a new press."""
    vbox = client(hass)
    simulator.stalled = True  # the simulator itself would answer ON/OFF: answer by hand
    simulator.clear_received()
    read = asyncio.create_task(vbox.key_status(8, 3))
    await wait_until(
        lambda: (
            [decode(f, simulator.layout) for f in simulator.received] == [KeyStatusRequest(8, 3)]
        )
    )
    await simulator.send_raw(KeyStatus(8, 3, KeyPowerStatus.SHORT).to_frame(0).to_bytes())
    assert (await read).status is KeyPowerStatus.SHORT
    simulator.stalled = False
    await hass.async_block_till_done()

    assert key_events == []
    assert changes_of(changes, satellite) == []
    assert state(hass, satellite) == STATE_UNKNOWN

    # The same push unasked is a press.
    await simulator.send_raw(KeyStatus(8, 3, KeyPowerStatus.SHORT).to_frame(0).to_bytes())
    await wait_until(lambda: event_type(hass, satellite) == PRESS_END)
    assert [e.data["action"] for e in key_events] == ["short"]


@pytest.fixture
def box_reports(hass: HomeAssistant, loaded_entry: MockConfigEntry) -> Callable[[], bool]:
    """A condition: the box has reported a short press of the good-night button (8, 4)."""
    reported: list[KeyStatus] = []
    loaded_entry.async_on_unload(
        client(hass).add_key_listener(lambda status, _requested: reported.append(status))
    )
    return lambda: any(
        (s.node_id, s.key_id, s.status) == (8, 4, KeyPowerStatus.SHORT) for s in reported
    )


async def test_press_sent_from_home_assistant_is_no_wall_press(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    demo_entity: EntityLookup,
    key_events: list[Event[Any]],
    box_reports: Callable[[], bool],
) -> None:
    """The box reports back the press a button sent: it is not a press on the wall."""
    good_night = demo_entity(Kind.PRESSES, 8, 4)
    await call_service(hass, BUTTON_DOMAIN, SERVICE_PRESS, demo_entity(Kind.BUTTON, 8, 4))
    await wait_until(box_reports)
    await hass.async_block_till_done()
    # Nothing took it for a press on the wall.
    assert state(hass, good_night) == STATE_UNKNOWN
    assert key_events == []

    # The same press on the wall right after is one: one echo per press sent.
    await simulator.press_key(8, 4, PressKind.SHORT)
    await wait_until(lambda: event_type(hass, good_night) == PRESS_END)
    assert [e.data["action"] for e in key_events] == ["short"]


async def test_late_echo_of_a_timed_out_press_is_no_wall_press(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    demo_entity: EntityLookup,
    key_events: list[Event[Any]],
    box_reports: Callable[[], bool],
) -> None:
    """A slow box carries a press out after Home Assistant gave up: its report is its echo.

    Once the echo window has passed, a press on the wall counts again.
    """
    good_night = demo_entity(Kind.PRESSES, 8, 4)
    simulator.latency = 2 * FAST.request_timeout
    with pytest.raises(HomeAssistantError):
        await call_service(hass, BUTTON_DOMAIN, SERVICE_PRESS, demo_entity(Kind.BUTTON, 8, 4))
    window_ends = hass.loop.time() + coordinator.ECHO_WINDOW_S
    await wait_until(box_reports)
    simulator.latency = 0
    await hass.async_block_till_done()
    assert state(hass, good_night) == STATE_UNKNOWN
    assert key_events == []

    await wait_until(lambda: hass.loop.time() > window_ends)
    await simulator.press_key(8, 4, PressKind.SHORT)
    await wait_until(lambda: event_type(hass, good_night) == PRESS_END)
    assert [e.data["action"] for e in key_events] == ["short"]


async def test_press_that_was_never_sent_expects_no_echo(
    hass: HomeAssistant, simulator: VBoxSimulator, demo_entity: EntityLookup
) -> None:
    """A press refused for want of a link cannot come back: the next wall press counts."""
    good_night = demo_entity(Kind.PRESSES, 8, 4)
    port = simulator.port
    await simulator.stop()
    await wait_until(lambda: not client(hass).connected)
    with pytest.raises(HomeAssistantError) as err:
        await call_service(hass, BUTTON_DOMAIN, SERVICE_PRESS, demo_entity(Kind.BUTTON, 8, 4))
    assert err.value.translation_key == "not_sent"

    await simulator.start("127.0.0.1", port)
    # Back, with every state read again (a press during that read would be its answer).
    await wait_until(lambda: state(hass, good_night) == STATE_UNKNOWN)
    await simulator.press_key(8, 4, PressKind.SHORT)
    await wait_until(lambda: event_type(hass, good_night) == PRESS_END)
