"""Lights: dimmers (brightness) and on/off keys of category light."""

from __future__ import annotations

from typing import Any

from homeassistant.components.light import LightEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compat import ATTR_BRIGHTNESS, ColorMode
from .coordinator import VitreaConfigEntry
from .entity import VitreaOnOffEntity, async_setup_platform_entities
from .mapping import Kind

PARALLEL_UPDATES = 0  # commands are paced by the client, one at a time on the wire

MAX_BRIGHTNESS = 255
MAX_LEVEL = 100


def level_to_brightness(level: int) -> int:
    """The box's 1-100 % as Home Assistant's 1-255 (the nearest step; a level over 100 is full)."""
    return min(MAX_BRIGHTNESS, max(1, round(level * MAX_BRIGHTNESS / MAX_LEVEL)))


def brightness_to_level(brightness: int) -> int:
    """Home Assistant's 1-255 as the box's 1-100 %: the inverse of ``level_to_brightness``.

    Both round to the nearest step and a % step is wider than a brightness step,
    so a shown brightness sent back always lands on the level it came from.
    """
    return min(MAX_LEVEL, max(1, round(brightness * MAX_LEVEL / MAX_BRIGHTNESS)))


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VitreaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_setup_platform_entities(
        entry, async_add_entities, {Kind.DIMMER: VitreaDimmer, Kind.LIGHT: VitreaLight}
    )


class VitreaLight(VitreaOnOffEntity, LightEntity):
    """A relay key: on or off."""

    _attr_color_mode = ColorMode.ONOFF
    _attr_supported_color_modes = {ColorMode.ONOFF}


class VitreaDimmer(VitreaLight):
    """A dimmer: the box speaks 0-100 %, Home Assistant 0-255."""

    _attr_color_mode = ColorMode.BRIGHTNESS
    _attr_supported_color_modes = {ColorMode.BRIGHTNESS}

    _last_level = 100  # turning on without a brightness restores the last level seen

    @property
    def brightness(self) -> int | None:
        level = self._level()
        return level_to_brightness(level) if level else None

    def _level(self) -> int | None:
        """The level while on; None while off or not reported."""
        status = self.status
        return status.level if status is not None and status.is_on and status.level else None

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        # The state read at setup counts as seen: no push may come before a turn_on.
        self._remember_level()

    @callback
    def _handle_coordinator_update(self) -> None:
        self._remember_level()
        super()._handle_coordinator_update()

    @callback
    def _remember_level(self) -> None:
        if level := self._level():
            self._last_level = level

    async def async_turn_on(self, **kwargs: Any) -> None:
        level = self._last_level
        if ATTR_BRIGHTNESS in kwargs:
            level = brightness_to_level(kwargs[ATTR_BRIGHTNESS])
        await self._async_turn_on(level=level)
