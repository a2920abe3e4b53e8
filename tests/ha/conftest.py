"""Fixtures and helpers for the HA tests: the real simulator on loopback, fast client timings."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any

import pytest
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
)
from homeassistant.const import (
    ATTR_ENTITY_ID,
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_USERNAME,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_mock_service,
)

from custom_components.vitrea import identity, protocols
from custom_components.vitrea.const import (
    ATTR_MINUTES,
    CONF_PROTOCOL,
    CONF_SHOW_MIRROR_KEYS,
    DOMAIN,
    EVENT_KEY_EVENT,
    SERVICE_TURN_ON_FOR,
)
from custom_components.vitrea.mapping import (
    EntitySpec,
    Kind,
    all_specs,
    compact_mac,
    key_kinds,
)
from custom_components.vitrea.vbox import (
    HostClient,
    Installation,
    LEDBackgroundBrightness,
    LockStatus,
    Protocol,
)
from custom_components.vitrea.vbox.vtu.messages import Message, ToggleKeyStatus, decode
from simulator import PressKind, VBoxSimulator, demo_installation, demo_states
from simulator.homes import demo_ac_states, demo_scenes
from simulator.host_server import HostSimulator

from ..common import FAST as COMMON_FAST
from ..common import (
    PASSWORD,
    USERNAME,
    running_box,
    wait_until,
)

type SetupEntry = Callable[[MockConfigEntry], Awaitable[bool]]
type EntityLookup = Callable[[Kind, int, int | None], str]
type HostLookup = Callable[..., str]
type HostBox = HostSimulator

# The entities that show a key's state (not its presses).
_STATEFUL = frozenset({Kind.DIMMER, Kind.LIGHT, Kind.FAN, Kind.SWITCH, Kind.BOILER, Kind.BLIND})

# A command waits less for a link that is down: the outage tests stay short.
FAST = dataclasses.replace(COMMON_FAST, link_wait=1.0)
# Port 11502 answers a keep-alive; a heartbeat as rare as FAST's never tests the link.
FAST_HOST = dataclasses.replace(FAST, heartbeat_interval=15.0, sweep_idle=0.3, database_timeout=0.5)


def installation_unique_id(installation: Installation) -> str:
    """The config entry unique id of an installation: its lowest node's MAC."""
    return compact_mac(min(installation.nodes, key=lambda n: n.id).mac)


@pytest.fixture(autouse=True)
def _integration_env(
    enable_custom_integrations: None, socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Load custom_components.vitrea, allow loopback sockets, use fast client timings."""
    monkeypatch.setattr(protocols, "CLIENT_CONFIG", FAST)
    monkeypatch.setattr(protocols, "HOST_CLIENT_CONFIG", FAST_HOST)
    monkeypatch.setattr(identity, "DETECT_TIMEOUT", 0.5)


async def start_flow(hass: HomeAssistant, protocol: str = "vtu") -> ConfigFlowResult:
    """A person adds the integration and chooses how to connect: the address form."""
    menu = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert menu["type"] is FlowResultType.MENU
    assert menu["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        menu["flow_id"], {"next_step_id": protocol}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == protocol
    return result


def box_input(port: Any, **overrides: Any) -> dict[str, Any]:
    """The settings of a simulated box as a person enters them: loopback, the demo login."""
    return {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: port,
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: PASSWORD,
        **overrides,
    }


def box_entry(
    simulator: VBoxSimulator, *, host: str = "127.0.0.1", **options: Any
) -> MockConfigEntry:
    """A config entry (not yet added) for a simulated box, with the demo login."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Vitrea",
        unique_id=installation_unique_id(simulator.installation),
        data=box_input(simulator.port, **{CONF_HOST: host}),
        **options,
    )


@pytest.fixture
async def simulator() -> AsyncIterator[VBoxSimulator]:
    """The demo home, served on a free loopback port."""
    async with running_box(demo_installation(), demo_states()) as sim:
        yield sim


@pytest.fixture
async def host_box(simulator: VBoxSimulator) -> AsyncIterator[HostSimulator]:
    """Port 11502 of the demo box: the same home and key states as ``simulator``,
    with its ACs and scenarios."""
    host = HostSimulator(simulator, ac_states=demo_ac_states(), scenes=demo_scenes())
    await host.start()
    try:
        yield host
    finally:
        await host.stop()


async def read_host_installation(host_box: HostSimulator) -> Installation:
    """The installation as port 11502 reports it, read by the library's own client."""
    client = HostClient("127.0.0.1", host_box.port, config=FAST_HOST)
    await client.connect()
    try:
        return await client.read_installation(with_states=False)
    finally:
        await client.close()


def cache_topology(
    hass_storage: dict[str, Any], entry: ConfigEntry, installation: Installation
) -> None:
    """Store ``installation`` as the entry's cached topology."""
    key = f"{DOMAIN}.{entry.entry_id}.topology"
    hass_storage[key] = {"version": 1, "key": key, "data": installation.to_dict()}


def host_entry(host_box: HostSimulator) -> MockConfigEntry:
    """A config entry (not yet added) for port 11502 of a simulated box."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Vitrea",
        unique_id="host-0123456789ab",
        data={CONF_HOST: "127.0.0.1", CONF_PORT: host_box.port, CONF_PROTOCOL: "host"},
        options={CONF_SHOW_MIRROR_KEYS: False},
    )


@pytest.fixture
async def host_loaded(
    hass: HomeAssistant, host_box: HostSimulator, setup_entry: SetupEntry
) -> MockConfigEntry:
    """The demo home set up in Home Assistant through port 11502."""
    entry = host_entry(host_box)
    assert await setup_entry(entry)
    assert entry.state is ConfigEntryState.LOADED
    return entry


@pytest.fixture
def host_entity(hass: HomeAssistant, host_loaded: MockConfigEntry) -> HostLookup:
    """Entity ids of a port-11502 entry's keys: ``host_entity(kind, node, key)``."""

    def lookup(kind: Kind, node_id: int, key_id: int | None = None) -> str:
        installation = host_loaded.runtime_data.installation
        return entity_id(
            hass, installation, kind, node_id, key_id, installation_id=host_loaded.unique_id
        )

    return lookup


@pytest.fixture
def host_ac(hass: HomeAssistant, host_loaded: MockConfigEntry) -> HostLookup:
    """The climate entity id of an AC of a port-11502 entry: ``host_ac(ac_id)``."""
    return partial(_unit_entity, hass, "climate", f"{host_loaded.unique_id}-ac")


@pytest.fixture
def host_scenario(hass: HomeAssistant, host_loaded: MockConfigEntry) -> HostLookup:
    """The scene entity id of a scenario of a port-11502 entry: ``host_scenario(id)``."""
    return partial(_unit_entity, hass, "scene", f"{host_loaded.unique_id}-scenario")


def _unit_entity(hass: HomeAssistant, platform: str, prefix: str, number: int) -> str:
    found = er.async_get(hass).async_get_entity_id(platform, DOMAIN, f"{prefix}{number}")
    assert found is not None, f"no {platform} entity {prefix}{number}"
    return found


@pytest.fixture
def config_entry(simulator: VBoxSimulator) -> MockConfigEntry:
    """The demo home's config entry, not yet added to Home Assistant."""
    return box_entry(simulator)


@pytest.fixture
async def setup_entry(
    hass: HomeAssistant,
) -> AsyncIterator[SetupEntry]:
    """Set up entries; whatever is still loaded is unloaded at the end (no task left)."""
    entries: list[MockConfigEntry] = []

    async def setup(entry: MockConfigEntry) -> bool:
        if entry not in entries:
            entry.add_to_hass(hass)
            entries.append(entry)
        result = await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        if entry.state is ConfigEntryState.LOADED:
            await states_read(entry)
        return result

    yield setup
    for entry in entries:
        if entry.state is ConfigEntryState.LOADED:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def states_read(entry: ConfigEntry) -> None:
    """Wait for the background read of every key's state that follows a setup."""
    coordinator = entry.runtime_data
    installation = coordinator.installation
    keys = set(installation.active_keys())
    if installation.protocol is Protocol.HOST:
        # Port 11502 reports a satellite or push button by its last press, not a
        # state, and a key type with no entity maybe not at all.
        keys = {
            (node.id, key.id)
            for node in installation.nodes
            for key in node.keys
            if _STATEFUL.intersection(key_kinds(key, show_mirror_keys=True))
        }
    await wait_until(lambda: keys <= set(coordinator.data) or not coordinator.client.connected)


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
) -> MockConfigEntry:
    """The demo home set up in Home Assistant."""
    assert await setup_entry(config_entry)
    assert config_entry.state is ConfigEntryState.LOADED
    return config_entry


@pytest.fixture
def demo_entity(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> EntityLookup:
    """Look up entity ids in the demo home once it is set up: ``demo_entity(kind, node, key)``."""
    return partial(entity_id, hass, simulator.installation)


@pytest.fixture
def boiler(demo_entity: EntityLookup) -> str:
    """The water boiler (node 16 key 0): off in the demo."""
    return demo_entity(Kind.BOILER, 16, 0)


def entity_id(
    hass: HomeAssistant,
    installation: Installation,
    kind: Kind,
    node_id: int,
    key_id: int | None = None,
    *,
    installation_id: str | None = None,
) -> str:
    """The entity id HA gave to the entity of ``kind`` of a node (or one of its keys)."""
    node = installation.node(node_id)
    assert node is not None, f"no node {node_id}"
    key = node.key(key_id) if key_id is not None else None
    spec = EntitySpec(kind, node, key, installation_id)
    found = er.async_get(hass).async_get_entity_id(spec.platform, DOMAIN, spec.unique_id)
    assert found is not None, f"no {kind} entity for node {node_id} key {key_id}"
    return found


def state(hass: HomeAssistant, entity: str) -> str | None:
    """An entity's state string; None while it has no state."""
    current = hass.states.get(entity)
    return current.state if current else None


def all_unavailable(hass: HomeAssistant, entity_ids: list[str]) -> Callable[[], bool]:
    """A condition: every one of the entities is unavailable."""
    return lambda: all(state(hass, e) == STATE_UNAVAILABLE for e in entity_ids)


def all_available(hass: HomeAssistant, entity_ids: list[str]) -> Callable[[], bool]:
    """A condition: every one of the entities has a state, and none is unavailable."""
    return lambda: all(state(hass, e) not in (None, STATE_UNAVAILABLE) for e in entity_ids)


def sent(simulator: VBoxSimulator, kind: type[Message] = ToggleKeyStatus) -> list[Any]:
    """The requests of one type the box received, decoded."""
    messages = (decode(frame, simulator.layout) for frame in simulator.received)
    return [message for message in messages if isinstance(message, kind)]


def keypad_settings(
    simulator: VBoxSimulator, node_id: int
) -> tuple[LockStatus, LEDBackgroundBrightness]:
    """The child lock and backlight level the box holds for a keypad."""
    node = simulator.installation.node(node_id)
    assert node is not None, f"no node {node_id}"
    return node.lock, node.led_level


async def call_service(
    hass: HomeAssistant, domain: str, service: str, entity: str, **data: Any
) -> None:
    """Call a service on one entity and wait for it to finish."""
    await hass.services.async_call(domain, service, {ATTR_ENTITY_ID: entity, **data}, blocking=True)


async def turn_on_for(hass: HomeAssistant, entity: str, minutes: Any) -> None:
    """Call vitrea.turn_on_for on one entity."""
    await call_service(hass, DOMAIN, SERVICE_TURN_ON_FOR, entity, **{ATTR_MINUTES: minutes})


def entry_entity_ids(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    """The entity ids of every registry entry of the config entry."""
    return [
        e.entity_id for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    ]


def entry_entities(hass: HomeAssistant, entry: MockConfigEntry) -> set[tuple[str, str]]:
    """(platform, unique id) of every registry entry of the config entry."""
    return {
        (entity.domain, entity.unique_id)
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }


def expected_entities(
    installation: Installation,
    *,
    show_mirror_keys: bool = False,
    installation_id: str | None = None,
) -> set[tuple[str, str]]:
    """(platform, unique id) of every entity the mapping makes of an installation."""
    return {
        (str(spec.platform), spec.unique_id)
        for spec in all_specs(
            installation, show_mirror_keys=show_mirror_keys, installation_id=installation_id
        )
    }


def device_of(hass: HomeAssistant, entry: ConfigEntry, mac: str) -> dr.DeviceEntry | None:
    """The device of the node with this MAC, if the config entry has one."""
    return dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, compact_mac(mac)), entry.entry_id
    )


@pytest.fixture
def automation_calls(hass: HomeAssistant) -> list[ServiceCall]:
    """What the automations of a test did: their actions call ``test.automation``."""
    return async_mock_service(hass, "test", "automation")


async def press_one_by_one(
    simulator: VBoxSimulator, calls: list[ServiceCall], *presses: tuple[int, int, PressKind]
) -> None:
    """Press keys on the wall, each once the automation has run for the one before."""
    for node_id, key_id, kind in presses:
        before = len(calls)
        await simulator.press_key(node_id, key_id, kind)
        await wait_until(lambda before=before: len(calls) > before)


async def all_presses_handled(hass: HomeAssistant, simulator: VBoxSimulator) -> None:
    """Press a key no test watches (the entrance light), and wait for it.

    The box's pushes come in order over one connection: once this one is handled,
    every press before it has been, and whatever it triggered has run.
    """
    seen = async_capture_events(hass, EVENT_KEY_EVENT)
    await simulator.press_key(1, 0, PressKind.SHORT)
    await wait_until(lambda: any((e.data["node"], e.data["key"]) == (1, 0) for e in seen))
    await hass.async_block_till_done()
