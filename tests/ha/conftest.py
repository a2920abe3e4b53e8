"""Fixtures for the Home Assistant tests: the real simulator on loopback, fast client timings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.vitrea import coordinator
from custom_components.vitrea.const import DOMAIN
from custom_components.vitrea.mapping import EntitySpec, Kind, compact_mac
from custom_components.vitrea.vbox.client import ClientConfig
from custom_components.vitrea.vbox.installation import Installation
from custom_components.vitrea.vbox.simulator import VBoxSimulator, demo_installation, demo_states

USERNAME = "admin"
PASSWORD = "s3cret-pass"

type SetupEntry = Callable[[MockConfigEntry], Awaitable[bool]]

# Timings short enough for tests, long enough for a loaded CI machine.
FAST = ClientConfig(
    connect_timeout=2.0,
    request_timeout=0.5,
    max_retries=1,
    heartbeat_interval=30.0,
    reconnect_initial=0.05,
    reconnect_max=0.2,
    link_wait=1.0,
)


def installation_unique_id(installation: Installation) -> str:
    """The config entry unique id of an installation: its lowest node's MAC."""
    return compact_mac(min(installation.nodes, key=lambda n: n.id).mac)


@pytest.fixture(autouse=True)
def _integration_env(
    enable_custom_integrations: None, socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Load custom_components.vitrea, allow loopback sockets, use fast client timings."""
    monkeypatch.setattr(coordinator, "CLIENT_CONFIG", FAST)


@pytest.fixture
async def simulator() -> AsyncIterator[VBoxSimulator]:
    """The demo home, served on a free loopback port."""
    sim = VBoxSimulator(
        demo_installation(), username=USERNAME, password=PASSWORD, states=demo_states()
    )
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
def config_entry(simulator: VBoxSimulator) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="Vitrea",
        unique_id=installation_unique_id(simulator.installation),
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: simulator.port,
            CONF_USERNAME: USERNAME,
            CONF_PASSWORD: PASSWORD,
        },
    )


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
        return result

    yield setup
    for entry in entries:
        if entry.state is ConfigEntryState.LOADED:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


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


def entity_id(
    hass: HomeAssistant,
    installation: Installation,
    kind: Kind,
    node_id: int,
    key_id: int | None = None,
) -> str:
    """The entity id HA gave to the entity of ``kind`` of a node (or one of its keys)."""
    node = installation.node(node_id)
    assert node is not None, f"no node {node_id}"
    key = node.key(key_id) if key_id is not None else None
    spec = EntitySpec(kind, node, key)
    found = er.async_get(hass).async_get_entity_id(spec.platform, DOMAIN, spec.unique_id)
    assert found is not None, f"no {kind} entity for node {node_id} key {key_id}"
    return found


async def wait_until(predicate: Callable[[], bool], timeout: float = 5) -> None:
    """Poll a condition that a push or a background task will make true."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)
