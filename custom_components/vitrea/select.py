"""Selects: a keypad's backlight level (a configuration entity)."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import VitreaConfigEntry
from .entity import VitreaNodeEntity, async_setup_platform_entities
from .mapping import Kind
from .vbox import LEDBackgroundBrightness

PARALLEL_UPDATES = 0  # commands are paced by the client, one at a time on the wire

_LEVELS = {level.name.lower(): level for level in LEDBackgroundBrightness}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VitreaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_setup_platform_entities(entry, async_add_entities, {Kind.LED_LEVEL: VitreaLedLevel})


class VitreaLedLevel(VitreaNodeEntity, SelectEntity):
    """Off, low, normal, high or max."""

    _attr_options = list(_LEVELS)

    @property
    def current_option(self) -> str | None:
        option = self.settings.led_level.name.lower()
        return option if option in _LEVELS else None  # a level newer than our table

    async def async_select_option(self, option: str) -> None:
        await self.coordinator.node_settings.async_set(self.node.id, led_level=_LEVELS[option])
