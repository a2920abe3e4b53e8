"""The push coordinator against the real simulator: availability, pushes, cache, topology."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
from typing import Any

import pytest
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_PASSWORD,
    CONF_USERNAME,
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import (
    Event,
    EventStateChangedData,
    EventStateReportedData,
    HomeAssistant,
    callback,
)
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.vitrea import error_translation, protocols
from custom_components.vitrea.const import DOMAIN, EVENT_KEY_EVENT
from custom_components.vitrea.entity import VitreaEntity
from custom_components.vitrea.mapping import Kind, compact_mac
from custom_components.vitrea.vbox import (
    AckType,
    BoxBusyError,
    CommandRejectedError,
    ConnectionLostError,
    Installation,
    Key,
    KeyCategory,
    KeyPowerStatus,
    KeyType,
    LEDBackgroundBrightness,
    LockStatus,
    MessageError,
    Node,
    NotConnectedError,
    VBoxClient,
    VBoxError,
    VBoxTimeoutError,
)
from custom_components.vitrea.vbox.vtu.enums import CommandId
from custom_components.vitrea.vbox.vtu.messages import KeyStatusRequest
from simulator import PressKind, VBoxSimulator, demo_installation

from .conftest import (
    FAST,
    USERNAME,
    SetupEntry,
    all_available,
    all_unavailable,
    call_service,
    device_of,
    entity_id,
    entry_entities,
    entry_entity_ids,
    expected_entities,
    keypad_settings,
    state,
    wait_until,
)

LOGGER_NAME = "custom_components.vitrea"
SUPERVISOR_LOGGER_NAME = "custom_components.vitrea.vbox.supervisor"

# A node the installer adds to the demo home: a keypad in the office.
NEW_NODE = Node(
    40,
    "00:15:8D:00:04:11:22:33",
    37,  # VT-MW3-DM3-400W
    7,
    (
        Key(0, KeyType.DIMMER, KeyCategory.LIGHT, "Desk Lamp"),
        Key(1, KeyType.TOGGLE, KeyCategory.LIGHT, "Shelf Light"),
    ),
    (7, 9, 3),
)
SECOND_NEW_NODE = dataclasses.replace(
    NEW_NODE,
    id=41,
    mac="00:15:8D:00:04:11:22:44",
    keys=(Key(0, KeyType.TOGGLE, KeyCategory.UNDEFINED, "Water Heater Pump"),),
)


# --------------------------------------------------------------------- helpers


def storage_key(entry: MockConfigEntry) -> str:
    return f"{DOMAIN}.{entry.entry_id}.topology"


def seed_cache(
    hass_storage: dict[str, Any], entry: MockConfigEntry, installation: Installation
) -> None:
    hass_storage[storage_key(entry)] = {
        "version": 1,
        "minor_version": 1,
        "key": storage_key(entry),
        "data": installation.to_dict(),
    }


def demo() -> Installation:
    """The demo home as the integration reads it: the box pads names, clients trim them."""
    installation = demo_installation()
    rooms = tuple(dataclasses.replace(r, name=r.name.strip()) for r in installation.rooms)
    return Installation(rooms, installation.nodes, installation.protocol_version)


def with_nodes(installation: Installation, *nodes: Node) -> Installation:
    return Installation(
        installation.rooms, (*installation.nodes, *nodes), installation.protocol_version
    )


def without_node(installation: Installation, node_id: int) -> Installation:
    nodes = tuple(n for n in installation.nodes if n.id != node_id)
    return Installation(installation.rooms, nodes, installation.protocol_version)


def records(
    caplog: pytest.LogCaptureFixture, text: str, level: int, logger: str = LOGGER_NAME
) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == logger and r.levelno == level and text in r.getMessage()
    ]


def failed_reconnects(caplog: pytest.LogCaptureFixture) -> int:
    """Reconnect attempts the client gave up on (it logs each one at DEBUG)."""
    return sum(
        1
        for r in records(caplog, "failed", logging.DEBUG, SUPERVISOR_LOGGER_NAME)
        if r.getMessage().startswith("Reconnect to")
    )


def logins(simulator: VBoxSimulator) -> int:
    return sum(1 for frame in simulator.received if frame.command == CommandId.LOGIN)


def capture_reported(hass: HomeAssistant) -> list[Event[EventStateReportedData]]:
    """Writes of an unchanged state (they update last_reported)."""
    events: list[Event[EventStateReportedData]] = []

    @callback
    def capture(event: Event[EventStateReportedData]) -> None:
        events.append(event)

    @callback
    def every(_data: Any) -> bool:
        return True

    hass.bus.async_listen(EVENT_STATE_REPORTED, capture, event_filter=every)
    return events


def requests_of(simulator: VBoxSimulator, command: CommandId) -> int:
    return sum(1 for frame in simulator.received if frame.command == command)


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """The integration's log, with the client's reconnect attempts (DEBUG)."""
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    caplog.set_level(logging.DEBUG, logger=SUPERVISOR_LOGGER_NAME)
    return caplog


# --------------------------------------------------------------------- availability


async def test_unavailable_while_the_box_is_down_then_restored(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    log: pytest.LogCaptureFixture,
) -> None:
    entities = entry_entity_ids(hass, loaded_entry)
    kitchen = entity_id(hass, simulator.installation, Kind.LIGHT, 5, 0)
    living_room = entity_id(hass, simulator.installation, Kind.DIMMER, 2, 0)
    assert state(hass, kitchen) == STATE_OFF
    port = simulator.port

    await simulator.drop_connections()
    await simulator.stop()  # the box reboots: nothing listens for a while
    await wait_until(all_unavailable(hass, entities))
    await wait_until(lambda: failed_reconnects(log) >= 3)
    # Changed at the wall while Home Assistant could not see it.
    await simulator.set_key_state(5, 0, KeyPowerStatus.ON)
    await simulator.set_key_state(2, 0, KeyPowerStatus.ON, 25)

    await simulator.start(port=port)
    await wait_until(all_available(hass, entities))
    assert state(hass, kitchen) == STATE_ON
    living_room_state = hass.states.get(living_room)
    assert living_room_state is not None
    assert living_room_state.attributes["brightness"] == 64  # 25 %

    assert len(records(log, "Lost the connection", logging.WARNING)) == 1
    assert len(records(log, "is back", logging.INFO)) == 1
    assert not records(log, "", logging.ERROR)


async def test_drop_in_the_middle_of_a_frame_is_a_blip_nobody_sees(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    """Back within link_wait: entities never went unavailable, states are fresh."""
    garden = entity_id(hass, simulator.installation, Kind.LIGHT, 20, 0)
    assert state(hass, garden) == STATE_ON
    went_unavailable: set[str] = set()

    @callback
    def on_change(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is not None and new.state == STATE_UNAVAILABLE:
            went_unavailable.add(event.data[ATTR_ENTITY_ID])

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, on_change)
    try:
        await simulator.drop_connections(mid_frame=True)
        await simulator.set_key_state(20, 0, KeyPowerStatus.OFF)  # while we were away
        await wait_until(lambda: state(hass, garden) == STATE_OFF)
    finally:
        unsubscribe()
    assert logins(simulator) == 2  # it did reconnect
    assert went_unavailable == set()
    assert simulator.connected_clients == 1


async def test_entities_come_back_with_every_state_fresh(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    """Nothing is shown as available before every key's state was re-read."""
    entities = entry_entity_ids(hass, loaded_entry)
    # Node 31 is re-read last after a reconnect: it must come back with its new state,
    # never first with the one it had before the box went away.
    dryer = entity_id(hass, simulator.installation, Kind.SWITCH, 31, 0)
    assert state(hass, dryer) == STATE_OFF
    port = simulator.port
    await simulator.stop()
    await wait_until(all_unavailable(hass, entities))
    await simulator.set_key_state(31, 0, KeyPowerStatus.ON)
    dryer_when_back: list[str] = []

    @callback
    def on_change(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if event.data[ATTR_ENTITY_ID] == dryer and new is not None:
            dryer_when_back.append(new.state)

    unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, on_change)
    try:
        simulator.latency = 0.01
        await simulator.start(port=port)
        await wait_until(all_available(hass, entities))
    finally:
        unsubscribe()
    assert dryer_when_back == [STATE_ON]  # never the stale "off"


async def test_drop_while_reading_the_states_back_keeps_entities_unavailable(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    log: pytest.LogCaptureFixture,
) -> None:
    entities = entry_entity_ids(hass, loaded_entry)
    port = simulator.port
    await simulator.stop()
    await wait_until(all_unavailable(hass, entities))

    simulator.latency = 0.02
    simulator.clear_received()
    await simulator.start(port=port)
    # Logged in again, some states re-read: the box goes away again.
    await wait_until(lambda: requests_of(simulator, CommandId.KEY_STATUS) >= 3)
    await simulator.stop()
    attempts = failed_reconnects(log)
    await wait_until(lambda: failed_reconnects(log) >= attempts + 2)
    assert all_unavailable(hass, entities)()

    simulator.latency = 0
    await simulator.start(port=port)
    await wait_until(all_available(hass, entities))
    assert len(records(log, "Lost the connection", logging.WARNING)) == 1
    assert len(records(log, "is back", logging.INFO)) == 1


async def test_half_open_link_detected_by_the_heartbeat(
    hass: HomeAssistant,
    *,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    simulator: VBoxSimulator,
    monkeypatch: pytest.MonkeyPatch,
    log: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(
        protocols,
        "CLIENT_CONFIG",
        # Silence for 0.1 s sends a heartbeat; a stalled handshake fails after 0.5 s.
        dataclasses.replace(FAST, heartbeat_interval=0.1, connect_timeout=0.5),
    )
    assert await setup_entry(config_entry)
    entities = entry_entity_ids(hass, config_entry)
    assert all_available(hass, entities)()

    simulator.stalled = True  # the box reads but never answers: no FIN, no RST
    await wait_until(all_unavailable(hass, entities))
    await wait_until(lambda: failed_reconnects(log) >= 2)
    await simulator.set_key_state(6, 0, KeyPowerStatus.OFF)  # not pushed: the box is stalled
    simulator.stalled = False
    await wait_until(all_available(hass, entities))
    speakers = entity_id(hass, simulator.installation, Kind.SWITCH, 6, 0)
    assert state(hass, speakers) == STATE_OFF
    assert len(records(log, "Lost the connection", logging.WARNING)) == 1
    assert len(records(log, "is back", logging.INFO)) == 1


async def test_password_changed_on_the_box_asks_to_reauthenticate(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    log: pytest.LogCaptureFixture,
) -> None:
    entities = entry_entity_ids(hass, loaded_entry)
    simulator.set_credentials(USERNAME, "changed-by-the-installer")
    simulator.clear_received()
    await simulator.drop_connections()

    def reauth_flows() -> list[str]:
        return [
            flow["context"]["entry_id"]
            for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
            if flow["context"]["source"] == SOURCE_REAUTH
        ]

    await wait_until(lambda: reauth_flows() == [loaded_entry.entry_id])
    assert all_unavailable(hass, entities)()
    assert logins(simulator) == 1
    assert len(records(log, "refused the login", logging.WARNING)) == 1
    # No retry storm: the refused login is not tried again (not even after several
    # reconnect delays), a person has to enter the new password.
    await asyncio.sleep(5 * FAST.reconnect_max)
    assert logins(simulator) == 1
    assert simulator.connected_clients == 0
    assert reauth_flows() == [loaded_entry.entry_id]
    assert all_unavailable(hass, entities)()

    # The person enters the new password: the entry reloads and everything is back.
    (flow,) = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_USERNAME: USERNAME, CONF_PASSWORD: "changed-by-the-installer"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    await wait_until(all_available(hass, entities))
    assert simulator.connected_clients == 1


# --------------------------------------------------------------------- pushes


async def first_push(hass: HomeAssistant, simulator: VBoxSimulator) -> str:
    """Switch the kitchen light on from the wall and wait for it; returns its entity id.

    The other push tests start after it.
    """
    kitchen = entity_id(hass, simulator.installation, Kind.LIGHT, 5, 0)
    assert state(hass, kitchen) == STATE_OFF
    await simulator.set_key_state(5, 0, KeyPowerStatus.ON)
    await wait_until(lambda: state(hass, kitchen) == STATE_ON)
    return kitchen


async def test_push_changes_only_the_entity_it_is_about(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    kitchen = await first_push(hass, simulator)
    living_room = entity_id(hass, simulator.installation, Kind.DIMMER, 2, 0)
    before = hass.states.get(living_room)
    assert before is not None
    changed = async_capture_events(hass, EVENT_STATE_CHANGED)
    reported = capture_reported(hass)

    await simulator.set_key_state(5, 0, KeyPowerStatus.OFF)
    await wait_until(lambda: state(hass, kitchen) == STATE_OFF)
    await simulator.set_key_state(5, 0, KeyPowerStatus.ON)
    await wait_until(lambda: state(hass, kitchen) == STATE_ON)

    assert [e.data[ATTR_ENTITY_ID] for e in changed] == [kitchen, kitchen]
    assert reported == []
    after = hass.states.get(living_room)
    assert after is not None
    assert after.last_reported == before.last_reported
    assert after.last_updated == before.last_updated


async def test_push_of_the_same_state_writes_nothing(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    kitchen = await first_push(hass, simulator)
    garden = entity_id(hass, simulator.installation, Kind.LIGHT, 20, 0)
    changed = async_capture_events(hass, EVENT_STATE_CHANGED)
    reported = capture_reported(hass)
    await simulator.set_key_state(20, 0, KeyPowerStatus.ON)  # it is on already
    await simulator.set_key_state(5, 0, KeyPowerStatus.OFF)  # a marker: the pushes arrived
    await wait_until(lambda: state(hass, kitchen) == STATE_OFF)
    assert state(hass, garden) == STATE_ON
    assert [e.data[ATTR_ENTITY_ID] for e in changed] == [kitchen]
    assert reported == []


async def test_first_push_after_setup_rewrites_nothing_else(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    reported = capture_reported(hass)
    await first_push(hass, simulator)
    assert reported == []


async def test_key_press_reaches_the_event_entity_and_the_bus(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    installation = simulator.installation
    satellite = entity_id(hass, installation, Kind.PRESSES, 8, 3)
    node = installation.node(8)
    assert node is not None
    device = device_of(hass, loaded_entry, node.mac)
    assert device is not None
    bus_events = async_capture_events(hass, EVENT_KEY_EVENT)
    changed = async_capture_events(hass, EVENT_STATE_CHANGED)

    await simulator.press_key(8, 3, PressKind.SHORT)
    await wait_until(lambda: len(bus_events) == 1)
    assert bus_events[0].data == {
        "device_id": device.id,
        "node": 8,
        "key": 3,
        "name": "Satellite",
        "action": "short",
        "event_type": "press_end",
    }
    await wait_until(lambda: state(hass, satellite) not in (None, STATE_UNKNOWN))
    assert [e.data[ATTR_ENTITY_ID] for e in changed] == [satellite]

    await simulator.press_key(8, 3, PressKind.LONG)
    await simulator.press_key(8, 3, PressKind.RELEASE)
    await wait_until(lambda: len(bus_events) == 3)
    assert [e.data["action"] for e in bus_events] == ["short", "long", "release"]


# --------------------------------------------------------------------- update_entity


async def update_entity(hass: HomeAssistant, entity: str) -> None:
    assert await async_setup_component(hass, "homeassistant", {})
    await call_service(hass, "homeassistant", "update_entity", entity)


async def test_update_entity_while_connected(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    log: pytest.LogCaptureFixture,
) -> None:
    living_room = entity_id(hass, simulator.installation, Kind.DIMMER, 2, 0)
    await update_entity(hass, living_room)
    assert state(hass, living_room) == STATE_ON
    assert not records(log, "", logging.ERROR)


async def test_update_entity_while_disconnected(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    log: pytest.LogCaptureFixture,
) -> None:
    living_room = entity_id(hass, simulator.installation, Kind.DIMMER, 2, 0)
    await simulator.stop()
    await wait_until(lambda: state(hass, living_room) == STATE_UNAVAILABLE)
    await update_entity(hass, living_room)  # no exception: states are pushed, not polled
    assert state(hass, living_room) == STATE_UNAVAILABLE
    assert loaded_entry.runtime_data.last_exception is not None
    assert not records(log, "", logging.ERROR)


# --------------------------------------------------------------------- commands


async def test_key_command_reaches_the_box_and_comes_back_as_a_push(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    kitchen = entity_id(hass, simulator.installation, Kind.LIGHT, 5, 0)
    await loaded_entry.runtime_data.async_set_key(5, 0, KeyPowerStatus.ON)
    await wait_until(lambda: state(hass, kitchen) == STATE_ON)
    assert simulator.key_state(5, 0).status is KeyPowerStatus.ON


async def test_command_while_the_box_is_down_fails_with_a_clear_error(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    await simulator.stop()
    await wait_until(lambda: not loaded_entry.runtime_data.client.connected)
    with pytest.raises(HomeAssistantError) as caught:
        await loaded_entry.runtime_data.async_set_key(5, 0, KeyPowerStatus.ON)
    assert caught.value.translation_key == "not_sent"
    with pytest.raises(HomeAssistantError):
        await loaded_entry.runtime_data.node_settings.async_set(1, lock=LockStatus.LOCKED)
    # Not changed: nothing was carried out.
    assert loaded_entry.runtime_data.node_settings[1].lock is LockStatus.UNLOCKED


async def test_keypad_settings_change_one_at_a_time(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    vitrea = loaded_entry.runtime_data
    child_lock = entity_id(hass, simulator.installation, Kind.CHILD_LOCK, 1)
    assert state(hass, child_lock) == STATE_OFF

    await vitrea.node_settings.async_set(1, lock=LockStatus.LOCKED)
    assert keypad_settings(simulator, 1) == (LockStatus.LOCKED, LEDBackgroundBrightness.NORMAL)
    assert state(hass, child_lock) == STATE_ON

    await vitrea.node_settings.async_set(1, led_level=LEDBackgroundBrightness.LOW)
    assert keypad_settings(simulator, 1) == (LockStatus.LOCKED, LEDBackgroundBrightness.LOW)


@pytest.mark.parametrize(
    ("error", "translation_key"),
    [
        (BoxBusyError("in use"), "box_busy"),
        (CommandRejectedError("ToggleKeyStatus", AckType.NACK), "command_rejected"),
        (VBoxTimeoutError("no answer"), "command_timeout"),
        (NotConnectedError("down"), "not_sent"),
        (ConnectionLostError("dropped"), "not_connected"),
        (MessageError("garbled"), "command_failed"),
    ],
)
def test_command_errors_are_translated(error: VBoxError, translation_key: str) -> None:
    with pytest.raises(HomeAssistantError) as caught, error_translation.translate_errors():
        raise error
    assert caught.value.translation_domain == DOMAIN
    assert caught.value.translation_key == translation_key
    assert not caught.value.translation_placeholders  # the library's text is not shown
    assert caught.value.__cause__ is error


# --------------------------------------------------------------------- topology cache


async def test_warm_start_creates_every_entity_before_asking_the_box(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    hass_storage: dict[str, Any],
) -> None:
    entry = loaded_entry
    saved = hass_storage[storage_key(entry)]
    assert saved["data"] == entry.runtime_data.installation.to_dict()
    expected = entry_entities(hass, entry)
    living_room = entity_id(hass, simulator.installation, Kind.DIMMER, 2, 0)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

    simulator.latency = 0.2  # a slow box: a full read would take many seconds
    simulator.clear_received()
    assert await hass.config_entries.async_setup(entry.entry_id)
    # Every entity is there at once, from the cache; nothing of the topology was read.
    assert entry_entities(hass, entry) == expected
    assert all(hass.states.get(e) is not None for e in entry_entity_ids(hass, entry))
    assert requests_of(simulator, CommandId.ROOM_COUNT) == 0
    assert requests_of(simulator, CommandId.NODE_COUNT) == 0
    assert state(hass, living_room) == STATE_UNKNOWN  # its state is still on the way

    simulator.latency = 0
    await wait_until(lambda: state(hass, living_room) == STATE_ON)
    # Then the topology is refreshed in the background: nothing changed.
    await wait_until(lambda: requests_of(simulator, CommandId.KEY_PARAMETERS) > 0)
    assert entry.runtime_data is not None
    assert entry_entities(hass, entry) == expected


async def test_warm_start_from_a_seeded_cache(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    simulator: VBoxSimulator,
    hass_storage: dict[str, Any],
) -> None:
    seed_cache(hass_storage, config_entry, demo())
    seeded = hass_storage[storage_key(config_entry)]
    simulator.clear_received()
    assert await setup_entry(config_entry)
    first = config_entry.runtime_data
    assert entry_entities(hass, config_entry) == expected_entities(demo())
    living_room = entity_id(hass, simulator.installation, Kind.DIMMER, 2, 0)
    await wait_until(lambda: state(hass, living_room) == STATE_ON)
    # The background refresh read the same topology: saved again, nothing reloaded.
    await wait_until(lambda: hass_storage[storage_key(config_entry)] is not seeded)
    assert hass_storage[storage_key(config_entry)]["data"] == seeded["data"]
    await hass.async_block_till_done()
    assert config_entry.runtime_data is first
    assert requests_of(simulator, CommandId.LOGIN) == 1


@pytest.mark.parametrize(
    "cache",
    [
        {"version": 1, "data": "garbage"},
        {"version": 1, "data": {"rooms": [], "nodes": [{"id": "one"}]}},
        {"version": 1, "data": {"rooms": [], "nodes": [], "protocol_version": 9}},
        {"version": 99, "data": {}},  # written by a newer release, then downgraded
    ],
    ids=["not-an-object", "bad-node", "bad-version", "newer-format"],
)
async def test_unreadable_cache_is_ignored(
    hass: HomeAssistant,
    *,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    simulator: VBoxSimulator,
    hass_storage: dict[str, Any],
    log: pytest.LogCaptureFixture,
    cache: dict[str, Any],
) -> None:
    hass_storage[storage_key(config_entry)] = {"key": storage_key(config_entry), **cache}
    assert await setup_entry(config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    assert records(log, "Ignoring the cached Vitrea topology", logging.WARNING)
    assert entry_entities(hass, config_entry) == expected_entities(simulator.installation)
    # The full read replaced the cache.
    saved = hass_storage[storage_key(config_entry)]
    assert saved["version"] == 1
    assert saved["data"] == config_entry.runtime_data.installation.to_dict()


# --------------------------------------------------------------------- topology changes


async def test_new_node_found_after_a_warm_start(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    simulator: VBoxSimulator,
    hass_storage: dict[str, Any],
) -> None:
    seed_cache(hass_storage, config_entry, demo())
    bigger = with_nodes(demo(), NEW_NODE)
    await simulator.restart(bigger)
    await simulator.set_key_state(40, 0, KeyPowerStatus.ON, 70)

    assert await setup_entry(config_entry)
    first = config_entry.runtime_data
    await wait_until(lambda: entry_entities(hass, config_entry) == expected_entities(bigger))
    device = device_of(hass, config_entry, NEW_NODE.mac)
    assert device is not None
    assert device.model == "VT-MW3-DM3-400W"
    desk_lamp = entity_id(hass, bigger, Kind.DIMMER, 40, 0)
    shelf = entity_id(hass, bigger, Kind.LIGHT, 40, 1)
    await wait_until(lambda: state(hass, desk_lamp) == STATE_ON)
    await wait_until(lambda: state(hass, shelf) == STATE_OFF)
    assert config_entry.runtime_data is first  # no reload
    assert hass_storage[storage_key(config_entry)]["data"] == first.installation.to_dict()


async def test_refresh_that_fails_is_tried_again_on_reconnect(
    hass: HomeAssistant,
    *,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    simulator: VBoxSimulator,
    hass_storage: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_cache(hass_storage, config_entry, demo())
    bigger = with_nodes(demo(), NEW_NODE)
    await simulator.restart(bigger)
    dropped: list[asyncio.Task[None]] = []
    answer = simulator._answer

    def answer_then_drop(conn: Any, message: Any) -> Any:
        """The box goes away while the warm start reads the first cached key's state."""
        if isinstance(message, KeyStatusRequest) and not dropped:
            simulator.stalled = True
            dropped.append(asyncio.create_task(simulator.drop_connections()))
        return answer(conn, message)

    monkeypatch.setattr(simulator, "_answer", answer_then_drop)
    assert await setup_entry(config_entry)
    assert entry_entities(hass, config_entry) == expected_entities(demo())
    await wait_until(lambda: bool(dropped) and dropped[0].done())
    simulator.stalled = False

    await wait_until(lambda: entry_entities(hass, config_entry) == expected_entities(bigger))
    await wait_until(all_available(hass, entry_entity_ids(hass, config_entry)))
    living_room = entity_id(hass, bigger, Kind.DIMMER, 2, 0)
    assert state(hass, living_room) == STATE_ON


async def test_nodes_added_while_running_appear_after_the_box_restarts(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
) -> None:
    first = loaded_entry.runtime_data
    bigger = with_nodes(demo(), NEW_NODE)
    await simulator.restart(bigger)  # the installer added a keypad and restarted the box
    await wait_until(lambda: entry_entities(hass, loaded_entry) == expected_entities(bigger))
    desk_lamp = entity_id(hass, bigger, Kind.DIMMER, 40, 0)
    shelf = entity_id(hass, bigger, Kind.LIGHT, 40, 1)
    await wait_until(lambda: state(hass, desk_lamp) == state(hass, shelf) == STATE_OFF)

    # And once more, some weeks later.
    biggest = with_nodes(bigger, SECOND_NEW_NODE)
    await simulator.restart(biggest)
    await wait_until(lambda: entry_entities(hass, loaded_entry) == expected_entities(biggest))
    assert device_of(hass, loaded_entry, SECOND_NEW_NODE.mac) is not None
    pump = entity_id(hass, biggest, Kind.SWITCH, 41, 0)
    await wait_until(lambda: state(hass, pump) == STATE_OFF)
    await simulator.set_key_state(41, 0, KeyPowerStatus.ON)
    await wait_until(lambda: state(hass, pump) == STATE_ON)
    assert loaded_entry.runtime_data is first  # no reload


async def test_link_lost_while_reading_a_new_nodes_states(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bigger = with_nodes(demo(), NEW_NODE)
    await simulator.restart(bigger)
    await simulator.set_key_state(40, 1, KeyPowerStatus.ON)
    dropped: list[asyncio.Task[None]] = []
    answer = simulator._answer

    def answer_then_drop(conn: Any, message: Any) -> Any:
        """The box goes away while it answers the first read of a new node's state."""
        if isinstance(message, KeyStatusRequest) and message.node_id == 40 and not dropped:
            simulator.stalled = True  # the answer never leaves
            dropped.append(asyncio.create_task(simulator.drop_connections()))
        return answer(conn, message)

    monkeypatch.setattr(simulator, "_answer", answer_then_drop)
    await wait_until(lambda: bool(dropped) and dropped[0].done())
    simulator.stalled = False

    # The new node's entities exist, and its states are read after the reconnect.
    await wait_until(lambda: entry_entities(hass, loaded_entry) == expected_entities(bigger))
    shelf = entity_id(hass, bigger, Kind.LIGHT, 40, 1)
    await wait_until(lambda: state(hass, shelf) == STATE_ON)
    await wait_until(all_available(hass, entry_entity_ids(hass, loaded_entry)))
    gc.collect()  # a background task that failed reports it now, not in a later test


async def test_node_gone_from_the_box_loses_its_device(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
) -> None:
    first = loaded_entry.runtime_data
    dryer_node = simulator.installation.node(31)
    assert dryer_node is not None
    dryer = entity_id(hass, simulator.installation, Kind.SWITCH, 31, 0)
    smaller = without_node(demo(), 31)

    await simulator.restart(smaller)
    await wait_until(lambda: device_of(hass, loaded_entry, dryer_node.mac) is None)
    assert entry_entities(hass, loaded_entry) == expected_entities(smaller)
    assert hass.states.get(dryer) is None
    assert len(dr.async_entries_for_config_entry(dr.async_get(hass), loaded_entry.entry_id)) == 14
    assert loaded_entry.runtime_data is first  # no reload


async def test_node_with_other_keys_reloads_the_entry(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    hass_storage: dict[str, Any],
) -> None:
    first = loaded_entry.runtime_data
    home = demo()
    living_room = home.node(2)
    assert living_room is not None
    # The installer rewired key 3 of the living-room keypad: a socket instead of a dimmer.
    rewired = dataclasses.replace(
        living_room,
        keys=(*living_room.keys[:2], Key(2, KeyType.TOGGLE, KeyCategory.UNDEFINED, "Socket")),
    )
    changed = Installation(
        home.rooms, tuple(rewired if n.id == 2 else n for n in home.nodes), home.protocol_version
    )
    mac = compact_mac(living_room.mac)
    assert ("light", f"{mac}-2") in entry_entities(hass, loaded_entry)

    await simulator.restart(changed)
    await wait_until(
        lambda: (
            getattr(loaded_entry, "runtime_data", first) is not first
            and loaded_entry.state is ConfigEntryState.LOADED
        )
    )
    await hass.async_block_till_done()
    assert entry_entities(hass, loaded_entry) == expected_entities(changed)
    assert ("switch", f"{mac}-2") in entry_entities(hass, loaded_entry)
    assert ("light", f"{mac}-2") not in entry_entities(hass, loaded_entry)
    socket = entity_id(hass, changed, Kind.SWITCH, 2, 2)
    await wait_until(lambda: state(hass, socket) == STATE_OFF)
    assert hass_storage[storage_key(loaded_entry)]["data"]["nodes"][1]["keys"][2]["type"] == (
        "TOGGLE"
    )


# --------------------------------------------------------------------- connection layer (issue 10)


async def test_a_push_runs_the_entities_of_its_key_only(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    simulator: VBoxSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """O(1) per push: no other entity even looks at it."""
    ran: list[str] = []
    original = VitreaEntity._handle_coordinator_update

    def spy(self: VitreaEntity) -> None:
        ran.append(self.entity_id)
        original(self)

    monkeypatch.setattr(VitreaEntity, "_handle_coordinator_update", spy)
    assert await setup_entry(config_entry)
    # Setup's background read of every state ends by updating every entity: let it
    # finish first (on a loaded machine it came after the push and failed the test).
    await hass.async_block_till_done(wait_background_tasks=True)
    kitchen = entity_id(hass, simulator.installation, Kind.LIGHT, 5, 0)
    ran.clear()
    await simulator.set_key_state(5, 0, KeyPowerStatus.ON)
    await wait_until(lambda: state(hass, kitchen) == STATE_ON)
    assert ran == [kitchen]

    # The coordinator's data is a snapshot: a later push changes the next one only.
    vitrea = config_entry.runtime_data
    snapshot = vitrea.data
    assert snapshot is not vitrea.client.key_states
    with pytest.raises(TypeError):
        snapshot[5, 0] = snapshot[5, 0]  # type: ignore[index]
    await simulator.set_key_state(5, 0, KeyPowerStatus.OFF)
    await wait_until(lambda: state(hass, kitchen) == STATE_OFF)
    assert snapshot[5, 0].status is KeyPowerStatus.ON
    assert vitrea.data[5, 0].status is KeyPowerStatus.OFF


async def test_link_lost_before_the_coordinator_listens_is_seen(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    simulator: VBoxSimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = simulator.port
    read = VBoxClient.read_installation

    async def read_then_lose_the_box(self: VBoxClient, *, with_states: bool = True) -> Any:
        installation = await read(self, with_states=with_states)
        await simulator.stop()  # gone between the first read and the coordinator's start
        await wait_until(lambda: not self.connected)
        return installation

    monkeypatch.setattr(VBoxClient, "read_installation", read_then_lose_the_box)
    assert await setup_entry(config_entry)
    entities = entry_entity_ids(hass, config_entry)
    await wait_until(all_unavailable(hass, entities))
    await simulator.start(port=port)
    await wait_until(all_available(hass, entities))


async def test_first_setup_reads_the_key_states_after_creating_the_entities(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    """Home Assistant warns about a setup longer than 10 s: hundreds of state reads
    of a large home do not belong in it."""
    config_entry.add_to_hass(hass)
    simulator.latency = 0.02
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    assert requests_of(simulator, CommandId.KEY_STATUS) <= 1  # at most the first, under way
    assert entry_entities(hass, config_entry) == expected_entities(simulator.installation)
    garden = entity_id(hass, simulator.installation, Kind.LIGHT, 20, 0)
    await wait_until(lambda: state(hass, garden) == STATE_ON)
    active = len(simulator.installation.active_keys())
    await wait_until(lambda: requests_of(simulator, CommandId.KEY_STATUS) == active)
    assert await hass.config_entries.async_unload(config_entry.entry_id)
    await hass.async_block_till_done()


async def test_reconnect_reads_states_and_checks_the_topology_cheaply(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    """From a dropped link to every state fresh and the topology checked: one request
    per key and per node, plus a few; no key names, no rooms."""
    installation = loaded_entry.runtime_data.installation
    keys, nodes = len(installation.active_keys()), len(installation.nodes)
    simulator.clear_received()
    await simulator.drop_connections()
    await wait_until(lambda: requests_of(simulator, CommandId.NODE_METADATA) == nodes)
    await hass.async_block_till_done()
    assert requests_of(simulator, CommandId.KEY_STATUS) == keys
    assert requests_of(simulator, CommandId.KEY_PARAMETERS) == 0
    assert requests_of(simulator, CommandId.ROOM_COUNT) == 0
    assert len(simulator.received) <= keys + nodes + 10
    assert all_available(hass, entry_entity_ids(hass, loaded_entry))()
