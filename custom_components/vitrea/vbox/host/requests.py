"""What the client asks of a port-11502 box: the line, what completes it, how to check it.

No line carries an id (§3.1), so a request names what answers it: the status
line of its key, AC or scenario (``target``), besides ``OK`` and ``E:`` lines. A
command whose answer never came can be verified by asking for its target's
status once: ``wanted`` says whether that status shows the command done.
The model's calls (``set_key``, ``set_ac``) become lines here; which ones depends
on the key's type and the AC's last state.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from ..climate import ACMode, ACState, FanSpeed, TemperatureUnit
from ..enums import KeyPowerStatus, KeyType
from ..installation import KeyAddress
from ..vtu.replies import KeyStatus
from . import lines
from .states import key_digit
from .vth import VTHCommand, VTHFrame

type Target = tuple[str, int] | tuple[str, int, int]
"""("key", node, model key id), ("ac", id) or ("scenario", id)."""
type Wanted = Callable[[KeyStatus | ACState], bool]

FULL_LEVEL = 100  # a dimmer turned on without a level, as on port 11501
BLIND_STOP = 0xFF  # the model's "stop the blind" level (vtu BLIND_STOP)
_BLINDS = (KeyType.BLIND, KeyType.BLIND_MW)
_DIMMERS = (KeyType.DIMMER, KeyType.DIMMER_MW)


@dataclass(frozen=True, slots=True)
class HostRequest:
    line: bytes
    target: Target | None = None
    wanted: Wanted | None = None  # None: a command that cannot be verified
    idempotent: bool = True
    query: bool = False  # a status query: the target's first line answers it, whatever it says

    @property
    def name(self) -> str:
        return self.line.decode("ascii", "replace").strip()

    @property
    def order_key(self) -> Hashable | None:
        """Commands to one key or AC reach the box in order; a retry never overtakes."""
        if self.query or self.target is None or self.target[0] == "scenario":
            return None
        return self.target


def status_query(target: Target) -> HostRequest:
    if target[0] == "key":
        node, key_id = target[1], target[2] if len(target) == 3 else 0
        return HostRequest(lines.status_key(node, key_digit(key_id)), target, query=True)
    return HostRequest(lines.status_ac(target[1]), target, query=True)


def _key_wanted(on: bool, level: int | None = None) -> Wanted:
    def wanted(status: KeyStatus | ACState) -> bool:
        return (
            isinstance(status, KeyStatus)
            and status.is_on == on
            and (level is None or status.level == level)
        )

    return wanted


def _any_state(status: KeyStatus | ACState) -> bool:
    return True


def key_request(
    node: int,
    key_id: int,
    key_type: KeyType | None,
    action: KeyPowerStatus,
    *,
    dimmer: int = 0,
    timer: int = 0,
) -> HostRequest | None:
    """The command for a model ``set_key``; None for a release (nothing to send)."""
    digit = key_digit(key_id)
    target: Target = ("key", node, key_id)
    if action.is_press:
        if action is KeyPowerStatus.RELEASED:
            return None
        # No press command exists on this port: a press switches the key on, sent once.
        return HostRequest(lines.key_on(node, digit), target, idempotent=False)
    on = action is KeyPowerStatus.ON
    if key_type in _BLINDS:
        if on and dimmer == BLIND_STOP:
            return HostRequest(lines.blind_stop(node, digit), target, _any_state)
        position = dimmer if on else 0
        return HostRequest(
            lines.blind(node, digit, position), target, _key_wanted(position > 0, position)
        )
    if key_type in _DIMMERS:
        level = (dimmer or FULL_LEVEL) if on else 0
        return HostRequest(lines.dimmer(node, digit, level), target, _key_wanted(on, level))
    if on:
        return HostRequest(lines.key_on(node, digit, timer), target, _key_wanted(True))
    return HostRequest(lines.key_off(node, digit), target, _key_wanted(False))


def _ac_wanted(**values: object) -> Wanted:
    def wanted(state: KeyStatus | ACState) -> bool:
        return isinstance(state, ACState) and all(
            getattr(state, name) == value for name, value in values.items()
        )

    return wanted


def ac_requests(
    ac_id: int,
    last: ACState | None,
    *,
    on: bool | None = None,
    mode: ACMode | None = None,
    fan: FanSpeed | None = None,
    setpoint: int | None = None,
    unit: TemperatureUnit | None = None,
) -> list[HostRequest]:
    """The AC commands for a model ``set_ac``, in the order they go out.

    One changed value: its own sub-command. Several, or "on" with a value: sub 1,
    the values not given taken from the last state; when one of them is unknown,
    "on" first and then each value on its own. Off goes last. Nothing unknown is sent.
    """
    target: Target = ("ac", ac_id)
    single: list[HostRequest] = []
    if unit is not None:  # first: a set-point that follows is in the new unit
        single.append(HostRequest(lines.ac_unit(ac_id, unit), target, _ac_wanted(unit=unit)))
    if mode is not None:
        single.append(HostRequest(lines.ac_mode(ac_id, mode), target, _ac_wanted(mode=mode)))
    if fan is not None:
        single.append(HostRequest(lines.ac_fan(ac_id, fan), target, _ac_wanted(fan=fan)))
    if setpoint is not None:
        single.append(
            HostRequest(lines.ac_setpoint(ac_id, setpoint), target, _ac_wanted(setpoint=setpoint))
        )
    power_on = HostRequest(lines.ac_power(ac_id, True), target, _ac_wanted(on=True))
    if on is False:
        return [*single, HostRequest(lines.ac_power(ac_id, False), target, _ac_wanted(on=False))]
    if not single:
        return [power_on] if on else []
    if len(single) == 1 and on is None:
        return single
    last = last or ACState(ac_id, False)
    m = mode if mode is not None else last.mode
    f = fan if fan is not None else last.fan
    s = setpoint if setpoint is not None else last.setpoint
    u = unit if unit is not None else last.unit
    if m is None or f is None or s is None or u is None:
        return [power_on, *single] if on else single
    return [
        HostRequest(
            lines.ac_full(ac_id, m, f, s, u),
            target,
            _ac_wanted(on=True, mode=m, fan=f, setpoint=s, unit=u),
        )
    ]


def scenario_request(scenario_id: int) -> HostRequest:
    # Never retried: a scenario run twice may not be what anyone wanted.
    return HostRequest(lines.scenario(scenario_id), ("scenario", scenario_id), idempotent=False)


def led_request(node: int, key_id: int, on: bool) -> HostRequest:
    return HostRequest(lines.led(node, key_digit(key_id), on))


@dataclass(frozen=True, slots=True)
class VTHRequest:
    command: VTHCommand
    payload: bytes
    accepts: Callable[[VTHFrame], bool]  # the reply's ids are the request's (raises if malformed)

    @property
    def name(self) -> str:
        return f"VTH {self.command.name}"


@dataclass(frozen=True, slots=True)
class SweepRequest:
    keys: frozenset[KeyAddress]
    name: str = "H:NALL:G"


type Request = HostRequest | VTHRequest | SweepRequest
