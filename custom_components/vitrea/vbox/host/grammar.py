"""The grammar of port 11502's text lines: the constants and fields both directions share.

docs/vbox-protocol.md §3. The client's builders and parser (``lines.py``) and the
box's parser and formatters (``commands.py``) use these, so each layout is written once.
"""

from __future__ import annotations

from typing import Final

from ..climate import ACMode, FanSpeed, TemperatureUnit, setpoint_range
from ..errors import MessageError

EOL: Final = b"\r\n"
SEP: Final = ":"
KEEPALIVE: Final = "P:VITREA"
PASSWORD_OK: Final = "S:PSW:OK"
VERSION_QUERY: Final = "G:V:S"
STATUS_ALL: Final = "H:NALL:G"
OK: Final = "OK"
ERROR: Final = "ERROR"
GET: Final = "G"
ON: Final = "O"
OFF: Final = "F"
PREVIOUS: Final = "T"
DIMMER: Final = "D"
BLIND: Final = "B"
STOP: Final = 255  # a dimmer's ramp or a blind's movement
RECALL: Final = 254  # a dimmer's last level
MAX_TIMER: Final = 120  # minutes, a toggle or boiler
MAX_LEVEL: Final = 100  # percent, a dimmer level or a blind position (100 = open)
AC_KEY: Final = "1"  # the key field of an S:A line


class ACSub:
    """The AC sub-commands (§3.5.1)."""

    FULL = 1
    POWER = 2
    MODE = 3
    FAN = 4
    SETPOINT = 5
    RAISE = 6
    LOWER = 7
    UNIT = 8


# The meaning of each error code, in the two layouts the sources disagree on (§3.6).
VH_ERRORS: Final = {
    "1": "wrong command",
    "2": "wrong node number",
    "3": "wrong key number",
    "4": "wrong input",
    "5": "wrong scenario",
    "6": "node not found",
}
VC_ERRORS: Final = {
    "001": "wrong command",
    "002": "wrong input",
    "003": "wrong node number",
    "004": "wrong key number",
    "005": "node not found",
    "006": "wrong scenario",
}


def number_field(value: int, what: str, digits: int, top: int | None = None) -> str:
    """``value`` zero-padded to ``digits``; MessageError outside 0-``top``."""
    top = 10**digits - 1 if top is None else top
    if not 0 <= value <= top:
        raise MessageError(f"{what} {value} is outside 0-{top}")
    return f"{value:0{digits}d}"


def node_address(node: int) -> str:
    return "N" + number_field(node, "node", 3)


def ac_address(ac: int) -> str:
    return "A" + number_field(ac, "AC", 3)


def scenario_address(scenario: int) -> str:
    return "R" + number_field(scenario, "scenario", 4)


def key_field(key: int) -> str:
    """A key digit as the wire has it (1-based)."""
    return number_field(key, "key digit", 1)


def line_of(*fields: str) -> bytes:
    return SEP.join(fields).encode("ascii") + EOL


def code_field(value: int, kind: type[ACMode | FanSpeed | TemperatureUnit]) -> str:
    """A mode, fan or unit code the table knows: an unknown one is never sent."""
    if value not in kind._value2member_map_:
        raise MessageError(f"{value!r} is not a {kind.__name__} the box knows")
    return str(int(value))


def setpoint_field(degrees: int, unit: TemperatureUnit | None) -> str:
    low, high = setpoint_range(unit)
    if not low <= degrees <= high:
        raise MessageError(f"set-point {degrees} is outside {low}-{high}")
    return f"{degrees:03d}"


def parse_int(field: bytes | str, what: str, line: bytes) -> int:
    """A field of ASCII digits; MessageError (naming the line) for anything else."""
    text = field.decode("ascii", "replace") if isinstance(field, bytes) else field
    if not text.isdigit() or not text.isascii():
        raise MessageError(f"{what} {text!r} is not a number in {line!r}")
    return int(text)


def parse_address(field: bytes, prefix: bytes, what: str, line: bytes) -> int:
    """``N018`` -> 18 for prefix ``N``."""
    if not field.startswith(prefix):
        raise MessageError(f"no {what} in {line!r}")
    return parse_int(field[len(prefix) :], what, line)
