"""Air conditioners in the soak run (port 11502): the room, Home Assistant's controls, the oracle.

A wall change is the room's temperature changing: the AC's sensor measures it and
the box pushes the AC's status line. A command is a climate action with what it must have done
to the AC on the box. ``shown_ac`` says what the climate entity must show for
the AC's state on the box, the way the README's entity table maps it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, Final

from homeassistant.components.climate.const import HVACMode
from homeassistant.const import STATE_UNKNOWN

from custom_components.vitrea.vbox import (
    ACMode,
    ACState,
    ACType,
    AirConditioner,
    FanSpeed,
    ac_fan_speeds,
    ac_modes,
    setpoint_range,
)
from simulator import HostSimulator, VBoxSimulator
from tools.harness import WireMessage

HVAC: Final = {
    ACMode.COOL: HVACMode.COOL,
    ACMode.HEAT: HVACMode.HEAT,
    ACMode.FAN: HVACMode.FAN_ONLY,
    ACMode.DRY: HVACMode.DRY,
    ACMode.AUTO: HVACMode.AUTO,
}
FAN: Final = {
    FanSpeed.LOW: "low",
    FanSpeed.MEDIUM: "medium",
    FanSpeed.HIGH: "high",
    FanSpeed.TOP: "top",
    FanSpeed.AUTO: "auto",
}


def hvac_modes(ac_type: ACType) -> list[HVACMode]:
    """What the entity offers: off and the type's modes (a TMSF only switches on, as heat)."""
    modes = ac_modes(ac_type)
    return [HVACMode.OFF, *(HVAC[m] for m in modes)] if modes else [HVACMode.OFF, HVACMode.HEAT]


def shown_ac(ac: AirConditioner, state: ACState) -> tuple[str, dict[str, object]]:
    """What the climate entity of ``ac`` shows for the box's ``state``: state, attributes."""
    shown: str
    if not state.on:
        shown = HVACMode.OFF
    elif not ac_modes(ac.type):
        shown = HVACMode.HEAT
    else:
        shown = HVAC[state.mode] if state.mode is not None else STATE_UNKNOWN
    attributes: dict[str, object] = {
        "temperature": state.setpoint,
        "current_temperature": state.temperature,
    }
    if ac_fan_speeds(ac.type):
        attributes["fan_mode"] = FAN[state.fan] if state.fan is not None else None
    return str(shown), attributes


# ---------------------------------------------------------------------- the wall


async def wall_ac(rng: random.Random, host: HostSimulator, ac: AirConditioner) -> str:
    """The room around ``ac`` warms or cools: its sensor measures another temperature."""
    low, high = setpoint_range(host.ac_state(ac.id).unit)
    temperature = rng.randint(low - 5, high + 5)
    await host.set_ac_temperature(ac.id, temperature)
    return f"AC {ac.id} measures {temperature}"


# ---------------------------------------------------------------------- Home Assistant


def choose_ac_action(
    rng: random.Random, ac: AirConditioner, state: ACState
) -> tuple[str, dict[str, Any], dict[str, object]]:
    """A climate action on ``ac``'s entity: (service, its data, the AC's wanted values).

    The wanted values are ``ACState`` fields (``on``, ``mode``, ``fan``, ``setpoint``).
    """
    modes, fans = ac_modes(ac.type), ac_fan_speeds(ac.type)
    low, high = setpoint_range(state.unit)
    roll = rng.random()
    if roll < 0.15:
        return "turn_off", {}, {"on": False}
    if roll < 0.25:
        return "turn_on", {}, {"on": True}
    if roll < 0.45:
        mode = rng.choice(modes) if modes else None
        hvac = HVAC[mode] if mode is not None else HVACMode.HEAT
        wanted: dict[str, object] = {"on": True} | ({"mode": mode} if mode is not None else {})
        return "set_hvac_mode", {"hvac_mode": hvac}, wanted
    if roll < 0.6 and fans:
        fan = rng.choice(fans)
        return "set_fan_mode", {"fan_mode": FAN[fan]}, {"fan": fan}
    setpoint = rng.randint(low, high)
    if roll < 0.8 and modes:
        # Two values in one call: one command to the box, sub-command 1.
        mode = rng.choice(modes)
        data = {"temperature": setpoint, "hvac_mode": HVAC[mode]}
        return "set_temperature", data, {"setpoint": setpoint, "on": True, "mode": mode}
    return "set_temperature", {"temperature": setpoint}, {"setpoint": setpoint}


def ac_effect(
    host: HostSimulator, ac_id: int, wanted: dict[str, object]
) -> Callable[[VBoxSimulator, Sequence[WireMessage]], str | None]:
    """The effect a climate action must have had on the box (an ``actions.Effect``)."""

    def effect(_box: VBoxSimulator, _received: Sequence[WireMessage]) -> str | None:
        state = host.ac_state(ac_id)
        wrong = {
            name: getattr(state, name)
            for name, value in wanted.items()
            if getattr(state, name) != value
        }
        return None if not wrong else f"AC {ac_id} has {wrong}, not {wanted}"

    return effect
