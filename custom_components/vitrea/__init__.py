"""Vitrea for Home Assistant: a vBox installation, local and push-driven."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from . import issues
from .const import DOMAIN
from .coordinator import VitreaConfigEntry, VitreaCoordinator
from .entity import async_name_devices
from .mapping import PLATFORMS
from .protocols import create_client, use_installation
from .services import async_setup_services
from .topology import (
    async_load_cached_installation,
    device_identifiers,
    topology_store,
)
from .vbox import AuthenticationError, BoxBusyError, BoxClient, Installation, VBoxError

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: VitreaConfigEntry) -> bool:
    """Connect, create the entities from the cached topology (or read it first), then
    read every key's state in the background: setup never waits for hundreds of reads.

    Whatever fails, the connection is closed: the box serves one client, and a
    client left behind would hold it (and reconnect) for good.
    """
    client = create_client(dict(entry.data))
    try:
        return await _async_setup(hass, entry, client)
    except BaseException:
        await client.close()
        raise


async def _async_setup(hass: HomeAssistant, entry: VitreaConfigEntry, client: BoxClient) -> bool:
    store = topology_store(hass, entry)
    cached = await async_load_cached_installation(store)
    if cached is not None:
        use_installation(client, cached)
    try:
        await client.connect()
        installation = cached or await client.read_installation(with_states=False)
    except AuthenticationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except VBoxError as err:
        issues.async_connection_failed(hass, entry, err)
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="box_busy" if isinstance(err, BoxBusyError) else "cannot_connect",
            translation_placeholders={"host": client.host},
        ) from err

    issues.async_clear_box_busy(hass, entry)
    coordinator = VitreaCoordinator(hass, entry, client, installation, store)
    entry.runtime_data = coordinator
    coordinator.async_start()  # from now on a drop is noticed
    topology = coordinator.topology
    if cached is None:
        await topology.async_save()
    topology.async_remove_stale_devices()
    topology.async_remove_stale_entities()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Nodes added later may share a room with a node that then needs a longer name.
    entry.async_on_unload(
        topology.async_add_nodes_listener(lambda _nodes: async_name_devices(coordinator))
    )
    # Entities exist already; their states (and, from a cache, any topology change) follow.
    entry.async_create_background_task(
        hass,
        coordinator.async_read_states(topology_read=cached is None),
        "vitrea key states",
    )
    return True


async def async_unload_entry(hass: HomeAssistant, entry: VitreaConfigEntry) -> bool:
    """Unload the platforms; the coordinator then closes the connection."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: VitreaConfigEntry) -> None:
    """The entry is deleted: so is its cached topology."""
    await topology_store(hass, entry).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: VitreaConfigEntry, device: DeviceEntry
) -> bool:
    """Let a person delete a device only when the box no longer has its node.

    An entry that is not loaded (disabled, or waiting for its box) knows its
    nodes from the cached topology; without one there is nothing to keep.
    """
    if entry.state is ConfigEntryState.LOADED:
        installation: Installation | None = entry.runtime_data.installation
    else:
        installation = await async_load_cached_installation(topology_store(hass, entry))
    return not device.identifiers & device_identifiers(entry, installation)
