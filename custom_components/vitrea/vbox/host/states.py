"""Port 11502's key status lines as the model's KeyStatus, and the model's key ids as key digits.

The model numbers a node's keys from 0, the text protocol from 1: model key id =
key digit - 1, everywhere (spec: "Key ids"). Letters (§3.6): ``O``/``F`` on/off and
``o``/``f`` a boiler on/off, both with the minutes left; ``D`` a dimmer level and
``B`` a blind's position (0 closed, 100 open), both ON with that level while above
0 and OFF at 0, which is how cover.py shows a closed blind; ``S``/``L``/``R`` a
press. Any other letter is not a state the model has.
"""

from __future__ import annotations

from ..enums import KeyPowerStatus
from ..vtu.replies import KeyStatus
from .lines import KeyLine

_PRESSES = {
    "S": KeyPowerStatus.SHORT,
    "L": KeyPowerStatus.LONG,
    "R": KeyPowerStatus.RELEASED,
}
_ON_OFF = {"O": True, "F": False, "o": True, "f": False}
MAX_BYTE = 0xFF
MAX_TIMER = 0xFFFF


def key_digit(key_id: int) -> int:
    """The wire's key digit of a model key id."""
    return key_id + 1


def key_status(line: KeyLine) -> KeyStatus | None:
    """The KeyStatus a line reports; None for a letter (or key 0) the model has no state for."""
    key_id = line.key_digit - 1
    param = line.param or 0
    if key_id < 0 or param > MAX_TIMER:
        return None
    letter = line.letter
    if letter in _ON_OFF:
        on = KeyPowerStatus.ON if _ON_OFF[letter] else KeyPowerStatus.OFF
        return KeyStatus(line.node, key_id, on, timer=param)
    if param > MAX_BYTE:
        return None
    if letter in ("D", "B"):
        on = KeyPowerStatus.ON if param > 0 else KeyPowerStatus.OFF
        return KeyStatus(line.node, key_id, on, level=param)
    if letter in _PRESSES:
        return KeyStatus(line.node, key_id, _PRESSES[letter])
    return None
