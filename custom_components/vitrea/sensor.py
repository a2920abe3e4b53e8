"""Sensors: when a boiler running on a timer turns off."""

from __future__ import annotations

from datetime import datetime, timedelta

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .coordinator import VitreaConfigEntry
from .entity import VitreaKeyEntity, async_setup_platform_entities
from .mapping import Kind
from .vbox import KeyStatus

PARALLEL_UPDATES = 0  # read-only: states are pushed


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VitreaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_setup_platform_entities(entry, async_add_entities, {Kind.BOILER_OFF_AT: VitreaTurnsOffAt})


class VitreaTurnsOffAt(VitreaKeyEntity, SensorEntity):
    """The moment the box turns the boiler off; unknown while no timer runs.

    The box reports the minutes left with each state it reports; the moment is
    worked out once per report, so the state is written once per report (a
    countdown would be written, and recorded, every minute). The frontend shows
    a timestamp as "in 25 minutes" by itself.
    """

    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_translation_key = "turns_off_at"

    _seen: KeyStatus | None = None
    _ends_at: datetime | None = None

    @property
    def native_value(self) -> datetime | None:
        return self._ends_at

    async def async_added_to_hass(self) -> None:
        self._follow(self.status)  # before the base class notes what is shown
        await super().async_added_to_hass()

    @callback
    def _handle_coordinator_update(self) -> None:
        self._follow(self.status)
        super()._handle_coordinator_update()

    def _shown(self) -> object:
        return self._ends_at

    @callback
    def _follow(self, status: KeyStatus | None) -> None:
        """Work the moment out again from each new report of the box (not from a re-send)."""
        if status is self._seen:
            return
        self._seen = status
        if status is None or not status.is_on or not status.timer:
            self._ends_at = None
            return
        # Whole seconds: a timestamp with microseconds reads badly and says no more.
        now = dt_util.utcnow().replace(microsecond=0)
        self._ends_at = now + timedelta(minutes=status.timer)
