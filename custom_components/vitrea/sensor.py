"""Sensors: the minutes a boiler has left before the box turns it off."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from homeassistant.components.sensor import SensorDeviceClass, SensorEntity
from homeassistant.const import UnitOfTime
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.util import dt as dt_util

from .coordinator import VitreaConfigEntry
from .entity import VitreaKeyEntity, async_setup_platform_entities
from .mapping import Kind
from .vbox.messages import KeyStatus

PARALLEL_UPDATES = 0  # read-only: states are pushed


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VitreaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_setup_platform_entities(
        entry, async_add_entities, {Kind.BOILER_TIME_LEFT: VitreaTimeLeft}
    )


class VitreaTimeLeft(VitreaKeyEntity, SensorEntity):
    """Minutes until the boiler's timer ends; 0 when it runs without one or is off.

    The box reports the minutes left when the state changes; between reports the
    sensor counts down by itself, minute by minute.
    """

    _attr_device_class = SensorDeviceClass.DURATION
    _attr_native_unit_of_measurement = UnitOfTime.MINUTES
    _attr_translation_key = "time_left"
    _key_name_in_translation = True

    _seen: KeyStatus | None = None
    _ends_at: datetime | None = None
    _unsub_tick: CALLBACK_TYPE | None = None

    @property
    def native_value(self) -> int | None:
        if self.status is None:
            return None
        if self._ends_at is None:
            return 0
        return max(0, math.ceil((self._ends_at - dt_util.utcnow()).total_seconds() / 60))

    async def async_added_to_hass(self) -> None:
        self._follow(self.status)  # before the base class notes what is shown
        await super().async_added_to_hass()
        self.async_on_remove(self._cancel_tick)

    @callback
    def _handle_coordinator_update(self) -> None:
        self._follow(self.status)
        super()._handle_coordinator_update()

    def _shown(self) -> object:
        return self.native_value

    @callback
    def _follow(self, status: KeyStatus | None) -> None:
        """Start the countdown again from each new report of the box."""
        if status is self._seen:
            return
        self._seen = status
        self._cancel_tick()
        if status is None or not status.is_on or not status.timer:
            self._ends_at = None
            return
        self._ends_at = dt_util.utcnow() + timedelta(minutes=status.timer)
        self._schedule_tick()

    @callback
    def _schedule_tick(self) -> None:
        assert self._ends_at is not None
        left = self._ends_at - dt_util.utcnow()
        # The next moment the rounded-up minute count drops.
        step = left - timedelta(minutes=math.ceil(left.total_seconds() / 60) - 1)
        self._unsub_tick = async_track_point_in_utc_time(
            self.hass, self._tick, dt_util.utcnow() + step
        )

    @callback
    def _tick(self, now: datetime) -> None:
        self._unsub_tick = None
        if self.native_value:
            self._schedule_tick()
        else:
            self._ends_at = None
        self._handle_coordinator_update()

    @callback
    def _cancel_tick(self) -> None:
        if self._unsub_tick is not None:
            self._unsub_tick()
            self._unsub_tick = None
