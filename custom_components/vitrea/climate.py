"""Climate: the air conditioners of a box read on port 11502, one device each.

What an AC offers follows its type (vbox ``ac_modes``/``ac_fan_speeds``): types
1-3 have modes (and fan speeds for 1 and 2); a type without modes (TMSF, floor
heating) is only switched on and off, shown as "heat" while on. The set-point
range follows the unit the AC reports. Every state comes from the box's pushes;
a change is one ``set_ac`` call, whatever number of values it carries.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.climate import ClimateEntity
from homeassistant.components.climate.const import (
    ATTR_HVAC_MODE,
    FAN_AUTO,
    FAN_HIGH,
    FAN_LOW,
    FAN_MEDIUM,
    FAN_TOP,
    ClimateEntityFeature,
    HVACMode,
)
from homeassistant.const import ATTR_TEMPERATURE, PRECISION_WHOLE, UnitOfTemperature
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN, MANUFACTURER
from .coordinator import VitreaConfigEntry, VitreaCoordinator
from .entity import VitreaBaseEntity, async_setup_unit_entities
from .error_translation import translate_errors
from .mapping import Kind, UnitSpec
from .protocols import host_client
from .topology import ac_identifier
from .vbox import (
    ACMode,
    ACState,
    ACType,
    FanSpeed,
    TemperatureUnit,
    ac_fan_speeds,
    ac_modes,
    setpoint_range,
)

PARALLEL_UPDATES = 0  # commands are paced by the client, one at a time on the wire

HVAC_MODES: dict[ACMode, HVACMode] = {
    ACMode.COOL: HVACMode.COOL,
    ACMode.HEAT: HVACMode.HEAT,
    ACMode.FAN: HVACMode.FAN_ONLY,
    ACMode.DRY: HVACMode.DRY,
    ACMode.AUTO: HVACMode.AUTO,
}
AC_MODES = {hvac: mode for mode, hvac in HVAC_MODES.items()}
FAN_MODES: dict[FanSpeed, str] = {
    FanSpeed.LOW: FAN_LOW,
    FanSpeed.MEDIUM: FAN_MEDIUM,
    FanSpeed.HIGH: FAN_HIGH,
    FanSpeed.TOP: FAN_TOP,
    FanSpeed.AUTO: FAN_AUTO,
}
FAN_SPEEDS = {fan: speed for speed, fan in FAN_MODES.items()}


async def async_setup_entry(
    hass: HomeAssistant,
    entry: VitreaConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_setup_unit_entities(entry, async_add_entities, Kind.CLIMATE, VitreaClimate)


class VitreaClimate(VitreaBaseEntity, ClimateEntity):
    """One air conditioner; its device is named after it, in its room's area."""

    _attr_name = None
    _attr_precision = PRECISION_WHOLE
    _attr_target_temperature_step = 1

    def __init__(self, coordinator: VitreaCoordinator, spec: UnitSpec) -> None:
        super().__init__(coordinator)
        ac = coordinator.installation.air_conditioner(spec.id)
        assert ac is not None  # specs are made from the installation's ACs
        self.ac_id = ac.id
        self._attr_unique_id = spec.unique_id
        room = coordinator.installation.room(ac.room_id)
        info = DeviceInfo(
            identifiers={ac_identifier(coordinator.config_entry, ac)},
            manufacturer=MANUFACTURER,
            # The vendor's names for its two kinds of AC controller.
            model="TMSF" if ac.type is ACType.TMSF else "TMST",
            suggested_area=(room.name.strip() or None) if room else None,
            via_device_id=coordinator.topology.controller_device_id,
        )
        if name := ac.name.strip():
            info["name"] = name
        else:
            info["translation_key"] = "air_conditioner"
            info["translation_placeholders"] = {"ac": str(ac.id)}
        self._attr_device_info = info
        # A type without modes is switched on as "heat" (what the vendor shows too).
        self._has_modes = bool(ac_modes(ac.type))
        self._modes = [HVAC_MODES[mode] for mode in ac_modes(ac.type)] or [HVACMode.HEAT]
        self._attr_hvac_modes = [HVACMode.OFF, *self._modes]
        features = (
            ClimateEntityFeature.TARGET_TEMPERATURE
            | ClimateEntityFeature.TURN_ON
            | ClimateEntityFeature.TURN_OFF
        )
        if fan_modes := [FAN_MODES[speed] for speed in ac_fan_speeds(ac.type)]:
            self._attr_fan_modes = fan_modes
            features |= ClimateEntityFeature.FAN_MODE
        self._attr_supported_features = features
        self._state: ACState | None = None

    async def async_added_to_hass(self) -> None:
        host = host_client(self.coordinator.client)
        if host is not None:
            self._state = host.ac_states.get(self.ac_id)
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.async_add_ac_listener(self.ac_id, self._on_state))

    @callback
    def _on_state(self, state: ACState) -> None:
        self._state = state
        self._handle_coordinator_update()

    def _shown(self) -> object:
        return self._state

    # ------------------------------------------------------------------ state

    @property
    def hvac_mode(self) -> HVACMode | None:
        state = self._state
        if state is None:
            return None
        if not state.on:
            return HVACMode.OFF
        if not self._has_modes:
            return HVACMode.HEAT
        return HVAC_MODES.get(state.mode) if state.mode is not None else None

    @property
    def fan_mode(self) -> str | None:
        state = self._state
        return FAN_MODES.get(state.fan) if state and state.fan is not None else None

    @property
    def temperature_unit(self) -> str:
        unit = self._state.unit if self._state else None
        if unit is TemperatureUnit.FAHRENHEIT:
            return UnitOfTemperature.FAHRENHEIT
        return UnitOfTemperature.CELSIUS

    @property
    def min_temp(self) -> float:
        return setpoint_range(self._state.unit if self._state else None)[0]

    @property
    def max_temp(self) -> float:
        return setpoint_range(self._state.unit if self._state else None)[1]

    @property
    def target_temperature(self) -> float | None:
        return self._state.setpoint if self._state else None

    @property
    def current_temperature(self) -> float | None:
        return self._state.temperature if self._state else None

    # ------------------------------------------------------------------ commands

    async def async_turn_on(self) -> None:
        await self._async_set(on=True)

    async def async_turn_off(self) -> None:
        await self._async_set(on=False)

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        # A TMSF shown on needs nothing for "heat", but the box is told all the same:
        # what is shown may be a push behind (every other action is sent too).
        await self._async_set(**(self._mode_values(hvac_mode) or {"on": True}))

    async def async_set_fan_mode(self, fan_mode: str) -> None:
        await self._async_set(fan=FAN_SPEEDS[fan_mode])

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """A set-point, and possibly a mode, sent together."""
        values: dict[str, Any] = {}
        if ATTR_TEMPERATURE in kwargs:
            values["setpoint"] = round(kwargs[ATTR_TEMPERATURE])
        hvac_mode = kwargs.get(ATTR_HVAC_MODE)
        if hvac_mode == HVACMode.OFF:
            # Switching off carries no other value (a full set always switches on):
            # the set-point goes first, alone.
            if values:
                await self._async_set(**values)
            await self._async_set(on=False)
            return
        if hvac_mode is not None:
            values |= self._mode_values(HVACMode(hvac_mode))
        if values:
            await self._async_set(**values)

    def _mode_values(self, hvac_mode: HVACMode) -> dict[str, Any]:
        """What to send for ``hvac_mode``: off; or on (unless it is) and the AC's mode,
        if it has modes (a TMSF that is on already needs nothing for "heat")."""
        if hvac_mode == HVACMode.OFF:
            return {"on": False}
        if hvac_mode not in self._modes:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="hvac_mode_not_supported",
                translation_placeholders={"mode": str(hvac_mode)},
            )
        values: dict[str, Any] = {"mode": AC_MODES[hvac_mode]} if self._has_modes else {}
        if self._state is None or not self._state.on:
            values["on"] = True
        return values

    async def _async_set(self, **values: Any) -> None:
        host = host_client(self.coordinator.client)
        assert host is not None  # ACs exist only on port 11502
        with translate_errors():
            await host.set_ac(self.ac_id, **values)
