"""Setup, unload, reload and the devices of a vBox, against the real simulator."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntryDisabler,
    ConfigEntryState,
)
from homeassistant.const import EVENT_HOMEASSISTANT_STOP, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.vitrea import async_remove_config_entry_device
from custom_components.vitrea.const import CONF_SHOW_MIRROR_KEYS, DOMAIN
from custom_components.vitrea.mapping import Kind, compact_mac
from custom_components.vitrea.vbox import (
    Installation,
    Key,
    KeyCategory,
    KeyPowerStatus,
    KeyStatus,
    KeyType,
    Node,
    Room,
    VBoxClient,
)
from simulator import BusyMode, VBoxSimulator

from .conftest import (
    FAST,
    PASSWORD,
    USERNAME,
    SetupEntry,
    all_available,
    box_entry,
    box_input,
    device_of,
    entity_id,
    entry_entities,
    entry_entity_ids,
    expected_entities,
    running_box,
    start_flow,
    state,
    states_read,
    wait_until,
)

# Node 8 of the demo: its multi-way keys mirror a dimmer and a blind of other nodes.
MIRROR_NODE = 8


def controller(hass: HomeAssistant, entry: MockConfigEntry) -> dr.DeviceEntry:
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"vbox-{entry.unique_id}"), entry.entry_id
    )
    assert device is not None
    return device


def node_device(hass: HomeAssistant, entry: MockConfigEntry, mac: str) -> dr.DeviceEntry:
    device = device_of(hass, entry, mac)
    assert device is not None, f"no device for {mac}"
    return device


async def set_mirror_keys(hass: HomeAssistant, entry: MockConfigEntry, *, show: bool) -> None:
    """Change the option the way a person does: the options flow, which reloads the entry."""
    flow = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"], {CONF_SHOW_MIRROR_KEYS: show}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


# --------------------------------------------------------------------- devices


async def test_one_device_per_node_behind_the_controller(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    device_registry = dr.async_get(hass)
    area_registry = ar.async_get(hass)
    devices = dr.async_entries_for_config_entry(device_registry, loaded_entry.entry_id)
    installation = simulator.installation
    assert len(installation.nodes) == 14
    assert len(devices) == 15  # the nodes and the vBox

    box = controller(hass, loaded_entry)
    assert box.manufacturer == "Vitrea"
    assert box.model == "vBox"
    assert box.via_device_id is None

    for node in installation.nodes:
        device = node_device(hass, loaded_entry, node.mac)
        assert device.config_entry_id == loaded_entry.entry_id
        assert device.manufacturer == "Vitrea"
        assert device.model == node.model_name
        assert device.sw_version == node.version
        assert device.serial_number == node.mac
        assert device.via_device_id == box.id
        room = installation.room(node.room_id)
        assert room is not None
        assert device.area_id is not None
        area = area_registry.async_get_area(device.area_id)
        assert area is not None
        assert area.name == room.name.strip()  # the box pads names with spaces

    living_room_dimmer = node_device(hass, loaded_entry, "00:15:8D:00:01:A2:3C:2E")
    assert living_room_dimmer.model == "VT-MW3-DM3-400W"
    assert living_room_dimmer.sw_version == "7.93"
    assert living_room_dimmer.serial_number == "00:15:8D:00:01:A2:3C:2E"
    areas = {area.name for area in area_registry.async_list_areas()}
    assert {"סלון", "Master Bedroom", "חדר ילדים", "Garden"} <= areas


async def test_entities_follow_the_mapping(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    installation = simulator.installation
    expected = expected_entities(installation)
    assert entry_entities(hass, loaded_entry) == expected
    # Unique ids are built from the node's MAC and the key position, never the address.
    assert {
        ("light", "00158d0001a23c2e-0"),  # the living-room dimmer, key 1
        ("switch", "00158d0001a23c2e-child_lock"),
        ("select", "00158d0001a23c2e-led_level"),
        ("sensor", "000d6f000c4491e2-0-turns_off_at"),  # when the boiler turns off
        ("event", "00158d00025f108a-3-presses"),  # the satellite key of node 8
    } <= expected
    # No multi-way key without the option.
    node = installation.node(MIRROR_NODE)
    assert node is not None
    mirrors = [key for key in node.keys if key.type.is_mirror]
    assert {key.type for key in mirrors} == {KeyType.DIMMER_MW, KeyType.BLIND_MW}
    assert not any(
        uid == f"{compact_mac(node.mac)}-{key.id}" for _, uid in expected for key in mirrors
    )

    # Every entity has a state, and the states are the box's.
    for entity in er.async_entries_for_config_entry(er.async_get(hass), loaded_entry.entry_id):
        state = hass.states.get(entity.entity_id)
        assert state is not None, entity.entity_id
        assert state.state != STATE_UNAVAILABLE, entity.entity_id
    living_room = hass.states.get(entity_id(hass, installation, Kind.DIMMER, 2, 0))
    assert living_room is not None
    assert living_room.state == STATE_ON
    assert living_room.attributes["brightness"] == 153  # 60 %
    blind = hass.states.get(entity_id(hass, installation, Kind.BLIND, 3, 0))
    assert blind is not None
    assert blind.attributes["current_position"] == 40


async def test_mirror_keys_option_adds_and_removes_their_entities(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    installation = simulator.installation
    without = expected_entities(installation)
    with_mirrors = expected_entities(installation, show_mirror_keys=True)
    mac = compact_mac("00:15:8D:00:02:5F:10:8A")
    assert with_mirrors - without == {("light", f"{mac}-1"), ("cover", f"{mac}-2")}

    await set_mirror_keys(hass, loaded_entry, show=True)
    assert entry_entities(hass, loaded_entry) == with_mirrors
    mirror_light = hass.states.get(entity_id(hass, installation, Kind.DIMMER, MIRROR_NODE, 1))
    assert mirror_light is not None
    assert mirror_light.state != STATE_UNAVAILABLE

    await set_mirror_keys(hass, loaded_entry, show=False)
    assert entry_entities(hass, loaded_entry) == without
    assert hass.states.get(mirror_light.entity_id) is None


async def test_mirror_keys_from_the_start(
    hass: HomeAssistant, setup_entry: SetupEntry, simulator: VBoxSimulator
) -> None:
    entry = box_entry(simulator, options={CONF_SHOW_MIRROR_KEYS: True})
    assert await setup_entry(entry)
    assert entry_entities(hass, entry) == expected_entities(
        simulator.installation, show_mirror_keys=True
    )


async def test_stale_registry_entries_are_removed_at_setup(
    hass: HomeAssistant, config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """A device of a node the box lost, and an entity nothing provides, go at setup."""
    config_entry.add_to_hass(hass)
    device_registry = dr.async_get(hass)
    entity_registry = er.async_get(hass)
    gone = device_registry.async_get_or_create(
        config_entry_id=config_entry.entry_id, identifiers={(DOMAIN, "0011223344556677")}
    )
    orphan = entity_registry.async_get_or_create(
        "switch", DOMAIN, "00158d0001a23c2e-7", config_entry=config_entry
    )
    assert await setup_entry(config_entry)
    assert device_registry.async_get(gone.id) is None
    assert entity_registry.async_get(orphan.entity_id) is None
    assert len(dr.async_entries_for_config_entry(device_registry, config_entry.entry_id)) == 15


# --------------------------------------------------------------------- setup failures


async def test_box_unreachable_is_retried(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    simulator: VBoxSimulator,
) -> None:
    port = simulator.port
    await simulator.stop()  # nothing listens on the port any more
    assert not await setup_entry(config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert config_entry.reason == "Cannot connect to the vBox at 127.0.0.1"

    assert entry_entities(hass, config_entry) == set()

    # The box comes back: the next retry sets the entry up, with every entity.
    await simulator.start(port=port)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=5))
    await wait_until(lambda: config_entry.state is ConfigEntryState.LOADED)
    assert simulator.connected_clients == 1
    assert entry_entities(hass, config_entry) == expected_entities(simulator.installation)
    garden = entity_id(hass, simulator.installation, Kind.LIGHT, 20, 0)
    await wait_until(lambda: state(hass, garden) == STATE_ON)  # read in the background


async def test_wrong_password_starts_reauth(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    simulator: VBoxSimulator,
) -> None:
    simulator.set_credentials(USERNAME, "changed-by-the-installer")
    assert not await setup_entry(config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [(f["handler"], f["context"]["source"], f["context"]["entry_id"]) for f in flows] == [
        (DOMAIN, SOURCE_REAUTH, config_entry.entry_id)
    ]
    await wait_until(lambda: simulator.connected_clients == 0)  # the socket was closed


async def test_busy_box_is_retried(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    simulator: VBoxSimulator,
) -> None:
    assert simulator.busy_mode is BusyMode.IN_USE
    other = VBoxClient("127.0.0.1", simulator.port, USERNAME, PASSWORD, config=FAST)
    await other.connect()  # e.g. the Vitrea app holds the box's only slot
    try:
        assert not await setup_entry(config_entry)
        assert config_entry.state is ConfigEntryState.SETUP_RETRY
        assert "in use" in (config_entry.reason or "")
        assert simulator.connected_clients == 1
    finally:
        await other.close()


# --------------------------------------------------------------------- unload, reload, stop


async def test_unload_closes_the_connection_and_reload_restores_everything(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    installation = simulator.installation
    light = entity_id(hass, installation, Kind.DIMMER, 2, 0)
    assert simulator.connected_clients == 1

    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state == ConfigEntryState.NOT_LOADED
    await wait_until(lambda: simulator.connected_clients == 0)
    state = hass.states.get(light)
    assert state is not None
    assert state.state == STATE_UNAVAILABLE

    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert simulator.connected_clients == 1
    assert entry_entities(hass, loaded_entry) == expected_entities(installation)
    await wait_until(lambda: getattr(hass.states.get(light), "state", None) == STATE_ON)
    state = hass.states.get(light)
    assert state is not None
    assert state.attributes["brightness"] == 153


async def test_home_assistant_stop_frees_the_box(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    assert simulator.connected_clients == 1
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await hass.async_block_till_done()
    await wait_until(lambda: simulator.connected_clients == 0)


# --------------------------------------------------------------------- device removal


async def remove_device(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, device_id: str
) -> dict[str, Any]:
    """Delete a device the way the device page does."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    await client.send_json_auto_id(
        {"type": "config/device_registry/remove", "device_id": device_id}
    )
    response: dict[str, Any] = await client.receive_json()
    if response.get("error", {}).get("code") == "unknown_command":  # HA 2026.8
        device = dr.async_get(hass).async_get(device_id)
        assert device is not None
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "device_id": device_id,
                "config_entry_id": next(iter(device.config_entries)),
            }
        )
        response = await client.receive_json()
    # A refusal must come from the integration, not from a command HA does not know.
    assert response.get("error", {}).get("code") != "unknown_command"
    return response


@pytest.mark.parametrize("node_id", [1, 2, 31])
async def test_current_node_device_cannot_be_removed(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    node_id: int,
) -> None:
    node = simulator.installation.node(node_id)
    assert node is not None
    device = node_device(hass, loaded_entry, node.mac)
    assert not await async_remove_config_entry_device(hass, loaded_entry, device)
    response = await remove_device(hass, hass_ws_client, device.id)
    assert not response["success"]
    assert dr.async_get(hass).async_get(device.id) is not None


async def test_controller_device_cannot_be_removed(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, loaded_entry: MockConfigEntry
) -> None:
    device = controller(hass, loaded_entry)
    response = await remove_device(hass, hass_ws_client, device.id)
    assert not response["success"]
    assert dr.async_get(hass).async_get(device.id) is not None


async def test_device_of_a_node_gone_from_the_box_can_be_removed(
    hass: HomeAssistant, hass_ws_client: WebSocketGenerator, loaded_entry: MockConfigEntry
) -> None:
    device_registry = dr.async_get(hass)
    # E.g. left behind while the integration was unloaded.
    gone = device_registry.async_get_or_create(
        config_entry_id=loaded_entry.entry_id, identifiers={(DOMAIN, "0011223344556677")}
    )
    response = await remove_device(hass, hass_ws_client, gone.id)
    assert response["success"]
    assert device_registry.async_get(gone.id) is None
    assert len(dr.async_entries_for_config_entry(device_registry, loaded_entry.entry_id)) == 15


async def test_a_node_gone_from_one_box_leaves_the_other_entry_alone(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
    setup_entry: SetupEntry,
) -> None:
    """Stale devices are looked for among the entry's own devices only."""
    porch = Node(
        40, "00:15:8D:00:09:00:00:40", 31, 0, (Key(0, KeyType.TOGGLE, KeyCategory.LIGHT, "Lamp"),)
    )
    other_home = Installation(rooms=(Room(0, "Porch"),), nodes=(porch,))
    async with running_box(other_home, [KeyStatus(40, 0, KeyPowerStatus.ON)]) as other_box:
        other = box_entry(other_box)
        assert await setup_entry(other)
        registry = dr.async_get(hass)
        others_devices = dr.async_entries_for_config_entry(registry, other.entry_id)
        others_light = entity_id(hass, other_home, Kind.LIGHT, 40, 0)

        gone = simulator.installation.node(25)
        assert gone is not None
        without = replace(
            simulator.installation,
            nodes=tuple(n for n in simulator.installation.nodes if n is not gone),
        )
        await simulator.restart(without)
        await wait_until(lambda: device_of(hass, loaded_entry, gone.mac) is None)
        await hass.async_block_till_done()
        assert dr.async_entries_for_config_entry(registry, other.entry_id) == others_devices
        assert state(hass, others_light) == STATE_ON
        await hass.config_entries.async_unload(other.entry_id)


# --------------------------------------------------------------------- clean removal


def topology_key(entry: MockConfigEntry) -> str:
    return f"{DOMAIN}.{entry.entry_id}.topology"


async def test_deleting_the_entry_deletes_its_topology_cache(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
) -> None:
    assert topology_key(loaded_entry) in hass_storage
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert topology_key(loaded_entry) not in hass_storage
    await wait_until(lambda: simulator.connected_clients == 0)


async def test_deleting_the_entry_and_adding_the_box_again_at_once(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: VBoxSimulator
) -> None:
    """A person deletes the box and adds it straight back: it comes back whole."""
    before = sorted(entry_entity_ids(hass, loaded_entry))
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)

    result = await start_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], box_input(simulator.port)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await wait_until(lambda: entry.state is ConfigEntryState.LOADED)
    await states_read(entry)
    after = sorted(entry_entity_ids(hass, entry))
    assert after == before
    assert all_available(hass, after)()
    assert simulator.connected_clients == 1
    await hass.config_entries.async_unload(entry.entry_id)


async def test_deleting_an_entry_that_is_not_loaded_deletes_its_cache(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    loaded_entry: MockConfigEntry,
) -> None:
    config_entry = loaded_entry
    await hass.config_entries.async_set_disabled_by(config_entry.entry_id, ConfigEntryDisabler.USER)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.NOT_LOADED
    assert topology_key(config_entry) in hass_storage
    assert await hass.config_entries.async_remove(config_entry.entry_id)
    await hass.async_block_till_done()
    assert topology_key(config_entry) not in hass_storage


class Boom(Exception):
    """Something nobody planned for."""


@pytest.mark.parametrize(
    "failing",
    [
        "custom_components.vitrea.vbox.vtu.client.VBoxClient.read_installation",
        "custom_components.vitrea.topology.Topology.async_save",
        "homeassistant.config_entries.ConfigEntries.async_forward_entry_setups",
    ],
)
async def test_setup_failing_with_any_error_leaves_no_connection(
    hass: HomeAssistant,
    *,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    simulator: VBoxSimulator,
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
) -> None:
    async def boom(*args: Any, **kwargs: Any) -> None:
        raise Boom

    monkeypatch.setattr(failing, boom)
    assert not await setup_entry(config_entry)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    # The box's only slot is free again, and nothing of the entry runs on.
    await wait_until(lambda: simulator.connected_clients == 0)
    monkeypatch.undo()
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.LOADED


async def test_device_removal_while_the_entry_is_not_loaded_follows_the_cache(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    loaded_entry: MockConfigEntry,
    simulator: VBoxSimulator,
) -> None:
    """Disabled (or waiting for its box), the entry still knows its nodes from the cache."""
    device_registry = dr.async_get(hass)
    gone = device_registry.async_get_or_create(
        config_entry_id=loaded_entry.entry_id, identifiers={(DOMAIN, "0011223344556677")}
    )
    node = simulator.installation.node(2)
    assert node is not None
    current = node_device(hass, loaded_entry, node.mac)
    await hass.config_entries.async_set_disabled_by(loaded_entry.entry_id, ConfigEntryDisabler.USER)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED

    response = await remove_device(hass, hass_ws_client, current.id)
    assert not response["success"]
    assert response["error"]["code"] != "unknown_error"  # refused, not crashed
    assert device_registry.async_get(current.id) is not None
    response = await remove_device(hass, hass_ws_client, gone.id)
    assert response["success"]
    assert device_registry.async_get(gone.id) is None
