"""VTH key types (§4.4) onto the model's key types and categories, and back for the simulator.

Every VTH type maps to something, so a database read never fails on a key type:
the ones the model has no entity for become ``KeyType(200 + vth_type)`` (an open
enum's ``UNKNOWN_n``, capped at 255), kept in the model and shown as nothing.
"""

from __future__ import annotations

from typing import Final

from ..enums import KeyCategory, KeyType

UNKNOWN_BASE: Final = 200  # KeyType(200 + vth type): a VTH type the model has no entity for

_FROM_VTH: Final[dict[int, tuple[KeyType, KeyCategory]]] = {
    0: (KeyType.NOT_EXIST, KeyCategory.UNDEFINED),  # NotUsed
    1: (KeyType.TOGGLE, KeyCategory.UNDEFINED),  # Toggle
    2: (KeyType.PUSH_BUTTON, KeyCategory.UNDEFINED),  # PushButton
    3: (KeyType.DIMMER, KeyCategory.LIGHT),  # Dimmer
    4: (KeyType.BLIND, KeyCategory.UNDEFINED),  # BlindUp
    6: (KeyType.BLIND, KeyCategory.UNDEFINED),  # BlindUpAndDown
    10: (KeyType.BOILER, KeyCategory.BOILER),  # Boiler
    11: (KeyType.TOGGLE, KeyCategory.UNDEFINED),  # Heater
    12: (KeyType.SATELLITE, KeyCategory.UNDEFINED),  # Satellite
    18: (KeyType.TOGGLE, KeyCategory.FAN),  # Fan
    20: (KeyType.BLIND_MW, KeyCategory.UNDEFINED),  # BlindMW
}

# The model's types that VTH has no type of their own for: the nearest one.
_TO_VTH: Final[dict[KeyType, int]] = {
    KeyType.NOT_EXIST: 0,
    KeyType.NOT_ACTIVE: 0,
    KeyType.TOGGLE: 1,
    KeyType.DUAL_POLE: 1,
    KeyType.PUSH_BUTTON: 2,
    KeyType.DIMMER: 3,
    KeyType.DIMMER_MW: 3,
    KeyType.BLIND: 4,
    KeyType.BOILER: 10,
    KeyType.SATELLITE: 12,
    KeyType.TOGGLE_SCENE: 14,
    KeyType.THERMOSTAT: 16,
    KeyType.BLIND_MW: 20,
}
VTH_FAN: Final = 18


def key_type_from_vth(vth_type: int) -> tuple[KeyType, KeyCategory]:
    """The model's (type, category) of a VTH key type."""
    known = _FROM_VTH.get(vth_type)
    if known is not None:
        return known
    return KeyType(min(UNKNOWN_BASE + vth_type, 0xFF)), KeyCategory.UNDEFINED


def key_type_to_vth(key_type: KeyType, category: KeyCategory = KeyCategory.UNDEFINED) -> int:
    """The VTH key type a simulated box reports for a model key (the inverse where one exists)."""
    if key_type is KeyType.TOGGLE and category is KeyCategory.FAN:
        return VTH_FAN
    if key_type in _TO_VTH:
        return _TO_VTH[key_type]
    if UNKNOWN_BASE <= key_type < 0xFF:
        return int(key_type) - UNKNOWN_BASE
    return 0
