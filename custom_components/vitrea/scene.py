"""Scenes: Vitrea scenario keys, activated like a short press on the keypad."""

from __future__ import annotations

from typing import Any

from homeassistant.components.scene import Scene
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
    async_setup_platform_entities(entry, async_add_entities, {Kind.SCENE: VitreaScene})


class VitreaScene(VitreaPressEntity, Scene):
    """A scenario key; the box runs the scenario, the lights it moves report themselves."""

    async def async_activate(self, **kwargs: Any) -> None:
        await self._async_press()
