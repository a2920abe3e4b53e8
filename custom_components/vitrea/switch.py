"""Switches: on/off keys, boilers (which can run on a timer) and keypad child locks."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .compat import SwitchDeviceClass
from .const import DOMAIN
from .coordinator import VitreaConfigEntry
from .entity import VitreaNodeEntity, VitreaOnOffEntity, async_setup_platform_entities
from .mapping import Kind
from .services import valid_minutes
from .vbox import LockStatus

PARALLEL_UPDATES = 0  # commands are paced by the client, one at a time on the wire


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VitreaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_setup_platform_entities(
        entry,
        async_add_entities,
        {
            Kind.SWITCH: VitreaSwitch,
            Kind.BOILER: VitreaBoiler,
            Kind.CHILD_LOCK: VitreaChildLock,
        },
    )


class VitreaSwitch(VitreaOnOffEntity, SwitchEntity):
    """A relay key (socket, irrigation, pump...)."""

    _attr_device_class = SwitchDeviceClass.SWITCH

    async def async_turn_on_for(self, minutes: Any) -> None:
        """The vitrea.turn_on_for action: on now, off by the box after ``minutes``."""
        await self._async_turn_on(timer=valid_minutes(minutes))


class VitreaBoiler(VitreaSwitch):
    """A water heater key; its time left is a sensor."""

    _attr_translation_key = "boiler"


class VitreaChildLock(VitreaNodeEntity, SwitchEntity):
    """On: the keypad ignores its keys."""

    @property
    def is_on(self) -> bool:
        return self.settings.lock is LockStatus.LOCKED

    async def async_turn_on(self, **kwargs: Any) -> None:
        await self.coordinator.node_settings.async_set(self.node.id, lock=LockStatus.LOCKED)

    async def async_turn_off(self, **kwargs: Any) -> None:
        await self.coordinator.node_settings.async_set(self.node.id, lock=LockStatus.UNLOCKED)

    async def async_turn_on_for(self, minutes: Any) -> None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="timer_not_supported"
        )
