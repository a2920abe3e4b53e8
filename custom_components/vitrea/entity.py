"""Base entities: one device per node (and per AC), state from the push coordinator."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import MANUFACTURER
from .coordinator import VitreaConfigEntry, VitreaCoordinator
from .mapping import (
    EntitySpec,
    Kind,
    UnitSpec,
    device_name,
    named_after_key,
    node_specs,
    numbered,
    room_name,
    unit_specs,
)
from .node_settings import NodeSettings
from .topology import node_identifier
from .vbox import Key, KeyPowerStatus, KeyStatus, Node, Protocol

# Relays are switched on with level 100, as the client proven on real boxes does.
FULL_LEVEL = 100

type EntityFactory = Callable[[VitreaCoordinator, EntitySpec], Entity]


def async_setup_platform_entities(
    entry: VitreaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    factories: Mapping[Kind, EntityFactory],
) -> None:
    """Add a platform's entities for every node, now and when the box gains nodes."""
    coordinator = entry.runtime_data
    show_mirror_keys = coordinator.show_mirror_keys

    @callback
    def add(nodes: list[Node]) -> None:
        async_add_entities(
            factories[spec.kind](coordinator, spec)
            for node in nodes
            for spec in node_specs(
                node,
                show_mirror_keys=show_mirror_keys,
                protocol=coordinator.installation.protocol,
                installation_id=entry.unique_id,
            )
            if spec.kind in factories
        )

    add(list(coordinator.installation.nodes))
    entry.async_on_unload(coordinator.topology.async_add_nodes_listener(add))


def async_setup_unit_entities(
    entry: VitreaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    kind: Kind,
    factory: Callable[[VitreaCoordinator, UnitSpec], Entity],
) -> None:
    """Add a platform's entities of the installation's ACs or scenarios (port 11502).

    The box gaining one reloads the entry (topology.py): no listener for later ones.
    """
    coordinator = entry.runtime_data
    async_add_entities(
        factory(coordinator, spec)
        for spec in unit_specs(coordinator.installation, entry.unique_id)
        if spec.kind is kind
    )


class VitreaBaseEntity(CoordinatorEntity[VitreaCoordinator]):
    """An entity of the box; writes its state only when something it shows changed."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: VitreaCoordinator) -> None:
        super().__init__(coordinator)
        self._written: tuple[bool, object] | None = None

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self._written = (self.available, self._shown())  # what the platform writes next

    def _shown(self) -> object:
        """What the state is computed from; a write happens when it changes."""
        return None

    @callback
    def _handle_coordinator_update(self) -> None:
        # Whole updates (availability, keypad settings, the link back) reach every
        # entity; a key's push reaches only its own (VitreaKeyEntity).
        shown = (self.available, self._shown())
        if shown != self._written:
            self._written = shown
            self.async_write_ha_state()


class VitreaEntity(VitreaBaseEntity):
    """An entity of one node, on the node's device."""

    def __init__(self, coordinator: VitreaCoordinator, spec: EntitySpec) -> None:
        super().__init__(coordinator)
        self.node = spec.node
        self._attr_unique_id = spec.unique_id
        self._attr_device_info = _device_info(coordinator, spec.node)


class VitreaKeyEntity(VitreaEntity):
    """An entity of one key.

    The entity a key is used through takes the key's name from the box (a key
    without one is "Key N", translated); other entities of the key have a
    translated name of their own, with the key's position when the keypad has
    several (see mapping.named_after_key). A translated text never embeds the
    box's name: "דוד חשמל time left" mixes two languages and two directions.
    """

    def __init__(self, coordinator: VitreaCoordinator, spec: EntitySpec) -> None:
        super().__init__(coordinator, spec)
        assert spec.key is not None
        self.key: Key = spec.key
        self.address = (spec.node.id, spec.key.id)
        position = {"key": str(spec.key.id + 1)}  # people count keys from 1
        if not named_after_key(spec):
            if numbered(spec):
                self._attr_translation_key = f"{spec.kind.value}_of_key"
                self._attr_translation_placeholders = position
            else:
                self._attr_translation_key = spec.kind.value
        elif spec.key.name:
            self._attr_name = spec.key.name
        elif not hasattr(self, "_attr_translation_key"):
            self._attr_translation_key = "key"
            self._attr_translation_placeholders = position

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_state_listener(self.address, self._on_key_state)
        )

    @callback
    def _on_key_state(self, _status: KeyStatus) -> None:
        self._handle_coordinator_update()

    @property
    def status(self) -> KeyStatus | None:
        """The key's last known status; None until the box reported it."""
        return self.coordinator.key_state(self.address)

    def _shown(self) -> object:
        return self.status

    async def _async_send(self, action: KeyPowerStatus, *, dimmer: int = 0, timer: int = 0) -> None:
        await self.coordinator.async_set_key(*self.address, action, dimmer=dimmer, timer=timer)


class VitreaOnOffEntity(VitreaKeyEntity):
    """A key that is switched on and off (lights, switches, fans, boilers)."""

    @property
    def is_on(self) -> bool | None:
        return self.status.is_on if self.status else None

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self._async_turn_on()

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self._async_send(KeyPowerStatus.OFF)

    async def _async_turn_on(self, *, level: int = FULL_LEVEL, timer: int = 0) -> None:
        await self._async_send(KeyPowerStatus.ON, dimmer=level, timer=timer)


class VitreaPressEntity(VitreaKeyEntity):
    """A key Home Assistant presses (scenario, push button): no state, only availability."""

    def _shown(self) -> object:
        return None

    async def _async_press(self) -> None:
        # A press is never retried on a timeout: it would happen twice.
        await self._async_send(KeyPowerStatus.SHORT)


class VitreaNodeEntity(VitreaEntity):
    """A configuration entity of a keypad (backlight, child lock)."""

    _attr_entity_category = EntityCategory.CONFIG

    def __init__(self, coordinator: VitreaCoordinator, spec: EntitySpec) -> None:
        super().__init__(coordinator, spec)
        self._attr_translation_key = spec.kind.value

    @property
    def settings(self) -> NodeSettings:
        return self.coordinator.node_settings[self.node.id]

    def _shown(self) -> object:
        return self.settings


@callback
def async_name_devices(coordinator: VitreaCoordinator) -> None:
    """Give each node's device the name its room now calls for.

    A keypad added beside a room's only one changes that one's name too ("Office"
    becomes "Office keypad"); a name the person gave stays theirs (name_by_user).
    """
    registry = dr.async_get(coordinator.hass)
    installation = coordinator.installation
    for node in installation.nodes:
        name = device_name(installation, node)
        device_id = coordinator.topology.node_device_id(node)
        if name is not None and device_id is not None:
            registry.async_update_device(device_id, name=name)


def _device_info(coordinator: VitreaCoordinator, node: Node) -> DeviceInfo:
    # Named after its room (see mapping.device_name) and placed in the room's area.
    # Port 11502 reports no MAC, model nor firmware of a keypad.
    vtu = coordinator.installation.protocol is Protocol.VTU
    info = DeviceInfo(
        identifiers={node_identifier(coordinator.config_entry, node)},
        manufacturer=MANUFACTURER,
        model=node.model_name if vtu else None,
        sw_version=node.version if vtu else None,
        serial_number=node.mac if vtu else None,
        via_device_id=coordinator.topology.controller_device_id,
    )
    installation = coordinator.installation
    if (name := device_name(installation, node)) is not None:
        info["name"] = name
    else:
        info["translation_key"] = "node"
        info["translation_placeholders"] = {"node": str(node.id)}
    if (room := room_name(installation, node)) is not None:
        info["suggested_area"] = room
    return info
