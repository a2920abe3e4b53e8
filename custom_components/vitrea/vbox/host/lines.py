"""Port 11502's text lines as the client speaks them: building commands, parsing the box's lines.

docs/vbox-protocol.md §3. Pure functions and frozen dataclasses, no I/O. Key
digits here are the wire's (1-based); the client converts to the model's ids.
Builders check every range and raise MessageError rather than send a line the
box would misread; the parser accepts both known ``E:`` layouts, a bare
``ERROR`` and status fields that are not text (reported as None, never invented).
The box's side (parsing commands, formatting replies) is in ``commands.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..climate import ACMode, ACState, ACType, FanSpeed, TemperatureUnit
from ..errors import MessageError
from .grammar import (
    BLIND,
    DIMMER,
    ERROR,
    GET,
    KEEPALIVE,
    MAX_LEVEL,
    MAX_TIMER,
    OFF,
    OK,
    ON,
    PASSWORD_OK,
    SEP,
    STATUS_ALL,
    STOP,
    VC_ERRORS,
    VERSION_QUERY,
    VH_ERRORS,
    ACSub,
    ac_address,
    code_field,
    key_field,
    line_of,
    node_address,
    number_field,
    parse_address,
    parse_int,
    scenario_address,
    setpoint_field,
)

# --------------------------------------------------------------------------- client -> box


def keepalive() -> bytes:
    return line_of(KEEPALIVE)


def version_query() -> bytes:
    return line_of(VERSION_QUERY)


def status_all() -> bytes:
    return line_of(STATUS_ALL)


def status_node(node: int) -> bytes:
    return line_of("H", node_address(node), GET)


def status_key(node: int, key: int) -> bytes:
    return line_of("H", node_address(node), GET, key_field(key))


def status_ac(ac: int) -> bytes:
    return line_of("H", ac_address(ac), GET)


def key_on(node: int, key: int, minutes: int = 0) -> bytes:
    return line_of(
        "H", node_address(node), key_field(key), ON, number_field(minutes, "timer", 3, MAX_TIMER)
    )


def key_off(node: int, key: int) -> bytes:
    return line_of("H", node_address(node), key_field(key), OFF)


def dimmer(node: int, key: int, level: int, ramp: int = 0) -> bytes:
    return line_of(
        "H",
        node_address(node),
        key_field(key),
        DIMMER,
        number_field(ramp, "ramp", 3, MAX_TIMER),
        number_field(level, "level", 3, MAX_LEVEL),
    )


def dimmer_stop(node: int, key: int) -> bytes:
    return line_of("H", node_address(node), key_field(key), DIMMER, "000", str(STOP))


def blind(node: int, key: int, position: int) -> bytes:
    return line_of(
        "H", node_address(node), key_field(key), BLIND, number_field(position, "position", 3, 100)
    )


def blind_stop(node: int, key: int) -> bytes:
    return line_of("H", node_address(node), key_field(key), BLIND, str(STOP))


def scenario(scenario_id: int) -> bytes:
    return line_of("H", scenario_address(scenario_id))


def led(node: int, key: int, on: bool) -> bytes:
    return line_of("L", node_address(node), key_field(key), ON if on else OFF)


def _ac(ac: int, sub: int, *args: str) -> bytes:
    return line_of("H", ac_address(ac), str(sub), *args)


def ac_full(ac: int, mode: ACMode, fan: FanSpeed, setpoint: int, unit: TemperatureUnit) -> bytes:
    """Sub-command 1: every value at once; it always switches the AC on."""
    return _ac(
        ac,
        ACSub.FULL,
        ON,
        code_field(mode, ACMode) + code_field(fan, FanSpeed),
        setpoint_field(setpoint, unit),
        code_field(unit, TemperatureUnit),
    )


def ac_power(ac: int, on: bool) -> bytes:
    return _ac(ac, ACSub.POWER, ON if on else OFF)


def ac_mode(ac: int, mode: ACMode) -> bytes:
    return _ac(ac, ACSub.MODE, code_field(mode, ACMode))


def ac_fan(ac: int, fan: FanSpeed) -> bytes:
    return _ac(ac, ACSub.FAN, code_field(fan, FanSpeed))


def ac_setpoint(ac: int, degrees: int) -> bytes:
    return _ac(ac, ACSub.SETPOINT, setpoint_field(degrees, None))


def ac_raise(ac: int) -> bytes:
    return _ac(ac, ACSub.RAISE)


def ac_lower(ac: int) -> bytes:
    return _ac(ac, ACSub.LOWER)


def ac_unit(ac: int, unit: TemperatureUnit) -> bytes:
    return _ac(ac, ACSub.UNIT, code_field(unit, TemperatureUnit))


# --------------------------------------------------------------------------- box -> client


@dataclass(frozen=True, slots=True)
class PasswordOk:
    """``S:PSW:OK``: the answer to a keep-alive."""


@dataclass(frozen=True, slots=True)
class Ok:
    """``OK``: some command was executed (which one, the line does not say)."""


@dataclass(frozen=True, slots=True)
class Version:
    major: int
    minor: int
    text: str  # as the box's version is shown: "8.66"


@dataclass(frozen=True, slots=True)
class KeyLine:
    """``S:Nnnn:k:c[:p]``: a key's state or a press (``key_digit`` is 1-based)."""

    node: int
    key_digit: int
    letter: str
    param: int | None = None


@dataclass(frozen=True, slots=True)
class ACLine:
    state: ACState


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    id: int
    ok: bool


@dataclass(frozen=True, slots=True)
class ErrorLine:
    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Echo:
    """One of our own lines (``H:``, ``P:``, ``G:``, an LED ``L:``) sent back by the box."""

    text: str


@dataclass(frozen=True, slots=True)
class Other:
    """A line with nothing for the client (clock, node joined/left, inputs, occupancy)."""

    text: str


type HostLine = (
    PasswordOk | Ok | Version | KeyLine | ACLine | ScenarioResult | ErrorLine | Echo | Other
)


def parse_line(line: bytes) -> HostLine:
    """One line from the box (CRLF stripped); MessageError names a line it cannot read."""
    line = line.strip(b"\r\n ")
    text = line.decode("ascii", "replace")
    if text == PASSWORD_OK:
        return PasswordOk()
    if text == OK:
        return Ok()
    if text == ERROR:
        return ErrorLine("", ERROR)
    fields = line.split(SEP.encode())
    head = fields[0]
    if head == b"S" and len(fields) >= 2:
        target = fields[1][:1]
        if target == b"N":
            return _key_line(fields, line)
        if target == b"A":
            return ACLine(_ac_state(fields, line))
        if target == b"R" and len(fields) == 3 and fields[2] in (b"OK", b"ERROR"):
            return ScenarioResult(
                parse_address(fields[1], b"R", "scenario", line), fields[2] == b"OK"
            )
        if target in (b"I", b"O", b"C"):
            return Other(text)
    elif head == b"V" and len(fields) == 2:
        return _version(fields[1].decode("ascii", "replace"), line)
    elif head == b"E" and len(fields) >= 2:
        return _error(text[2:])
    elif head in (b"H", b"P", b"G") or (head == b"L" and len(fields) == 4):
        return Echo(text)
    elif head in (b"T", b"J", b"L"):
        return Other(text)
    raise MessageError(f"unknown line {line!r}")


def _version(digits: str, line: bytes) -> Version:
    """``V:866`` is 8.66: the first digit is the major (§3.4); ``V:8.66`` is read too."""
    major_text, dot, minor_text = digits.partition(".")
    if not dot:
        major_text, minor_text = digits[:1], digits[1:]
    major = parse_int(major_text, "version", line)
    minor = parse_int(minor_text, "version", line) if minor_text else 0
    return Version(major, minor, f"{major}.{minor_text}" if minor_text else str(major))


def _error(body: str) -> ErrorLine:
    fields = body.split(SEP)
    if fields[0].startswith("N") and len(fields) >= 3:  # E:N<node>:<key>:<code>
        code = fields[-1]
        meaning = VC_ERRORS.get(code, "error")
        return ErrorLine(code, f"{meaning} (node {fields[0][1:]}, key {fields[1]})")
    code = fields[0]
    text = SEP.join(fields[1:]) or VH_ERRORS.get(code, "error")
    return ErrorLine(code, text)


def _key_line(fields: list[bytes], line: bytes) -> KeyLine:
    if len(fields) not in (4, 5) or len(fields[3]) != 1 or not fields[3].isalpha():
        raise MessageError(f"malformed key status {line!r}")
    param = parse_int(fields[4], "parameter", line) if len(fields) == 5 and fields[4] else None
    return KeyLine(
        parse_address(fields[1], b"N", "node", line),
        parse_int(fields[2], "key", line),
        fields[3].decode("ascii"),
        param,
    )


def _digit[E: (ACMode, FanSpeed, TemperatureUnit, ACType)](field: bytes, kind: type[E]) -> E | None:
    """A one-digit code the table knows, or None (the field may not even be text)."""
    if len(field) == 1 and 0x30 <= field[0] <= 0x39 and field[0] - 0x30 in kind._value2member_map_:
        return kind(field[0] - 0x30)
    return None


def _number(field: bytes) -> int | None:
    try:
        text = field.decode("ascii")
    except UnicodeDecodeError:
        return None
    return int(text) if text.lstrip("-").isdigit() else None


def _flag(field: bytes) -> bool | None:
    return {b"O": True, b"F": False}.get(field)


def _ac_state(fields: list[bytes], line: bytes) -> ACState:
    """``S:Aaaa:1:p:<m><f>:set:measured:type:relay:unit``, each field decoded on its own."""
    if len(fields) < 4:
        raise MessageError(f"malformed AC status {line!r}")
    on = _flag(fields[3])
    if on is None:
        raise MessageError(f"AC status without on/off {line!r}")
    rest = [*fields[4:], *[b""] * 6][:6]
    mode_fan, setpoint, measured, ac_type, relay, unit = rest
    return ACState(
        ac_id=parse_address(fields[1], b"A", "AC", line),
        on=on,
        mode=_digit(mode_fan[:1], ACMode) if len(mode_fan) == 2 else None,
        fan=_digit(mode_fan[1:], FanSpeed) if len(mode_fan) == 2 else None,
        setpoint=_number(setpoint),
        temperature=_number(measured),
        type=_digit(ac_type, ACType),
        relay=_flag(relay),
        unit=_digit(unit, TemperatureUnit),
    )
