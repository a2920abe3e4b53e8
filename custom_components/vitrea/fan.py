"""Fans: on/off keys of category fan (ceiling fans, hoods)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.fan import FanEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compat import FanEntityFeature
from .coordinator import VitreaConfigEntry
from .entity import VitreaOnOffEntity, async_setup_platform_entities
from .mapping import Kind

PARALLEL_UPDATES = 0  # commands are paced by the client, one at a time on the wire


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VitreaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_setup_platform_entities(entry, async_add_entities, {Kind.FAN: VitreaFan})


class VitreaFan(VitreaOnOffEntity, FanEntity):
    """A relay-driven fan: no speeds, just on and off."""

    _attr_supported_features = FanEntityFeature.TURN_ON | FanEntityFeature.TURN_OFF

    async def async_turn_on(
        self,
        percentage: int | None = None,
        preset_mode: str | None = None,
        **kwargs: Any,
    ) -> None:
        await self._async_turn_on()
