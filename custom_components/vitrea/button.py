"""Buttons: push-button keys, pressed from Home Assistant like on the wall."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import VitreaConfigEntry
from .entity import VitreaPressEntity, async_setup_platform_entities
from .mapping import Kind

PARALLEL_UPDATES = 0  # commands are paced by the client, one at a time on the wire


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VitreaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_setup_platform_entities(entry, async_add_entities, {Kind.BUTTON: VitreaButton})


class VitreaButton(VitreaPressEntity, ButtonEntity):
    """A push-button key."""

    async def async_press(self) -> None:
        await self._async_press()
