"""A box added on its integration port (11502): the flow, its keys, scenarios, diagnostics.

The simulator serves the demo home on both ports at once; what is done through one
is seen through the other.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.components.cover import (
    ATTR_CURRENT_POSITION,
    ATTR_POSITION,
    SERVICE_SET_COVER_POSITION,
)
from homeassistant.components.cover import DOMAIN as COVER_DOMAIN
from homeassistant.components.light import ATTR_BRIGHTNESS
from homeassistant.components.light import DOMAIN as LIGHT_DOMAIN
from homeassistant.components.scene import DOMAIN as SCENE_DOMAIN
from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    CONF_HOST,
    CONF_PORT,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.vitrea.const import (
    CONF_PROTOCOL,
    CONF_SHOW_MIRROR_KEYS,
    DOMAIN,
    EVENT_KEY_EVENT,
)
from custom_components.vitrea.identity import host_installation_id
from custom_components.vitrea.mapping import Kind
from custom_components.vitrea.vbox import (
    ACType,
    AirConditioner,
    HostClient,
    Installation,
    KeyPowerStatus,
    Protocol,
    Scenario,
)
from custom_components.vitrea.vbox.host.vth import VTHCommand
from simulator import PressKind, VBoxSimulator
from simulator.host_server import HostSimulator

from .conftest import (
    HostBox,
    HostLookup,
    SetupEntry,
    cache_topology,
    call_service,
    entry_entities,
    expected_entities,
    host_entry,
    read_host_installation,
    running_box,
    start_flow,
    state,
    turn_on_for,
    wait_until,
)

ON, OFF = KeyPowerStatus.ON, KeyPowerStatus.OFF


@pytest.fixture
def mock_setup_entry() -> Any:
    with patch("custom_components.vitrea.async_setup_entry", return_value=True) as mock:
        yield mock


def host_input(port: int) -> dict[str, Any]:
    return {CONF_HOST: "127.0.0.1", CONF_PORT: port}


# --------------------------------------------------------------------- the flow


async def test_adding_a_box_on_the_integration_port(
    hass: HomeAssistant, host_box: HostBox, mock_setup_entry: AsyncMock
) -> None:
    result = await start_flow(hass, "host")
    # The port field starts at the integration port; no credentials are asked.
    schema = result["data_schema"]
    assert schema is not None
    assert schema({CONF_HOST: "h"}) == {CONF_HOST: "h", CONF_PORT: 11502}

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], host_input(host_box.port)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {**host_input(host_box.port), CONF_PROTOCOL: "host"}
    entry = result["result"]
    assert entry.unique_id.startswith("host-")
    assert entry.unique_id == host_installation_id(await read_host_installation(host_box))
    await wait_until(lambda: host_box.connected_clients == 0)


async def test_the_app_port_chosen_for_the_integration_port_says_so(
    hass: HomeAssistant, host_box: HostBox, simulator: VBoxSimulator
) -> None:
    result = await start_flow(hass, "vtu")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**host_input(host_box.port), "username": "a", "password": "b"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "port_speaks_host"}

    result = await start_flow(hass, "host")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], host_input(simulator.port)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "port_speaks_vtu"}
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_nothing_listening_on_the_integration_port(
    hass: HomeAssistant, host_box: HostBox, mock_setup_entry: AsyncMock
) -> None:
    port = host_box.port
    await host_box.stop()
    result = await start_flow(hass, "host")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], host_input(port))
    assert result["errors"] == {"base": "cannot_connect"}


async def test_a_box_without_keypads_then_an_unexpected_error(
    hass: HomeAssistant, mock_setup_entry: AsyncMock, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_box(Installation()) as empty:
        port_11502 = HostSimulator(empty)
        await port_11502.start()
        try:
            result = await start_flow(hass, "host")
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], host_input(port_11502.port)
            )
            assert result["errors"] == {"base": "no_nodes"}

            with patch.object(HostClient, "read_installation", side_effect=RuntimeError("boom")):
                result = await hass.config_entries.flow.async_configure(
                    result["flow_id"], host_input(port_11502.port)
                )
            assert result["errors"] == {"base": "unknown"}
            assert "boom" in caplog.text
            await wait_until(lambda: port_11502.connected_clients == 0)
        finally:
            await port_11502.stop()
    assert hass.config_entries.async_entries(DOMAIN) == []


async def test_reconfigure_a_loaded_entry_at_its_own_address(
    hass: HomeAssistant, host_box: HostBox, host_loaded: MockConfigEntry
) -> None:
    """Its running connection knows the installation; no test connection is needed."""
    installation = host_loaded.runtime_data.installation
    hass.config_entries.async_update_entry(
        host_loaded, unique_id=host_installation_id(installation)
    )
    result = await host_loaded.start_reconfigure_flow(hass)
    schema = result["data_schema"]
    assert schema is not None
    assert schema({CONF_HOST: "h"})[CONF_PORT] == 11502
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], host_input(host_box.port)
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert host_loaded.state is ConfigEntryState.LOADED


async def test_adding_the_same_installation_again_updates_its_address(
    hass: HomeAssistant, host_box: HostBox, mock_setup_entry: AsyncMock
) -> None:
    installation_id = host_installation_id(await read_host_installation(host_box))
    old = MockConfigEntry(
        domain=DOMAIN,
        unique_id=installation_id,
        data={**host_input(1), CONF_PROTOCOL: "host"},
    )
    old.add_to_hass(hass)
    result = await start_flow(hass, "host")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], host_input(host_box.port)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert old.data[CONF_PORT] == host_box.port


async def test_reconfigure_accepts_the_box_with_a_keypad_more(
    hass: HomeAssistant,
    host_box: HostBox,
    mock_setup_entry: AsyncMock,
    hass_storage: dict[str, Any],
) -> None:
    """The installation id changes with a keypad added; half the keypads known suffice."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="host-000000000000", data={**host_input(1), CONF_PROTOCOL: "host"}
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    # Nothing cached: an installation whose id differs is another one.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], host_input(host_box.port)
    )
    assert result["reason"] == "wrong_installation"

    home = await read_host_installation(host_box)
    half = len(home.nodes) // 2
    # The entry knew half of today's keypads and two the box no longer has.
    known = (*home.nodes[:half], replace(home.nodes[0], id=900), replace(home.nodes[0], id=901))

    # Fewer than half of the keypads it knew: another installation.
    cache_topology(hass_storage, entry, replace(home, nodes=known[:1] + known[half:]))
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], host_input(host_box.port)
    )
    assert result["reason"] == "wrong_installation"

    cache_topology(hass_storage, entry, replace(home, nodes=known))
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], host_input(host_box.port)
    )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PORT] == host_box.port
    assert entry.unique_id == "host-000000000000"  # entities keep their ids


# --------------------------------------------------------------------- set up


async def test_every_key_ac_and_scenario_has_its_entity(
    hass: HomeAssistant, host_loaded: MockConfigEntry
) -> None:
    installation = host_loaded.runtime_data.installation
    assert installation.protocol is Protocol.HOST
    expected = expected_entities(installation, installation_id=host_loaded.unique_id)
    assert entry_entities(hass, host_loaded) == expected
    kinds = {platform for platform, _ in expected}
    assert {"climate", "scene", "light", "cover", "switch", "event"} <= kinds
    # No keypad settings: port 11502 has no command for them.
    assert not [uid for _, uid in expected if uid.endswith(("led_level", "child_lock"))]


async def test_lights_dimmers_and_blinds_work_through_port_11502(
    hass: HomeAssistant, simulator: VBoxSimulator, host_entity: HostLookup
) -> None:
    # Port 11502 gives a toggle no category: the entrance light is a switch there.
    entrance = host_entity(Kind.SWITCH, 1, 0)
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_OFF, entrance)
    await wait_until(lambda: simulator.key_state(1, 0).status is OFF)
    await wait_until(lambda: state(hass, entrance) == STATE_OFF)
    await call_service(hass, SWITCH_DOMAIN, SERVICE_TURN_ON, entrance)
    await wait_until(lambda: simulator.key_state(1, 0).status is ON)
    await wait_until(lambda: state(hass, entrance) == STATE_ON)

    dimmer = host_entity(Kind.DIMMER, 2, 0)
    await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_ON, dimmer, **{ATTR_BRIGHTNESS: 51})
    await wait_until(lambda: simulator.key_state(2, 0).level == 20)
    await wait_until(lambda: hass.states.get(dimmer).attributes[ATTR_BRIGHTNESS] == 51)

    blind = host_entity(Kind.BLIND, 3, 0)
    await call_service(hass, COVER_DOMAIN, SERVICE_SET_COVER_POSITION, blind, **{ATTR_POSITION: 70})
    await wait_until(lambda: simulator.key_state(3, 0).level == 70)
    await wait_until(lambda: hass.states.get(blind).attributes[ATTR_CURRENT_POSITION] == 70)


async def test_boiler_runs_for_the_minutes_asked(
    hass: HomeAssistant, simulator: VBoxSimulator, host_entity: HostLookup
) -> None:
    boiler = host_entity(Kind.BOILER, 16, 0)
    await turn_on_for(hass, boiler, 45)
    await wait_until(lambda: simulator.key_state(16, 0).status is ON)
    assert simulator.key_state(16, 0).timer == 45
    await wait_until(lambda: state(hass, boiler) == STATE_ON)


async def test_a_change_on_the_wall_is_pushed_through_port_11502(
    hass: HomeAssistant, simulator: VBoxSimulator, host_entity: HostLookup
) -> None:
    dimmer = host_entity(Kind.DIMMER, 2, 1)
    await simulator.set_key_state(2, 1, ON, level=40)
    await wait_until(lambda: state(hass, dimmer) == STATE_ON)


async def test_wall_presses_reach_the_event_entity_and_the_bus(
    hass: HomeAssistant, simulator: VBoxSimulator, host_entity: HostLookup
) -> None:
    presses = host_entity(Kind.PRESSES, 8, 3)
    events = async_capture_events(hass, EVENT_KEY_EVENT)
    await simulator.press_key(8, 3, PressKind.SHORT)
    await wait_until(lambda: len(events) == 1)
    assert (events[0].data["node"], events[0].data["key"]) == (8, 3)
    assert events[0].data["action"] == "short"
    await wait_until(lambda: hass.states.get(presses).attributes["event_type"] == "press_end")


async def test_a_restart_uses_the_cached_topology(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    host_loaded: MockConfigEntry,
    setup_entry: SetupEntry,
    host_entity: HostLookup,
) -> None:
    """Set up again from the cache, the client knows each key's type before any read:
    a dimmer's command is worded as a dimmer's, and the ACs' states are read."""
    before = entry_entities(hass, host_loaded)
    await hass.config_entries.async_unload(host_loaded.entry_id)
    assert await setup_entry(host_loaded)
    assert entry_entities(hass, host_loaded) == before
    dimmer = host_entity(Kind.DIMMER, 2, 1)
    await call_service(hass, LIGHT_DOMAIN, SERVICE_TURN_ON, dimmer, **{ATTR_BRIGHTNESS: 128})
    await wait_until(lambda: simulator.key_state(2, 1).level == 50)
    assert host_loaded.runtime_data.client.ac_states[1].setpoint == 24


async def test_options_of_a_host_entry(hass: HomeAssistant, host_loaded: MockConfigEntry) -> None:
    """Multi-way blinds exist on 11502 too: the option shows them."""
    mirrors = [uid for platform, uid in entry_entities(hass, host_loaded) if platform == "cover"]
    result = await hass.config_entries.options.async_init(host_loaded.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SHOW_MIRROR_KEYS: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    await wait_until(lambda: host_loaded.state is ConfigEntryState.LOADED)
    covers = [uid for platform, uid in entry_entities(hass, host_loaded) if platform == "cover"]
    assert len(covers) > len(mirrors)


async def test_an_ac_and_a_scenario_added_on_the_box_appear(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    host_box: HostBox,
    host_loaded: MockConfigEntry,
) -> None:
    """A box is reprogrammed by restarting it: the reconnect finds the new AC and
    scenario, and the entry reloads with their entities. Unnamed, they are named
    after their number."""
    home = simulator.installation
    await simulator.restart(
        replace(
            home,
            air_conditioners=(*home.air_conditioners, AirConditioner(8, "", ACType.TYPE_1)),
            scenarios=(*home.scenarios, Scenario(20, "")),
        )
    )
    await host_box.drop_connections()
    registry = er.async_get(hass)
    uid = host_loaded.unique_id

    def added() -> tuple[str | None, str | None]:
        return (
            registry.async_get_entity_id("climate", DOMAIN, f"{uid}-ac8"),
            registry.async_get_entity_id(SCENE_DOMAIN, DOMAIN, f"{uid}-scenario20"),
        )

    await wait_until(lambda: None not in added(), timeout=15)
    await wait_until(lambda: host_loaded.state is ConfigEntryState.LOADED)
    await hass.async_block_till_done()
    ac, scenario = added()
    assert ac is not None
    assert scenario is not None
    ac_state = hass.states.get(ac)
    scenario_state = hass.states.get(scenario)
    assert ac_state is not None
    assert scenario_state is not None
    assert ac_state.name == "Air conditioner 8"
    assert scenario_state.name == "Scenario 20"


# --------------------------------------------------------------------- scenarios


async def test_activating_a_scenario_runs_it_on_the_box(
    hass: HomeAssistant, simulator: VBoxSimulator, host_scenario: HostLookup
) -> None:
    leaving = host_scenario(1)  # everything off
    await call_service(hass, SCENE_DOMAIN, SERVICE_TURN_ON, leaving)
    await wait_until(lambda: simulator.key_state(2, 0).status is OFF)
    assert simulator.key_state(1, 0).status is OFF
    entity = er.async_get(hass).async_get(leaving)
    assert entity is not None
    assert entity.unique_id.endswith("-scenario1")


async def test_a_scenario_the_box_refuses_is_an_error(
    hass: HomeAssistant,
    host_box: HostBox,
    setup_entry: SetupEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A scenario in the cached topology that the box no longer has answers ERROR."""
    entry = host_entry(host_box)
    home = await read_host_installation(host_box)
    cache_topology(
        hass_storage, entry, replace(home, scenarios=(*home.scenarios, Scenario(99, "Gone")))
    )
    # The database's keypad list comes garbled: the cached topology stays in use.
    host_box.malform_replies(count=None, command=VTHCommand.KEYPAD_NUMBERS)
    assert await setup_entry(entry)
    gone = er.async_get(hass).async_get_entity_id(
        SCENE_DOMAIN, DOMAIN, f"{entry.unique_id}-scenario99"
    )
    assert gone is not None
    with pytest.raises(HomeAssistantError) as failure:
        await call_service(hass, SCENE_DOMAIN, SERVICE_TURN_ON, gone)
    assert failure.value.translation_key == "command_rejected"
    assert entry.runtime_data.installation.scenario(99) is not None  # no reload meanwhile


# --------------------------------------------------------------------- diagnostics


async def test_diagnostics_of_a_host_entry(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    host_loaded: MockConfigEntry,
) -> None:
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, host_loaded)
    assert "127.0.0.1" not in str(diagnostics)
    connection = diagnostics["connection"]
    assert connection["protocol"] == "host"
    assert connection["firmware"]
    assert connection["protocol_version"] is None
    acs = {ac["ac"]: ac for ac in diagnostics["ac_states"]}
    assert acs[1]["mode"] == "COOL"
    assert acs[1]["setpoint"] == 24
    assert {s["id"] for s in diagnostics["installation"]["scenarios"]} >= {1, 2}
    assert diagnostics["installation"]["protocol"] == "host"


async def test_unload_closes_the_connection(
    hass: HomeAssistant, host_box: HostBox, host_loaded: MockConfigEntry
) -> None:
    assert host_box.connected_clients == 1
    await hass.config_entries.async_unload(host_loaded.entry_id)
    assert host_loaded.state is ConfigEntryState.NOT_LOADED
    await wait_until(lambda: host_box.connected_clients == 0)
