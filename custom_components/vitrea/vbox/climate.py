"""The air-conditioner model, protocol-neutral: types, modes, fan speeds, units and a state.

Values are the wire codes of port 11502 (docs/vbox-protocol.md §3.5.1); the
capabilities of each AC type are those the vendor's integration offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from .enums import OpenIntEnum


class ACType(OpenIntEnum):
    TYPE_1 = 1
    TYPE_2 = 2
    TYPE_3 = 3
    TMSF = 4


class ACMode(OpenIntEnum):
    COOL = 0
    HEAT = 1
    FAN = 2
    DRY = 3
    AUTO = 4


class FanSpeed(OpenIntEnum):
    LOW = 0
    MEDIUM = 1
    HIGH = 2
    TOP = 3
    AUTO = 4


class TemperatureUnit(OpenIntEnum):
    CELSIUS = 0
    FAHRENHEIT = 1


@dataclass(frozen=True, slots=True)
class ACState:
    """One AC's status as the box reported it; None: the box sent no usable value."""

    ac_id: int
    on: bool
    mode: ACMode | None = None
    fan: FanSpeed | None = None
    setpoint: int | None = None  # whole degrees in ``unit``
    temperature: int | None = None  # measured, whole degrees in ``unit``
    type: ACType | None = None
    relay: bool | None = None
    unit: TemperatureUnit | None = None


_MODES: Final[dict[int, tuple[ACMode, ...]]] = {
    ACType.TYPE_1: (ACMode.COOL, ACMode.HEAT, ACMode.FAN),
    ACType.TYPE_2: (ACMode.COOL, ACMode.HEAT, ACMode.FAN),
    ACType.TYPE_3: (ACMode.COOL, ACMode.HEAT, ACMode.FAN, ACMode.AUTO),
}
_FANS: Final[dict[int, tuple[FanSpeed, ...]]] = {
    ACType.TYPE_1: (FanSpeed.LOW, FanSpeed.MEDIUM, FanSpeed.HIGH),
    ACType.TYPE_2: (FanSpeed.LOW, FanSpeed.MEDIUM, FanSpeed.HIGH, FanSpeed.AUTO),
}
_RANGES: Final = {TemperatureUnit.CELSIUS: (15, 30), TemperatureUnit.FAHRENHEIT: (60, 90)}
_ANY_UNIT: Final = (15, 90)


def ac_modes(ac_type: ACType) -> tuple[ACMode, ...]:
    """The modes an AC of ``ac_type`` offers; () for TMSF and unknown types (on/off only)."""
    return _MODES.get(ac_type, ())


def ac_fan_speeds(ac_type: ACType) -> tuple[FanSpeed, ...]:
    """The fan speeds an AC of ``ac_type`` offers; () when it has no fan control."""
    return _FANS.get(ac_type, ())


def setpoint_range(unit: TemperatureUnit | None) -> tuple[int, int]:
    """(lowest, highest) set-point in ``unit``; either unit's range while it is unknown."""
    if unit is None:
        return _ANY_UNIT
    return _RANGES.get(unit, _ANY_UNIT)
