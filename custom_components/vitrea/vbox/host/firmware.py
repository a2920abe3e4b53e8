"""Which box versions port 11502's client supports, and which have the key LED commands (§3.4).

The table is the vendor integration's; with no box to confirm it, an unsupported
version is a warning, never a refusal.
"""

from __future__ import annotations

import logging
from typing import Final

from .lines import Version

_LOGGER = logging.getLogger(__name__)

# Major -> the lowest supported minor.
SUPPORTED: Final = {7: 99, 8: 63, 9: 0, 0: 0, 10: 0}
LED_MAJORS: Final = (0,)  # and 9 or later


def supported(version: Version) -> bool:
    lowest = SUPPORTED.get(version.major)
    return lowest is not None and version.minor >= lowest


def check_firmware(host: str, version: Version | None) -> None:
    """Log what the version means; never refuse to connect."""
    if version is None:
        _LOGGER.warning("%s did not report its version (G:V:S); continuing", host)
    elif not supported(version):
        _LOGGER.warning(
            "%s reports version %s, which the vendor's integration does not support; "
            "continuing, but some commands may not work",
            host,
            version.text,
        )


def led_supported(version: Version | None) -> bool:
    """The key LED commands (L:) exist from version 9, and on 0.x."""
    return version is not None and (version.major >= 9 or version.major in LED_MAJORS)
