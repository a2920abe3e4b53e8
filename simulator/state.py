"""The simulated box's key states: loads, dimmer levels, blind positions and timers.

Each existing key of the installation has one :class:`KeyState`. Commands from a
client and changes from the wall go through :meth:`KeyStates.apply`; a running
timer turns its key off by itself and reports the change to ``on_change``.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from custom_components.vitrea.vbox import Installation, Key, KeyPowerStatus, KeyStatus, KeyType

_LOGGER = logging.getLogger(__name__)

_KEY_STATUS_EXTRA: Final = b"\x00\x00"  # constant bytes of the captured samples (§2.4)
DIMMERS: Final = frozenset({KeyType.DIMMER, KeyType.DIMMER_MW})
BLINDS: Final = frozenset({KeyType.BLIND, KeyType.BLIND_MW})


class PressKind(StrEnum):
    """A press on a wall key, as the box reports it in a 0x29 push."""

    SHORT = "short"
    LONG = "long"
    RELEASE = "release"

    @property
    def status(self) -> KeyPowerStatus:
        return _PRESS_STATUS[self]


_PRESS_STATUS: Final = {
    PressKind.SHORT: KeyPowerStatus.SHORT,
    PressKind.LONG: KeyPowerStatus.LONG,
    PressKind.RELEASE: KeyPowerStatus.RELEASED,
}


def press_kind(status: KeyPowerStatus) -> PressKind:
    """The press a SHORT, LONG or RELEASED status reports."""
    return next(kind for kind, value in _PRESS_STATUS.items() if value is status)


@dataclass(slots=True)
class KeyState:
    """The load state of one key, as the box would report it."""

    key_type: KeyType
    status: KeyPowerStatus = KeyPowerStatus.OFF
    level: int = 0  # reported level: dimmer level or blind position
    memory: int = 0  # last dimmer level, restored by ON without a level
    deadline: float | None = None  # loop time at which a running timer turns the key off
    handle: asyncio.TimerHandle | None = None
    pending_minutes: int = 0  # a timer not armed yet (no running loop, or stopped)

    def cancel_timer(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
        self.handle = None
        self.deadline = None
        self.pending_minutes = 0


@dataclass(frozen=True, slots=True)
class SceneStep:
    """One key a scenario changes: ON (``level`` None: as the key was) or OFF."""

    node_id: int
    key_id: int
    status: KeyPowerStatus
    level: int | None = None


def existing_keys(installation: Installation) -> Iterator[tuple[int, Key]]:
    """(node id, key) of every key position that holds a key."""
    for node in installation.nodes:
        for key in node.keys:
            if key.type.exists:
                yield node.id, key


class KeyStates:
    """One state per existing key of an installation, with its timer.

    ``minute`` is the length in seconds of one timer minute (tests make it tiny);
    ``on_change`` is told of a change the box makes by itself (a timer running out).
    """

    def __init__(
        self, installation: Installation, minute: float, on_change: Callable[[KeyStatus], None]
    ) -> None:
        if minute <= 0:
            raise ValueError("minute must be positive")
        self.minute = minute
        self._on_change = on_change
        self._states: dict[tuple[int, int], KeyState] = {}
        self.reset(installation)

    def reset(self, installation: Installation) -> None:
        """One state per existing key; keep a previous state whose key still exists."""
        previous = self._states
        states: dict[tuple[int, int], KeyState] = {}
        for node_id, key in existing_keys(installation):
            old = previous.pop((node_id, key.id), None)
            if old is not None:
                old.key_type = key.type
                states[node_id, key.id] = old
            else:
                states[node_id, key.id] = KeyState(key.type)
        for gone in previous.values():
            gone.cancel_timer()
        self._states = states

    def forget(self, node_id: int, key_id: int) -> None:
        """Drop a key's state, so that the box answers ERROR for it (a fault knob)."""
        self._states.pop((node_id, key_id)).cancel_timer()

    def get(self, node_id: int, key_id: int) -> KeyState | None:
        return self._states.get((node_id, key_id))

    def state(self, node_id: int, key_id: int) -> KeyState:
        """A key's state; KeyError for a key that does not exist."""
        state = self._states.get((node_id, key_id))
        if state is None:
            raise KeyError(f"no key {node_id}/{key_id} in the installation")
        return state

    def status_of(self, node_id: int, key_id: int, state: KeyState) -> KeyStatus:
        """The KeyStatus the box reports for a key in ``state``."""
        return KeyStatus(
            node_id,
            key_id,
            state.status,
            state.level,
            self.remaining_minutes(state),
            _KEY_STATUS_EXTRA,
        )

    def first_status(self) -> KeyStatus | None:
        """The status of the first key, if there is one."""
        for (node_id, key_id), state in self._states.items():
            return self.status_of(node_id, key_id, state)
        return None

    def apply_initial(self, status: KeyStatus) -> None:
        """Start from ``status`` (a state given when the box is made)."""
        state = self._states.get((status.node_id, status.key_id))
        if state is None:
            raise ValueError(f"state given for key {status.node_id}/{status.key_id}, not a key")
        state.status = status.status
        state.level = status.level
        if status.level:
            state.memory = status.level
        if status.status is KeyPowerStatus.ON and status.timer:
            self._start_timer(status.node_id, status.key_id, state, status.timer)

    def apply(
        self,
        node_id: int,
        key_id: int,
        state: KeyState,
        action: KeyPowerStatus,
        *,
        level: int | None,
        timer: int,
    ) -> None:
        """Switch a key ON or OFF. ``timer`` (minutes) only matters for ON."""
        state.cancel_timer()
        if action is KeyPowerStatus.OFF:
            state.status = KeyPowerStatus.OFF
            state.level = 0
            return
        if state.key_type in DIMMERS:
            if level:
                state.memory = level
            state.level = state.memory or 100
            state.memory = state.level
        elif state.key_type in BLINDS:
            state.level = level if level is not None else (state.level or 100)
        else:
            state.level = 0
        if state.key_type in BLINDS and state.level == 0:
            state.status = KeyPowerStatus.OFF  # position 0: closed
            return
        state.status = KeyPowerStatus.ON
        if timer:
            self._start_timer(node_id, key_id, state, timer)

    def arm_pending_timers(self) -> None:
        """Start the timers set while no loop ran, or kept over a stop."""
        for (node_id, key_id), state in self._states.items():
            if state.pending_minutes:
                self._start_timer(node_id, key_id, state, state.pending_minutes)

    def pause_timers(self) -> None:
        """Cancel running timers but keep what is left, so that a later start resumes them."""
        for state in self._states.values():
            if state.handle is not None:
                minutes = self.remaining_minutes(state)
                state.cancel_timer()
                state.pending_minutes = minutes

    def remaining_minutes(self, state: KeyState) -> int:
        if state.deadline is None:
            return state.pending_minutes
        left = state.deadline - asyncio.get_running_loop().time()
        return max(1, min(0xFFFF, math.ceil(left / self.minute - 1e-9)))

    def _start_timer(self, node_id: int, key_id: int, state: KeyState, minutes: int) -> None:
        state.cancel_timer()
        minutes = min(minutes, 0xFFFF)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            state.pending_minutes = minutes  # armed by start()
            return
        delay = minutes * self.minute
        state.deadline = loop.time() + delay
        state.handle = loop.call_later(delay, self._timer_expired, node_id, key_id, state)

    def _timer_expired(self, node_id: int, key_id: int, state: KeyState) -> None:
        state.handle = None
        state.deadline = None
        _LOGGER.debug("timer of key %d/%d ran out", node_id, key_id)
        state.status = KeyPowerStatus.OFF
        state.level = 0
        self._on_change(self.status_of(node_id, key_id, state))
