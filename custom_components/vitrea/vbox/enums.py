"""The model's enumerations: key types, categories and states, keypad settings.

Numbered as the binary protocol numbers them (docs/vbox-protocol.md §2.5); another
protocol maps its own codes onto these.

Every enum that decodes a byte from the box is *open*: a value the table does not
know becomes a pseudo-member named ``UNKNOWN_<n>`` instead of an exception, so a
newer firmware with a new key type degrades to "unsupported key" rather than to
a failed installation read.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Self


class OpenIntEnum(IntEnum):
    """An IntEnum that accepts any byte value, naming unknown ones ``UNKNOWN_<n>``."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, int) or not 0 <= value <= 0xFF:
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        return member


class KeyType(OpenIntEnum):
    """Per-key type bytes of NodeMetaData."""

    NOT_EXIST = 0
    NOT_ACTIVE = 1
    TOGGLE = 2
    BLIND = 3
    PUSH_BUTTON = 4
    DIMMER = 5
    DIMMER_MW = 10
    BLIND_MW = 11
    SATELLITE = 12
    TOGGLE_SCENE = 13
    DUAL_POLE = 14
    BOILER = 15
    REPEATER = 16
    THERMOSTAT = 17
    ALL_NODES = 101

    @property
    def is_mirror(self) -> bool:
        """A multi-way (MW) key mirrors a key of another node."""
        return self in (KeyType.DIMMER_MW, KeyType.BLIND_MW)

    @property
    def exists(self) -> bool:
        """False for the placeholder types of unused key positions."""
        return self not in (KeyType.NOT_EXIST, KeyType.NOT_ACTIVE)


class KeyCategory(OpenIntEnum):
    """KeyParameters byte 11."""

    UNDEFINED = 0
    LIGHT = 1
    FAN = 6
    BOILER = 7
    AUDIO = 8
    SCENARIO = 11


class KeyPowerStatus(OpenIntEnum):
    """ToggleKeyStatus action byte and KeyStatus state byte (ASCII letters)."""

    ON = 0x4F  # 'O'
    OFF = 0x46  # 'F'
    LONG = 0x4C  # 'L'
    SHORT = 0x53  # 'S'
    RELEASED = 0x52  # 'R'

    @property
    def is_press(self) -> bool:
        """SHORT, LONG and RELEASED describe a key press, not a load state."""
        return self in (KeyPowerStatus.SHORT, KeyPowerStatus.LONG, KeyPowerStatus.RELEASED)


class LEDBackgroundBrightness(OpenIntEnum):
    """Keypad backlight level (NodeMetaData O+1, ToggleNodeStatus byte 2).

    The newer table of the TypeScript client; an older one lacked NORMAL.
    """

    OFF = 0
    LOW = 1
    NORMAL = 2
    HIGH = 3
    MAX = 4


class LockStatus(OpenIntEnum):
    """Keypad child lock (NodeMetaData O+0, ToggleNodeStatus byte 1)."""

    UNLOCKED = 0
    LOCKED = 1


class Protocol(StrEnum):
    """Which port and protocol an installation was read through."""

    VTU = "vtu"  # port 11501: binary frames, username and password
    HOST = "host"  # port 11502: text lines and the VTH database, no password
