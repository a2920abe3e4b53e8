"""What each text command of port 11502 does to the simulated home, and the lines it answers.

docs/vbox-protocol.md §3. The home is the 11501 simulator's (its key states,
shared with every port) plus what only 11502 has: air conditioners, scenario
effects, key LEDs and each press key's last letter. Key digits on the wire are
1-based, the model's key ids 0-based: digit = id + 1.

An :class:`Answer` holds the lines written to the client that sent the command
(built when they are written, so a late answer tells the state of that moment)
and the command's effect, run once the answer is written: a key or AC change,
pushed to the clients of every port.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from custom_components.vitrea.vbox import (
    ACMode,
    FanSpeed,
    KeyPowerStatus,
    KeyStatus,
    KeyType,
    MessageError,
    TemperatureUnit,
)
from custom_components.vitrea.vbox.host.commands import (
    ACCommand,
    BlindCommand,
    DimmerCommand,
    HostCommand,
    Keepalive,
    KeyCommand,
    LedCommand,
    ScenarioCommand,
    StatusQuery,
    VersionQuery,
    format_ac_line,
    format_error,
    format_key_line,
    format_scenario_result,
    format_version,
    password_ok,
)
from custom_components.vitrea.vbox.host.grammar import (
    OFF,
    ON,
    PREVIOUS,
    RECALL,
    STOP,
    VH_ERRORS,
    ACSub,
)
from custom_components.vitrea.vbox.host.lines import Version, parse_line

from .climate import ACRejected, ACUnit, ACUnits
from .state import BLINDS, DIMMERS, KeyState, PressKind, SceneStep

if TYPE_CHECKING:
    from .server import VBoxSimulator

_LOGGER = logging.getLogger(__name__)

# Keys that report presses: a sweep or a query gives their last letter (R before any).
PRESS_KEYS: Final = frozenset({KeyType.SATELLITE, KeyType.PUSH_BUTTON, KeyType.TOGGLE_SCENE})
_LETTERS: Final = {
    KeyPowerStatus.SHORT: "S",
    KeyPowerStatus.LONG: "L",
    KeyPowerStatus.RELEASED: "R",
}
_BOILER_LETTERS: Final = {KeyPowerStatus.ON: "o", KeyPowerStatus.OFF: "f"}
_LOAD_LETTERS: Final = {KeyPowerStatus.ON: "O", KeyPowerStatus.OFF: "F"}
_MAX_PARAM: Final = 999  # a status line's parameter has 3 digits
MAX_KEY_ID: Final = 8  # the highest model key id a one-digit key field can address (digit 9)
# (inferred) §3.4: LED indicator commands need firmware 9.x or later (or 0.x).
_LED_MAJOR: Final = 9
_STOP: Final = "stop"  # a dimmer's ramp or a blind stopped: the key stays as it is


class ErrorCode(StrEnum):
    """The error codes of the vendor library's ``E:<code>:<text>`` lines (§3.6)."""

    WRONG_COMMAND = "1"
    WRONG_NODE = "2"
    WRONG_KEY = "3"
    WRONG_INPUT = "4"
    WRONG_SCENARIO = "5"
    NOT_FOUND = "6"


def error_line(code: ErrorCode) -> bytes:
    """An ``E:`` line in the vendor library's layout, ``E:<code>:<text>``."""
    return format_error(code.value, VH_ERRORS[code.value])


type Effect = Callable[[], None]


@dataclass(slots=True)
class Answer:
    """The lines to write back (built at writing time) and what to do once they are written."""

    lines: Callable[[], list[bytes]]
    effect: Effect | None = None
    executed: bool = False  # a command carried out: answered OK (unless the OK is omitted)


def refuse(code: ErrorCode) -> Answer:
    return Answer(lambda: [error_line(code)])


def version_major(text: str) -> int:
    """The major of a version as the box reports it (``866`` → 8), read by the client's parser."""
    parsed = parse_line(format_version(text))
    assert isinstance(parsed, Version)
    return parsed.major


@dataclass(slots=True)
class HostHome:
    """What port 11502 adds to the box's home, and the answers to its commands."""

    box: VBoxSimulator
    acs: ACUnits
    scenes: Mapping[int, Sequence[SceneStep]]
    version: str
    push_ac: Callable[[int], None]  # push an AC's S:A line to every 11502 client
    leds: dict[tuple[int, int], bool] = field(default_factory=dict)
    letters: dict[tuple[int, int], str] = field(default_factory=dict)

    # ------------------------------------------------------------------ status lines

    def key_line(self, status: KeyStatus, *, query: bool = False) -> bytes | None:
        """The ``S:N`` line of a key's status; a query of a press key gives its last letter.

        None for a key the one-digit key field cannot address.
        """
        node_id, key_id = status.node_id, status.key_id
        if key_id > MAX_KEY_ID:
            return None
        state = self.box.keys.get(node_id, key_id)
        key_type = state.key_type if state is not None else KeyType.TOGGLE
        digit = key_id + 1
        letter = _LETTERS.get(status.status)
        if letter is not None:
            self.letters[node_id, key_id] = letter
            return format_key_line(node_id, digit, letter)
        if query and key_type in PRESS_KEYS:
            return format_key_line(node_id, digit, self.letters.get((node_id, key_id), "R"))
        if key_type in DIMMERS:
            return format_key_line(node_id, digit, "D", status.level)
        if key_type in BLINDS:
            return format_key_line(node_id, digit, "B", status.level)
        letters = _BOILER_LETTERS if key_type is KeyType.BOILER else _LOAD_LETTERS
        minutes = min(status.timer, _MAX_PARAM)
        return format_key_line(node_id, digit, letters.get(status.status, "F"), minutes)

    def node_lines(self, node_id: int) -> list[bytes]:
        node = self.box.installation.node(node_id)
        if node is None:
            return []
        lines = []
        for key in node.keys:
            if key.type.exists and (line := self._query_line(node_id, key.id)) is not None:
                lines.append(line)
        return lines

    def ac_line(self, ac_id: int) -> bytes:
        return format_ac_line(self.acs.state(ac_id))

    def sweep(self) -> list[bytes]:
        """``H:NALL:G``: every existing key, then every AC."""
        lines = [line for node in self.box.installation.nodes for line in self.node_lines(node.id)]
        return lines + [self.ac_line(ac_id) for ac_id in self.acs.ids()]

    def _query_line(self, node_id: int, key_id: int) -> bytes | None:
        state = self.box.keys.get(node_id, key_id)
        if state is None:
            return None
        return self.key_line(self.box.keys.status_of(node_id, key_id, state), query=True)

    # ------------------------------------------------------------------ commands

    def answer(self, command: HostCommand) -> Answer:
        """The answer to one parsed command."""
        match command:
            case Keepalive():
                return Answer(lambda: [password_ok()])
            case VersionQuery():
                return Answer(lambda: [format_version(self.version)])
            case StatusQuery():
                return self._status(command)
            case KeyCommand() | DimmerCommand() | BlindCommand():
                return self._key_command(command)
            case ScenarioCommand(id=scenario_id):
                return self._scenario(scenario_id)
            case LedCommand():
                return self._led(command)
            case _:  # ACCommand, the one kind left
                return self._ac_command(command)

    def _status(self, query: StatusQuery) -> Answer:
        target, number = query.target, query.id
        if target == "all":
            return Answer(self.sweep)
        if target == "ac" and number is not None:
            if number not in self.acs:
                return refuse(ErrorCode.NOT_FOUND)
            return Answer(lambda: [self.ac_line(number)])
        if target == "node" and number is not None:
            if self.box.installation.node(number) is None:
                return refuse(ErrorCode.NOT_FOUND)
            return Answer(lambda: self.node_lines(number))
        if target == "key" and number is not None and query.key_digit is not None:
            found = self._key(number, query.key_digit)
            if isinstance(found, Answer):
                return found
            key_id = query.key_digit - 1
            return Answer(lambda: [line] if (line := self._query_line(number, key_id)) else [])
        return refuse(ErrorCode.WRONG_INPUT if target == "input" else ErrorCode.WRONG_COMMAND)

    def _key(self, node_id: int, digit: int) -> KeyState | Answer:
        """The state of the key a command addresses, or the error that answers it."""
        if self.box.installation.node(node_id) is None:
            return refuse(ErrorCode.NOT_FOUND)
        state = self.box.keys.get(node_id, digit - 1) if digit >= 1 else None
        return refuse(ErrorCode.WRONG_KEY) if state is None else state

    def _key_command(self, command: KeyCommand | DimmerCommand | BlindCommand) -> Answer:
        node_id, key_id = command.node, command.key_digit - 1
        state = self._key(command.node, command.key_digit)
        if isinstance(state, Answer):
            return state
        change = _key_change(command, state)
        if change is None:
            return refuse(ErrorCode.WRONG_COMMAND)
        box = self.box

        def effect() -> None:
            if isinstance(change, PressKind):
                box.push_press(node_id, key_id, change)
            else:
                if isinstance(change, tuple):  # a stop pushes the state as it is
                    status, level, minutes = change
                    box.keys.apply(node_id, key_id, state, status, level=level, timer=minutes)
                box.push_state(box.keys.status_of(node_id, key_id, state))

        return Answer(list, effect, executed=True)

    def _scenario(self, scenario_id: int) -> Answer:
        if self.box.installation.scenario(scenario_id) is None:
            return Answer(lambda: [format_scenario_result(scenario_id, False)])
        steps = tuple(self.scenes.get(scenario_id, ()))
        box = self.box

        def effect() -> None:
            for step in steps:
                try:
                    box.change_key(step.node_id, step.key_id, step.status, step.level)
                except KeyError:  # a key that is gone since (restart with a new home)
                    _LOGGER.debug(
                        "scenario %d: no key %d/%d", scenario_id, step.node_id, step.key_id
                    )

        return Answer(lambda: [format_scenario_result(scenario_id, True)], effect, executed=True)

    def _led(self, command: LedCommand) -> Answer:
        major = version_major(self.version)
        if major != 0 and major < _LED_MAJOR:
            return refuse(ErrorCode.WRONG_COMMAND)
        state = self._key(command.node, command.key_digit)
        if isinstance(state, Answer):
            return state
        self.leds[command.node, command.key_digit - 1] = command.on
        return Answer(list, executed=True)

    def _ac_command(self, command: ACCommand) -> Answer:
        if command.ac not in self.acs:
            return refuse(ErrorCode.NOT_FOUND)
        unit = self.acs.unit(command.ac)
        try:
            _apply_ac(unit, command.sub, command.args)
        except (ACRejected, MessageError, ValueError) as err:
            _LOGGER.info("AC %d refuses %s: %s", command.ac, command, err)
            return refuse(ErrorCode.WRONG_COMMAND)
        return Answer(list, lambda: self.push_ac(command.ac), executed=True)


type _Change = PressKind | tuple[KeyPowerStatus, int | None, int] | str


def _key_change(
    command: KeyCommand | DimmerCommand | BlindCommand, state: KeyState
) -> _Change | None:
    """What a key command does: a press, (status, level, minutes), _STOP, or None (refused)."""
    key_type = state.key_type
    match command:
        case KeyCommand(action=action, minutes=minutes):
            if key_type in PRESS_KEYS:  # a press from the integration, as on the wall
                return PressKind.SHORT if action == ON else PressKind.RELEASE
            if action == PREVIOUS:
                action = OFF if state.status is KeyPowerStatus.ON else ON
            if action == OFF:
                return KeyPowerStatus.OFF, None, 0
            return KeyPowerStatus.ON, None, minutes
        case DimmerCommand(level=level):
            if key_type not in DIMMERS:
                return None
            if level == STOP:
                return _STOP
            if level == RECALL:
                return KeyPowerStatus.ON, None, 0
            if level > 100:
                return None
            return (KeyPowerStatus.ON if level else KeyPowerStatus.OFF), level or None, 0
        case _:  # BlindCommand
            if key_type not in BLINDS:
                return None
            if command.position == STOP:
                return _STOP
            if command.position > 100:
                return None
            return KeyPowerStatus.ON, command.position, 0


def _apply_ac(unit: ACUnit, sub: int, args: tuple[str, ...]) -> None:
    """Carry out AC sub-command ``sub`` (arguments as sent); ACRejected when refused."""
    if sub == ACSub.FULL:
        mode_fan = args[1]
        unit.set_all(
            ACMode(int(mode_fan[0])),
            FanSpeed(int(mode_fan[1])),
            int(args[2]),
            TemperatureUnit(int(args[3])),
        )
    elif sub == ACSub.POWER:
        unit.set_power(args[0] == ON)
    elif sub == ACSub.MODE:
        unit.set_mode(ACMode(int(args[0])))
    elif sub == ACSub.FAN:
        unit.set_fan(FanSpeed(int(args[0])))
    elif sub == ACSub.SETPOINT:
        unit.set_setpoint(int(args[0]))
    elif sub in (ACSub.RAISE, ACSub.LOWER):
        unit.step(1 if sub == ACSub.RAISE else -1)
    elif sub == ACSub.UNIT:
        unit.set_unit(TemperatureUnit(int(args[0])))
    else:
        raise ACRejected(f"sub-command {sub}")
