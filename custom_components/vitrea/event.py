"""Event entities: presses of satellite, push-button and scenario keys.

The box reports a short press, a long press and the release that ends a long
press. The coordinator turns the presses on the wall into the standard button
event types, so automations can use them like any other keypad's: short ->
press_end, long -> long_press_start, release after a long press ->
long_press_end. A release without a long press before it (e.g. the press began
while the link was down), and the box's report of a press Home Assistant sent,
are ignored. Device triggers fire from the same events.
"""

from __future__ import annotations

from homeassistant.components.event import ButtonEventType, EventDeviceClass, EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import VitreaConfigEntry
from .entity import VitreaKeyEntity, async_setup_platform_entities
from .mapping import Kind

PARALLEL_UPDATES = 0  # read-only: presses are pushed


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VitreaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_setup_platform_entities(entry, async_add_entities, {Kind.PRESSES: VitreaKeyPresses})


class VitreaKeyPresses(VitreaKeyEntity, EventEntity):
    """The presses of one key."""

    _attr_device_class = EventDeviceClass.BUTTON
    _attr_event_types = [
        ButtonEventType.PRESS_END,
        ButtonEventType.LONG_PRESS_START,
        ButtonEventType.LONG_PRESS_END,
    ]

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_press_listener(self.address, self._on_press)
        )

    def _shown(self) -> object:
        return None  # the state is the last event, written when it happens

    @callback
    def _on_press(self, event: ButtonEventType) -> None:
        self._trigger_event(event)
        self.async_write_ha_state()
