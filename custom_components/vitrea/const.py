"""Constants of the Vitrea integration."""

from __future__ import annotations

import logging
from typing import Final

from .vbox import DEFAULT_HOST_PORT as VBOX_DEFAULT_HOST_PORT
from .vbox import DEFAULT_PORT as VBOX_DEFAULT_PORT

DOMAIN: Final = "vitrea"
LOGGER: Final = logging.getLogger(__package__)

DEFAULT_PORT: Final = VBOX_DEFAULT_PORT  # the Vitrea app's port (binary "VTU" protocol)
DEFAULT_HOST_PORT: Final = VBOX_DEFAULT_HOST_PORT  # the integration port (text "host" protocol)
# Config entry data: which of the two the entry speaks ("vtu" when absent: older entries).
CONF_PROTOCOL: Final = "protocol"
MANUFACTURER: Final = "Vitrea"

# Options
CONF_SHOW_MIRROR_KEYS: Final = "show_mirror_keys"
DEFAULT_SHOW_MIRROR_KEYS: Final = False

# The bus event fired for every key press the box reports.
EVENT_KEY_EVENT: Final = "vitrea_key_event"

# Entity action: turn a boiler (or any on/off key) on for N minutes.
SERVICE_TURN_ON_FOR: Final = "turn_on_for"
ATTR_MINUTES: Final = "minutes"
TIMER_MIN_MINUTES: Final = 1
TIMER_MAX_MINUTES: Final = 120

# Topology cache (helpers.storage.Store), one file per config entry.
STORAGE_VERSION: Final = 1
