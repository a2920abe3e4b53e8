"""Port 11502's text lines as the box speaks them: parsing commands, formatting replies.

For the simulator (and tests): the inverse of the client's builders and parser
in ``lines.py``, on the same grammar (``grammar.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ..climate import ACState
from ..errors import MessageError
from .grammar import (
    AC_KEY,
    BLIND,
    DIMMER,
    ERROR,
    GET,
    KEEPALIVE,
    OFF,
    OK,
    ON,
    PASSWORD_OK,
    PREVIOUS,
    SEP,
    STATUS_ALL,
    VERSION_QUERY,
    ACSub,
    ac_address,
    key_field,
    line_of,
    node_address,
    number_field,
    parse_address,
    parse_int,
    scenario_address,
)

# --------------------------------------------------------------------------- box side (simulator)


@dataclass(frozen=True, slots=True)
class KeyCommand:
    """``H:Nnnn:k:O:ttt``, ``H:Nnnn:k:F`` or ``H:Nnnn:k:T``; minutes only with O."""

    node: int
    key_digit: int
    action: str  # ON, OFF or PREVIOUS
    minutes: int = 0


@dataclass(frozen=True, slots=True)
class DimmerCommand:
    """``H:Nnnn:k:D:ttt:iii``: level 0-100, STOP or RECALL."""

    node: int
    key_digit: int
    level: int
    ramp: int = 0


@dataclass(frozen=True, slots=True)
class BlindCommand:
    """``H:Nnnn:k:B:ppp``: position 0-100 or STOP."""

    node: int
    key_digit: int
    position: int


@dataclass(frozen=True, slots=True)
class ScenarioCommand:
    id: int


@dataclass(frozen=True, slots=True)
class LedCommand:
    node: int
    key_digit: int
    on: bool


@dataclass(frozen=True, slots=True)
class ACCommand:
    """``H:Aaaa:<sub>[:args]``; ``args`` as sent, their shape checked for the sub-command."""

    ac: int
    sub: int
    args: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StatusQuery:
    """``target``: "all", "node", "key", "ac", "input", "output" or "occupancy"."""

    target: str
    id: int | None = None
    key_digit: int | None = None


@dataclass(frozen=True, slots=True)
class Keepalive:
    pass


@dataclass(frozen=True, slots=True)
class VersionQuery:
    pass


type HostCommand = (
    KeyCommand
    | DimmerCommand
    | BlindCommand
    | ScenarioCommand
    | LedCommand
    | ACCommand
    | StatusQuery
    | Keepalive
    | VersionQuery
)

# The shape of each AC sub-command's arguments: a pattern per field ("d" a digit,
# "ddd" up to 3 digits, "OF" O or F, "O" only O).
_AC_ARGS: Final[dict[int, tuple[str, ...]]] = {
    ACSub.FULL: ("O", "dd", "ddd", "d"),
    ACSub.POWER: ("OF",),
    ACSub.MODE: ("d",),
    ACSub.FAN: ("d",),
    ACSub.SETPOINT: ("ddd",),
    ACSub.RAISE: (),
    ACSub.LOWER: (),
    ACSub.UNIT: ("d",),
}
_STATUS_TARGETS: Final = {"I": "input", "O": "output", "A": "ac"}


def parse_command(line: bytes) -> HostCommand:
    """One line from a client (CRLF stripped); MessageError for anything the box would refuse."""
    line = line.strip(b"\r\n ")
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        raise MessageError(f"command {line!r} is not ASCII") from None
    if text == KEEPALIVE:
        return Keepalive()
    if text == VERSION_QUERY:
        return VersionQuery()
    if text == STATUS_ALL:
        return StatusQuery("all")
    fields = text.split(SEP)
    if fields[0] == "L" and len(fields) == 4 and fields[3] in (ON, OFF):
        return LedCommand(
            parse_address(fields[1].encode(), b"N", "node", line),
            _digit_field(fields[2], line),
            fields[3] == ON,
        )
    if fields[0] != "H" or len(fields) < 2 or not fields[1]:
        raise MessageError(f"unknown command {line!r}")
    target, args = fields[1], fields[2:]
    if target == "C" and args == [GET]:
        return StatusQuery("occupancy")
    kind, number = target[0], target[1:]
    if kind == "R" and not args:
        return ScenarioCommand(parse_int(number, "scenario", line))
    if kind in _STATUS_TARGETS and args == [GET]:
        return StatusQuery(_STATUS_TARGETS[kind], parse_int(number, _STATUS_TARGETS[kind], line))
    if kind == "A":
        return _ac_command(parse_int(number, "AC", line), args, line)
    if kind in _STATUS_TARGETS and args == [GET]:
        return StatusQuery(_STATUS_TARGETS[kind], parse_int(number, kind, line))
    if kind == "N":
        return _node_command(parse_int(number, "node", line), args, line)
    raise MessageError(f"unknown command {line!r}")


def _digit_field(field: str, line: bytes) -> int:
    if len(field) != 1:
        raise MessageError(f"key {field!r} is not one digit in {line!r}")
    return parse_int(field, "key", line)


def _node_command(node: int, args: list[str], line: bytes) -> HostCommand:
    if args == [GET]:
        return StatusQuery("node", node)
    if len(args) == 2 and GET in args:  # H:Nnnn:G:k, or H:Nnnn:k:G as one source sends it
        digit = args[1] if args[0] == GET else args[0]
        return StatusQuery("key", node, _digit_field(digit, line))
    if len(args) < 2:
        raise MessageError(f"unknown command {line!r}")
    key, action, params = _digit_field(args[0], line), args[1], args[2:]
    if action == ON and len(params) <= 1:
        minutes = parse_int(params[0], "timer", line) if params and params[0] else 0
        return KeyCommand(node, key, ON, minutes)
    if action in (OFF, PREVIOUS) and (not params or params == ["000"]):
        return KeyCommand(node, key, action)
    if action == DIMMER and len(params) == 2:
        return DimmerCommand(
            node, key, parse_int(params[1], "level", line), parse_int(params[0], "ramp", line)
        )
    if action == BLIND and len(params) == 1:
        return BlindCommand(node, key, parse_int(params[0], "position", line))
    raise MessageError(f"unknown command {line!r}")


def _ac_command(ac: int, args: list[str], line: bytes) -> ACCommand:
    sub = parse_int(args[0], "sub-command", line) if args else 0
    shape = _AC_ARGS.get(sub)
    if shape is None or len(args) - 1 != len(shape):
        raise MessageError(f"unknown AC command {line!r}")
    for field, pattern in zip(args[1:], shape, strict=True):
        if pattern in ("O", "OF"):
            ok = field in pattern
        else:
            ok = field.isdigit() and field.isascii() and 1 <= len(field) <= len(pattern)
            ok = ok and (pattern != "dd" or len(field) == 2)
        if not ok:
            raise MessageError(f"malformed AC command {line!r}")
    return ACCommand(ac, sub, tuple(args[1:]))


def format_key_line(node: int, key_digit: int, letter: str, param: int | None = None) -> bytes:
    fields = ["S", node_address(node), key_field(key_digit), letter]
    if param is not None:
        fields.append(number_field(param, "parameter", 3))
    return line_of(*fields)


def _code_or_dash(value: int | None) -> str:
    return "-" if value is None else str(int(value))


def format_ac_line(state: ACState) -> bytes:
    """An ``S:A`` line; an unknown value is sent as ``-``, which parses back as None."""
    mode_fan = (
        f"{int(state.mode)}{int(state.fan)}"
        if state.mode is not None and state.fan is not None
        else "--"
    )
    relay = "-" if state.relay is None else (ON if state.relay else OFF)
    return line_of(
        "S",
        ac_address(state.ac_id),
        AC_KEY,
        ON if state.on else OFF,
        mode_fan,
        "-" if state.setpoint is None else f"{state.setpoint:03d}",
        "-" if state.temperature is None else f"{state.temperature:03d}",
        _code_or_dash(state.type),
        relay,
        _code_or_dash(state.unit),
    )


def format_scenario_result(scenario_id: int, ok: bool) -> bytes:
    return line_of("S", scenario_address(scenario_id), OK if ok else ERROR)


def format_version(text: str) -> bytes:
    """``"8.66"`` (or ``"866"``) as ``V:866``."""
    digits = text.replace(".", "")
    if not digits.isdigit():
        raise MessageError(f"version {text!r} is not digits")
    return line_of("V", digits)


def format_error(code: str, text: str) -> bytes:
    return line_of("E", code, text)


def password_ok() -> bytes:
    return line_of(PASSWORD_OK)


def ok() -> bytes:
    return line_of(OK)
