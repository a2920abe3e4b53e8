"""The installation's topology: cached in a Store, re-read from the box, changes applied.

The topology (rooms, nodes, keys) is cached so that a restart creates every entity
at once; it is re-read in the background (cheaply after a reconnect: node list and
metadata) and the differences are applied: new nodes get entities, removed nodes
lose their device, and a node whose keys changed makes the entry reload (as does
a change of the air conditioners or scenarios of an installation on port 11502).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.storage import Store

from .const import (
    CONF_SHOW_MIRROR_KEYS,
    DEFAULT_SHOW_MIRROR_KEYS,
    DOMAIN,
    LOGGER,
    MANUFACTURER,
    STORAGE_VERSION,
)
from .mapping import all_specs, node_uid
from .node_settings import NodeSettingsTracker
from .vbox import (
    AirConditioner,
    BoxClient,
    Installation,
    InstallationFormatError,
    Node,
    VBoxError,
    active_keys,
)

type NodesListener = Callable[[list[Node]], None]


def topology_store(hass: HomeAssistant, entry: ConfigEntry) -> Store[dict[str, Any]]:
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.topology")


async def async_load_cached_installation(
    store: Store[dict[str, Any]],
) -> Installation | None:
    """The cached topology, or None when there is none or it cannot be read."""
    try:
        data = await store.async_load()
    except (HomeAssistantError, NotImplementedError) as err:
        # A newer release's format (after a downgrade) or an older one without migration.
        LOGGER.warning("Ignoring the cached Vitrea topology: %r", err)
        return None
    if data is None:
        return None
    try:
        return Installation.from_dict(data)
    except InstallationFormatError as err:
        LOGGER.warning("Ignoring the cached Vitrea topology: %s", err)
        return None


def controller_identifier(entry: ConfigEntry) -> tuple[str, str]:
    return (DOMAIN, f"vbox-{entry.unique_id}")


def node_identifier(entry: ConfigEntry, node: Node) -> tuple[str, str]:
    return (DOMAIN, node_uid(node, entry.unique_id))


def ac_identifier(entry: ConfigEntry, ac: AirConditioner) -> tuple[str, str]:
    """An air conditioner's own device (port 11502): the entry's id and the AC's number."""
    return (DOMAIN, f"{entry.unique_id}-ac{ac.id}")


def device_identifiers(
    entry: ConfigEntry, installation: Installation | None
) -> set[tuple[str, str]]:
    """The identifiers of every device the installation calls for, the vBox's among them."""
    current = {controller_identifier(entry)}
    if installation is not None:
        current.update(node_identifier(entry, n) for n in installation.nodes)
        current.update(ac_identifier(entry, ac) for ac in installation.air_conditioners)
    return current


class Topology:
    """The installation in use, its cache, and the devices and entities made of it."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: BoxClient,
        installation: Installation,
        store: Store[dict[str, Any]],
        *,
        settings: NodeSettingsTracker,
        on_change: Callable[[], None],
    ) -> None:
        self._hass = hass
        self._entry = entry
        self._client = client
        self.installation = installation
        self._store = store
        self._settings = settings
        self._on_change = on_change  # shows what a fresh read changed to the entities
        # Until a full topology read succeeded (a warm start's may fail), a reconnect
        # reads it all again; afterwards the cheap check suffices.
        self.verified = False
        self._nodes_listeners: list[NodesListener] = []
        self.controller_device_id = self._register_controller()

    @property
    def show_mirror_keys(self) -> bool:
        return bool(self._entry.options.get(CONF_SHOW_MIRROR_KEYS, DEFAULT_SHOW_MIRROR_KEYS))

    async def async_save(self) -> None:
        await self._store.async_save(self.installation.to_dict())

    async def async_refresh(self) -> None:
        """Read the topology again and apply what changed; runs in the background.

        A full read until one succeeded; after that, the cheap check of the node
        list and each node's metadata (what a reconnect needs to notice).
        """
        started = self._settings.changes
        try:
            if self.verified:
                fresh = await self._client.check_installation(self.installation)
            else:
                fresh = await self._client.read_installation(with_states=False)
        except VBoxError as err:
            # Tried again on the next reconnect; the topology known stays in use.
            LOGGER.debug("Could not refresh the Vitrea topology: %s", err)
            return
        self.verified = True
        await self._async_apply(fresh, settings_since=started)

    async def _async_apply(self, fresh: Installation, *, settings_since: int) -> None:
        old = self.installation
        uid = self._entry.unique_id
        old_by_uid = {node_uid(n, uid): n for n in old.nodes}
        fresh_uids = {node_uid(n, uid) for n in fresh.nodes}
        self.installation = fresh
        self._settings.apply_installation(fresh, since=settings_since)
        await self.async_save()
        if any(
            (old_node := old_by_uid.get(node_uid(n, uid))) is not None
            and _shape(n, fresh) != _shape(old_node, old)
            for n in fresh.nodes
        ) or (fresh.air_conditioners, fresh.scenarios) != (old.air_conditioners, old.scenarios):
            LOGGER.info("The Vitrea installation changed; reloading its entities")
            self._hass.config_entries.async_schedule_reload(self._entry.entry_id)
            return
        removed = [n for n in old.nodes if node_uid(n, uid) not in fresh_uids]
        added = [n for n in fresh.nodes if node_uid(n, uid) not in old_by_uid]
        if removed:
            self._client.untrack_keys(active_keys(removed))
            self.async_remove_stale_devices()
        if added:
            LOGGER.info("New Vitrea nodes found: %s", ", ".join(str(n.id) for n in added))
            for listener in list(self._nodes_listeners):
                listener(added)
            try:
                await self._client.read_key_states(active_keys(added))
            except VBoxError as err:
                # Their keys are tracked now: the client reads them when it is back.
                LOGGER.debug("Could not read the states of the new nodes: %s", err)
        self._on_change()

    def _register_controller(self) -> str:
        """The vBox itself: the device every node's device is connected through."""
        return (
            dr.async_get(self._hass)
            .async_get_or_create(
                config_entry_id=self._entry.entry_id,
                identifiers={controller_identifier(self._entry)},
                manufacturer=MANUFACTURER,
                model="vBox",
                sw_version=self.installation.firmware or None,
                translation_key="controller",
            )
            .id
        )

    @callback
    def async_remove_stale_devices(self) -> None:
        """Detach devices of nodes the box no longer has, and entities nobody provides."""
        device_registry = dr.async_get(self._hass)
        current = device_identifiers(self._entry, self.installation)
        entry_id = self._entry.entry_id
        for device in dr.async_entries_for_config_entry(device_registry, entry_id):
            if not device.identifiers & current:
                LOGGER.info("Removing the Vitrea device %s: gone from the box", device.name)
                # A device belongs to one config entry: removing it removes its entities.
                device_registry.async_remove_device(device.id)

    @callback
    def async_remove_stale_entities(self) -> None:
        """Remove registry entries of this entry that the mapping no longer provides."""
        expected = {
            (spec.platform, spec.unique_id)
            for spec in all_specs(
                self.installation,
                show_mirror_keys=self.show_mirror_keys,
                installation_id=self._entry.unique_id,
            )
        }
        entity_registry = er.async_get(self._hass)
        for entity in er.async_entries_for_config_entry(entity_registry, self._entry.entry_id):
            if (entity.domain, entity.unique_id) not in expected:
                entity_registry.async_remove(entity.entity_id)

    @callback
    def async_add_nodes_listener(self, listener: NodesListener) -> Callable[[], None]:
        """Call ``listener`` with the nodes the box gained after setup."""
        self._nodes_listeners.append(listener)
        return lambda: self._nodes_listeners.remove(listener)

    def node_device_id(self, node: Node) -> str | None:
        # Identifiers are unique per config entry only: look the device up in ours.
        device = dr.async_get(self._hass).async_get_device_by_identifier(
            node_identifier(self._entry, node), self._entry.entry_id
        )
        return device.id if device else None


def _shape(node: Node, installation: Installation) -> tuple[Any, ...]:
    """What entities and devices are built from (not the settings that change at run time)."""
    room = installation.room(node.room_id)
    return (node.id, node.model, node.firmware, node.keys, room.name if room else None)
