"""Covers: blinds and shutters, with position, open, close and stop."""

from __future__ import annotations

from typing import Any

from homeassistant.components.cover import (
    ATTR_POSITION,
    CoverDeviceClass,
    CoverEntity,
    CoverEntityFeature,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import VitreaConfigEntry
from .entity import VitreaKeyEntity, async_setup_platform_entities
from .mapping import Kind
from .vbox import BLIND_STOP, KeyPowerStatus

PARALLEL_UPDATES = 0  # commands are paced by the client, one at a time on the wire

FULLY_OPEN = 100


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VitreaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_setup_platform_entities(entry, async_add_entities, {Kind.BLIND: VitreaBlind})


class VitreaBlind(VitreaKeyEntity, CoverEntity):
    """A blind key: the box reports and takes a position of 0 (closed) to 100 (open)."""

    _attr_device_class = CoverDeviceClass.SHUTTER
    _attr_supported_features = (
        CoverEntityFeature.OPEN
        | CoverEntityFeature.CLOSE
        | CoverEntityFeature.STOP
        | CoverEntityFeature.SET_POSITION
    )

    @property
    def current_cover_position(self) -> int | None:
        """OFF is closed; ON carries the position, clamped to 0-100.

        ON with level 0 says "not closed" and "at 0" at once: the position is
        unknown, and the blind is not shown closed (an open-close card would
        offer only "open" for a blind that may be open).
        """
        status = self.status
        if status is None:
            return None
        if not status.is_on:
            return 0
        return min(status.level, FULLY_OPEN) or None

    @property
    def is_closed(self) -> bool | None:
        position = self.current_cover_position
        return None if position is None else position == 0

    async def async_open_cover(self, **kwargs: Any) -> None:
        await self._async_move(FULLY_OPEN)

    async def async_close_cover(self, **kwargs: Any) -> None:
        await self._async_move(0)

    async def async_set_cover_position(self, **kwargs: Any) -> None:
        await self._async_move(kwargs[ATTR_POSITION])

    async def async_stop_cover(self, **kwargs: Any) -> None:
        await self._async_move(BLIND_STOP)

    async def _async_move(self, position: int) -> None:
        await self._async_send(KeyPowerStatus.ON, dimmer=position)
