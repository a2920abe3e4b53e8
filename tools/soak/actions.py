"""What people do: change keys on the wall, and use Home Assistant's controls.

A wall action changes the simulator directly (the box pushes the result). A
command is a service call, with what it must have done on the box if Home
Assistant says it succeeded, and which request carries it on the wire: a VTU
frame on port 11501, a text line on port 11502 (``host``). The air conditioners
of port 11502 have their own module, ``climate``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from custom_components.vitrea.const import (
    ATTR_MINUTES,
    DOMAIN,
    SERVICE_TURN_ON_FOR,
    TIMER_MAX_MINUTES,
    TIMER_MIN_MINUTES,
)
from custom_components.vitrea.mapping import EntitySpec, Kind
from custom_components.vitrea.vbox import (
    AirConditioner,
    Installation,
    Key,
    KeyPowerStatus,
    KeyType,
    LEDBackgroundBrightness,
    LockStatus,
    MessageError,
)
from custom_components.vitrea.vbox.vtu.enums import CommandId
from custom_components.vitrea.vbox.vtu.frames import Frame
from custom_components.vitrea.vbox.vtu.messages import ToggleKeyStatus, ToggleNodeStatus, decode
from simulator import HostSimulator, PressKind, VBoxSimulator
from tools.harness import WireMessage
from tools.soak import host
from tools.soak.climate import ac_effect, choose_ac_action
from tools.soak.expect import blind_position, nearest_percent

type KeyAddress = tuple[int, int]
type Target = tuple[int, int | None] | host.ACTarget
"""What a command changes on the box: a key (node, key), a keypad's settings (node,
None) or an air conditioner ("ac", id)."""
type Effect = Callable[[VBoxSimulator, Sequence[WireMessage]], str | None]
"""Given the box and what its server received since the call began: None if the
command's effect is there, else what the box shows instead."""

_DIMMERS = frozenset({KeyType.DIMMER, KeyType.DIMMER_MW})
_BLINDS = frozenset({KeyType.BLIND, KeyType.BLIND_MW})
_PRESS_KEYS = frozenset({KeyType.SATELLITE, KeyType.PUSH_BUTTON, KeyType.TOGGLE_SCENE})
_ON_OFF_KEYS = frozenset({KeyType.TOGGLE, KeyType.DUAL_POLE})
_WALL_KEYS = _DIMMERS | _BLINDS | _PRESS_KEYS | _ON_OFF_KEYS | {KeyType.BOILER}


# ---------------------------------------------------------------------- the wall


def wall_keys(installation: Installation) -> Iterator[tuple[int, Key]]:
    """Keys someone can press or switch on the wall."""
    for node in installation.nodes:
        for key in node.keys:
            if key.type in _WALL_KEYS:
                yield node.id, key


async def wall_action(rng: random.Random, box: VBoxSimulator, node_id: int, key: Key) -> str:
    """Change or press ``key`` as a person at the keypad would; return what was done."""
    on, off = KeyPowerStatus.ON, KeyPowerStatus.OFF
    where = f"{node_id}/{key.id}"
    if key.type in _PRESS_KEYS:
        press = rng.choice(list(PressKind))
        await box.press_key(node_id, key.id, press)
        return f"press {press} {where}"
    roll = rng.random()
    if roll < 0.35:
        await box.set_key_state(node_id, key.id, off)
        return f"off {where}"
    if key.type in _DIMMERS | _BLINDS and roll < 0.85:
        level = rng.randint(1 if key.type in _DIMMERS else 0, 100)
        await box.set_key_state(node_id, key.id, on, level)
        return f"on {where} at {level}"
    if key.type is KeyType.BOILER and roll < 0.7:
        minutes = rng.randint(TIMER_MIN_MINUTES, TIMER_MAX_MINUTES)
        await box.set_key_state(node_id, key.id, on, timer=minutes)
        return f"on {where} for {minutes} min"
    await box.set_key_state(node_id, key.id, on)
    return f"on {where}"


# ---------------------------------------------------------------------- Home Assistant


@dataclass(frozen=True, slots=True)
class Command:
    """A service call on one entity and what it must do to the box."""

    domain: str
    service: str
    target: Target
    effect: Effect
    data: dict[str, Any] = field(default_factory=dict)
    press: bool = False  # a press is sent at most once: a second one would run it twice

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v}" for k, v in self.data.items())
        return f"{self.domain}.{self.service}({args}) on {self.target[0]}/{self.target[1]}"


def choose_command(rng: random.Random, spec: EntitySpec) -> Command | None:
    """A random thing to do with ``spec``'s entity; None for read-only entities."""
    node_id = spec.node.id
    if spec.kind is Kind.LED_LEVEL:
        level = rng.choice(list(LEDBackgroundBrightness))
        return Command(
            "select",
            "select_option",
            (node_id, None),
            _node_led(node_id, level),
            {"option": level.name.lower()},
        )
    if spec.kind is Kind.CHILD_LOCK:
        locked = rng.random() < 0.5
        lock = LockStatus.LOCKED if locked else LockStatus.UNLOCKED
        return Command(
            "switch",
            "turn_on" if locked else "turn_off",
            (node_id, None),
            _node_lock(node_id, lock),
        )
    if spec.key is None:
        return None
    address = (node_id, spec.key.id)
    roll = rng.random()
    match spec.kind:
        case Kind.SCENE:
            return Command("scene", "turn_on", address, _pressed(address), press=True)
        case Kind.BUTTON:
            return Command("button", "press", address, _pressed(address), press=True)
        case Kind.BLIND:
            if roll < 0.2:
                return Command("cover", "open_cover", address, _blind_at(address, 100))
            if roll < 0.4:
                return Command("cover", "close_cover", address, _blind_at(address, 0))
            position = rng.randint(0, 100)
            return Command(
                "cover",
                "set_cover_position",
                address,
                _blind_at(address, position),
                {"position": position},
            )
        case Kind.DIMMER if roll < 0.5:
            value = rng.randint(1, 255)
            percent = nearest_percent(value)
            return Command(
                "light", "turn_on", address, _dimmer_at(address, percent), {"brightness": value}
            )
        case Kind.SWITCH | Kind.BOILER if roll < 0.3:
            minutes = rng.randint(TIMER_MIN_MINUTES, TIMER_MAX_MINUTES)
            return Command(
                DOMAIN,
                SERVICE_TURN_ON_FOR,
                address,
                _timer_up_to(address, minutes),
                {ATTR_MINUTES: minutes},
            )
        case Kind.DIMMER | Kind.LIGHT | Kind.SWITCH | Kind.BOILER | Kind.FAN:
            domain = {Kind.DIMMER: "light", Kind.LIGHT: "light", Kind.FAN: "fan"}.get(
                spec.kind, "switch"
            )
            on = rng.random() < 0.5
            status = KeyPowerStatus.ON if on else KeyPowerStatus.OFF
            return Command(
                domain, "turn_on" if on else "turn_off", address, _key_is(address, status)
            )
    return None


def choose_ac_command(rng: random.Random, box: HostSimulator, ac: AirConditioner) -> Command:
    """A random climate action on ``ac``'s entity (port 11502)."""
    service, data, wanted = choose_ac_action(rng, ac, box.ac_state(ac.id))
    return Command("climate", service, (host.AC, ac.id), ac_effect(box, ac.id, wanted), data)


def carries(message: WireMessage, target: Target) -> bool:
    """Whether ``message`` is a request that changes ``target`` (a key, a keypad or an AC)."""
    if not isinstance(message, Frame):
        return host.carries(message, target)
    return _frame_carries(message, target)


def _frame_carries(frame: Frame, target: Target) -> bool:
    if target[0] == host.AC or frame.command not in (
        CommandId.TOGGLE_KEY_STATUS,
        CommandId.TOGGLE_NODE_STATUS,
    ):
        return False
    try:
        message = decode(frame)
    except MessageError:
        return False
    node_id, key_id = target
    if isinstance(message, ToggleNodeStatus):
        return key_id is None and message.node_id == node_id
    return isinstance(message, ToggleKeyStatus) and (message.node_id, message.key_id) == target


# ---------------------------------------------------------------------- effects


def _key_is(address: KeyAddress, status: KeyPowerStatus) -> Effect:
    def effect(box: VBoxSimulator, _received: Sequence[WireMessage]) -> str | None:
        shown = box.key_state(*address).status
        return None if shown is status else f"key is {shown.name}, not {status.name}"

    return effect


def _dimmer_at(address: KeyAddress, level: int) -> Effect:
    def effect(box: VBoxSimulator, _received: Sequence[WireMessage]) -> str | None:
        state = box.key_state(*address)
        if state.is_on and state.level == level:
            return None
        return f"key is {state.status.name} at {state.level}, not ON at {level}"

    return effect


def _blind_at(address: KeyAddress, position: int) -> Effect:
    def effect(box: VBoxSimulator, _received: Sequence[WireMessage]) -> str | None:
        shown = blind_position(box, *address)
        return None if shown == position else f"blind at {shown}, not {position}"

    return effect


def _timer_up_to(address: KeyAddress, minutes: int) -> Effect:
    def effect(box: VBoxSimulator, _received: Sequence[WireMessage]) -> str | None:
        state = box.key_state(*address)
        if state.is_on and 1 <= state.timer <= minutes:
            return None
        return f"key is {state.status.name} with {state.timer} min, not ON for {minutes}"

    return effect


def _pressed(address: KeyAddress) -> Effect:
    def effect(_box: VBoxSimulator, received: Sequence[WireMessage]) -> str | None:
        for message in received:
            if not carries(message, address):
                continue
            if not isinstance(message, Frame):
                return None  # port 11502 has no press: any command to the key is it
            request = decode(message)
            assert isinstance(request, ToggleKeyStatus)
            if request.action is KeyPowerStatus.SHORT:
                return None
        return "the box received no press"

    return effect


def _node_led(node_id: int, level: LEDBackgroundBrightness) -> Effect:
    def effect(box: VBoxSimulator, _received: Sequence[WireMessage]) -> str | None:
        node = box.installation.node(node_id)
        shown = node.led_level if node else None
        return None if shown is level else f"backlight {shown}, not {level.name}"

    return effect


def _node_lock(node_id: int, lock: LockStatus) -> Effect:
    def effect(box: VBoxSimulator, _received: Sequence[WireMessage]) -> str | None:
        node = box.installation.node(node_id)
        shown = node.lock if node else None
        return None if shown is lock else f"lock {shown}, not {lock.name}"

    return effect
