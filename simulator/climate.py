"""The simulated box's air conditioners: each AC's state and what sub-commands 1-8 do to it.

Port 11502 controls ACs (docs/vbox-protocol.md §3.5.1). A mode or fan speed the
AC's type does not offer is refused (:class:`ACRejected`, an ``E:`` line on the
wire); a set-point is clamped to its unit's range; raise/lower step one degree;
changing the unit converts the set-point and the measured temperature.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from custom_components.vitrea.vbox import (
    ACMode,
    ACState,
    ACType,
    AirConditioner,
    FanSpeed,
    Installation,
    TemperatureUnit,
    ac_fan_speeds,
    ac_modes,
    setpoint_range,
)

DEFAULT_SETPOINT: Final = 24
DEFAULT_TEMPERATURE: Final = 26


class ACRejected(ValueError):
    """A sub-command the AC refuses (the box answers an ``E:`` line)."""


@dataclass(slots=True)
class ACUnit:
    """The state of one AC, as the box keeps it (always complete, unlike a parsed line)."""

    type: ACType
    on: bool = False
    mode: ACMode = ACMode.COOL
    fan: FanSpeed = FanSpeed.AUTO
    setpoint: int = DEFAULT_SETPOINT
    temperature: int = DEFAULT_TEMPERATURE
    unit: TemperatureUnit = TemperatureUnit.CELSIUS

    @classmethod
    def of_type(cls, ac_type: ACType) -> ACUnit:
        """A unit switched off in its type's first mode and fan speed (TMSF: HEAT, AUTO)."""
        modes, fans = ac_modes(ac_type), ac_fan_speeds(ac_type)
        return cls(
            ac_type,
            mode=modes[0] if modes else ACMode.HEAT,
            fan=fans[0] if fans else FanSpeed.AUTO,
        )

    def state(self, ac_id: int) -> ACState:
        """The S:A line's values. A TMSF's relay (floor heating) calls for heat; others: off."""
        return ACState(
            ac_id,
            self.on,
            self.mode,
            self.fan,
            self.setpoint,
            self.temperature,
            self.type,
            self.type is ACType.TMSF and self.on and self.temperature < self.setpoint,
            self.unit,
        )

    # -------------------------------------------------------------- sub-commands

    def set_all(self, mode: ACMode, fan: FanSpeed, setpoint: int, unit: TemperatureUnit) -> None:
        """Sub-command 1: everything at once, and on."""
        self._check_mode(mode)
        self._check_fan(fan)
        self.set_unit(unit)
        self.on, self.mode, self.fan = True, mode, fan
        self.set_setpoint(setpoint)

    def set_power(self, on: bool) -> None:
        """Sub-command 2."""
        self.on = on

    def set_mode(self, mode: ACMode) -> None:
        """Sub-command 3."""
        self._check_mode(mode)
        self.mode = mode

    def set_fan(self, fan: FanSpeed) -> None:
        """Sub-command 4."""
        self._check_fan(fan)
        self.fan = fan

    def set_setpoint(self, degrees: int) -> None:
        """Sub-command 5: clamped to the unit's range."""
        low, high = setpoint_range(self.unit)
        self.setpoint = max(low, min(high, degrees))

    def step(self, degrees: int) -> None:
        """Sub-commands 6 (+1) and 7 (-1)."""
        self.set_setpoint(self.setpoint + degrees)

    def set_unit(self, unit: TemperatureUnit) -> None:
        """Sub-command 8: the set-point and the measured temperature are converted."""
        unit = TemperatureUnit(unit)
        if unit not in (TemperatureUnit.CELSIUS, TemperatureUnit.FAHRENHEIT):
            raise ACRejected(f"unit {unit.value} is not 0 (°C) or 1 (°F)")
        if unit is not self.unit:
            self.unit = unit
            self.temperature = _convert(self.temperature, unit)
            self.set_setpoint(_convert(self.setpoint, unit))

    def _check_mode(self, mode: ACMode) -> None:
        if mode not in ac_modes(self.type):
            raise ACRejected(f"mode {mode.name} is not offered by an AC of type {self.type.name}")

    def _check_fan(self, fan: FanSpeed) -> None:
        if fan not in ac_fan_speeds(self.type):
            raise ACRejected(f"fan {fan.name} is not offered by an AC of type {self.type.name}")


def _convert(degrees: int, to: TemperatureUnit) -> int:
    if to is TemperatureUnit.FAHRENHEIT:
        return round(degrees * 9 / 5 + 32)
    return round((degrees - 32) * 5 / 9)


class ACUnits:
    """One :class:`ACUnit` per AC of the installation."""

    def __init__(self, installation: Installation, states: Iterable[ACState] = ()) -> None:
        self._units: dict[int, ACUnit] = {}
        self.reset(installation)
        for state in states:
            self.apply_initial(state)

    def reset(self, installation: Installation) -> None:
        """One unit per AC; an AC that is still there, of the same type, keeps its state."""
        previous = self._units
        self._units = {
            ac.id: self._unit(previous.get(ac.id), ac) for ac in installation.air_conditioners
        }

    @staticmethod
    def _unit(old: ACUnit | None, ac: AirConditioner) -> ACUnit:
        return old if old is not None and old.type is ac.type else ACUnit.of_type(ac.type)

    def __contains__(self, ac_id: int) -> bool:
        return ac_id in self._units

    def ids(self) -> list[int]:
        return list(self._units)

    def unit(self, ac_id: int) -> ACUnit:
        """An AC's state; KeyError for an AC that does not exist."""
        unit = self._units.get(ac_id)
        if unit is None:
            raise KeyError(f"no air conditioner {ac_id} in the installation")
        return unit

    def state(self, ac_id: int) -> ACState:
        return self.unit(ac_id).state(ac_id)

    def apply_initial(self, state: ACState) -> None:
        """Start from ``state``; its None fields keep the defaults."""
        unit = self._units.get(state.ac_id)
        if unit is None:
            raise ValueError(f"state given for AC {state.ac_id}, not an AC of the installation")
        unit.on = state.on
        if state.unit is not None:
            unit.unit = state.unit
        if state.mode is not None:
            unit.mode = state.mode
        if state.fan is not None:
            unit.fan = state.fan
        if state.setpoint is not None:
            unit.set_setpoint(state.setpoint)
        if state.temperature is not None:
            unit.temperature = state.temperature
