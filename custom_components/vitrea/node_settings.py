"""The keypads' settings (child lock, backlight): shown, changed by command, read back."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant

from .const import LOGGER
from .error_translation import translate_errors
from .protocols import keypad_client
from .vbox import (
    BoxClient,
    Installation,
    LEDBackgroundBrightness,
    LockStatus,
    MessageError,
    NodeMetaData,
    NodeMetaDataRequest,
    VBoxError,
    VBoxTimeoutError,
)

# Reading a keypad's settings back after a command timed out: tries and the pause between.
NODE_READ_ATTEMPTS = 6
NODE_READ_PAUSE_S = 5.0


@dataclasses.dataclass(frozen=True, slots=True)
class NodeSettings:
    """A keypad's configuration the box lets us change."""

    lock: LockStatus
    led_level: LEDBackgroundBrightness


class NodeSettingsTracker:
    """Every keypad's settings as shown, by node id.

    The box pushes no keypad settings (keys push their state): they come from a
    topology read, from a change the box acknowledged, or from reading a keypad
    back after a change got no clear answer. Changes are counted, so that a
    topology read that asked the box before a change does not undo it.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: BoxClient,
        installation: Installation,
        on_change: Callable[[], None],
    ) -> None:
        self._hass = hass
        self._entry = entry
        self._client = client
        self._on_change = on_change  # shows a change to the entities
        self._settings = _settings_of(installation)
        # Changes (ours or read back), counted, and the last one per node.
        self._changes = 0
        self._changed: dict[int, int] = {}

    def __getitem__(self, node_id: int) -> NodeSettings:
        return self._settings[node_id]

    @property
    def changes(self) -> int:
        """How many changes so far: a topology read started now knows none after it."""
        return self._changes

    def apply_installation(self, fresh: Installation, *, since: int) -> None:
        """Take a fresh topology read's settings, begun when ``changes`` was ``since``.

        A keypad changed after the read began keeps what was set: that is newer
        than what the read found.
        """
        settings = _settings_of(fresh)
        for node_id, change in self._changed.items():
            if change > since and node_id in settings:
                settings[node_id] = self._settings[node_id]
        self._settings = settings

    async def async_set(
        self,
        node_id: int,
        *,
        lock: LockStatus | None = None,
        led_level: LEDBackgroundBrightness | None = None,
    ) -> None:
        """Change a keypad's child lock or backlight, keeping the other setting."""
        current = self._settings[node_id]
        wanted = NodeSettings(
            current.lock if lock is None else lock,
            current.led_level if led_level is None else led_level,
        )
        client = keypad_client(self._client)
        assert client is not None  # no keypad settings entity on other protocols
        with translate_errors():
            try:
                await client.set_node(node_id, wanted.lock, wanted.led_level)
            except VBoxTimeoutError, MessageError:
                # No clear answer: the box may have carried it out (or do so late),
                # and it pushes no keypad settings: read them back to show what it did.
                self._entry.async_create_background_task(
                    self._hass, self._async_read_back(node_id), "vitrea keypad read"
                )
                raise
        self._set(node_id, wanted)

    def _set(self, node_id: int, settings: NodeSettings) -> None:
        self._changes += 1
        self._changed[node_id] = self._changes
        self._settings[node_id] = settings
        self._on_change()

    async def _async_read_back(self, node_id: int) -> None:
        client = keypad_client(self._client)
        assert client is not None  # only after a change, which only port 11501 makes
        for _ in range(NODE_READ_ATTEMPTS):
            try:
                meta = await client.request(NodeMetaDataRequest(node_id))
            except VBoxError as err:
                LOGGER.debug("Reading keypad %s back failed: %s", node_id, err)
                await asyncio.sleep(NODE_READ_PAUSE_S)
                continue
            assert isinstance(meta, NodeMetaData)
            self._set(node_id, NodeSettings(meta.lock, meta.led_level))
            return
        # Given up: the topology read after the next reconnect brings them back.


def _settings_of(installation: Installation) -> dict[int, NodeSettings]:
    return {n.id: NodeSettings(n.lock, n.led_level) for n in installation.nodes}
