"""Repair issues: problems only a person can solve, shown under Settings > Repairs.

A refused login is not one (it starts the reauth flow). A box that keeps answering
"in use" is: another client (the Vitrea app, another integration) holds its only
connection, and Home Assistant can do nothing but keep retrying until someone
closes that client.
"""

from __future__ import annotations

from typing import Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .vbox import BoxBusyError, VBoxError

# The app left open for a few minutes is normal; longer than this needs a person.
BOX_BUSY_AFTER_S = 300.0
# While the link is down, how often the coordinator looks at why.
LINK_CHECK_INTERVAL_S = 30.0

_BUSY_SINCE: Final[HassKey[dict[str, float]]] = HassKey(f"{DOMAIN}_busy_since")


def box_busy_issue_id(entry: ConfigEntry) -> str:
    return f"box_busy_{entry.entry_id}"


@callback
def async_connection_failed(
    hass: HomeAssistant, entry: ConfigEntry, error: VBoxError | None
) -> None:
    """Note why connecting failed; raise the "in use" issue once that has lasted."""
    busy_since = hass.data.setdefault(_BUSY_SINCE, {})
    if not isinstance(error, BoxBusyError):
        # Unreachable or still trying: the box is not known to be held by anyone.
        busy_since.pop(entry.entry_id, None)
        ir.async_delete_issue(hass, DOMAIN, box_busy_issue_id(entry))
        return
    now = hass.loop.time()
    since = busy_since.setdefault(entry.entry_id, now)
    if now - since >= BOX_BUSY_AFTER_S:
        ir.async_create_issue(
            hass,
            DOMAIN,
            box_busy_issue_id(entry),
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key="box_busy",
            translation_placeholders={
                "host": entry.data[CONF_HOST],
                "minutes": f"{BOX_BUSY_AFTER_S / 60:g}",
            },
        )


@callback
def async_clear_box_busy(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """The box answers again (or the entry is unloaded): the issue has solved itself."""
    hass.data.get(_BUSY_SINCE, {}).pop(entry.entry_id, None)
    ir.async_delete_issue(hass, DOMAIN, box_busy_issue_id(entry))
