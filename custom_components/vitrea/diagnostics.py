"""Diagnostics: the entry, the connection, the topology and the last frames, secrets redacted.

On port 11502 also the box's firmware, each air conditioner's last state and the
scenarios (the installation lists them).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .coordinator import VitreaConfigEntry
from .protocols import host_client, keypad_client
from .vbox import ACState

TO_REDACT = {CONF_HOST, CONF_PASSWORD, CONF_USERNAME}

# IP literals in error texts: a host given by name shows up resolved ("Connect call
# failed ('192.168.1.20', 11501)"). Candidates are checked with ipaddress.
_IP_CANDIDATES = re.compile(
    r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"
    r"|(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"
)


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: VitreaConfigEntry
) -> dict[str, Any]:
    coordinator = entry.runtime_data
    client = coordinator.client
    vtu = keypad_client(client)
    host = host_client(client)
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "connection": {
            "connected": client.connected,
            "protocol": client.protocol.value,
            "firmware": client.firmware,
            "protocol_version": vtu.protocol_version if vtu is not None else None,
            # Error texts name the host: redact it there too.
            "last_error": (
                _redact_address(str(client.last_error), client.host) if client.last_error else None
            ),
            "discarded_bytes": {reason.name: count for reason, count in client.discarded.items()},
            # Pacing adapts to the box: a wide gap or lost requests tell of a slow one.
            "request_gap": round(client.current_gap, 4),
            "unanswered_requests": client.unanswered_requests,
        },
        # The Login frame is stored redacted (see vbox/capture.py): `replay` reads this back.
        "capture": client.capture.to_dict(),
        "installation": coordinator.installation.to_dict(),
        "key_states": [
            {
                "node": status.node_id,
                "key": status.key_id,
                "status": status.status.name,
                "level": status.level,
                "timer": status.timer,
            }
            for status in coordinator.data.values()
        ],
        "ac_states": [_ac_state(state) for state in host.ac_states.values()] if host else [],
    }


def _ac_state(state: ACState) -> dict[str, Any]:
    """An AC's state with its codes by name (None: the box sent no usable value)."""
    return {
        "ac": state.ac_id,
        "on": state.on,
        "mode": state.mode.name if state.mode is not None else None,
        "fan": state.fan.name if state.fan is not None else None,
        "setpoint": state.setpoint,
        "temperature": state.temperature,
        "type": state.type.name if state.type is not None else None,
        "relay": state.relay,
        "unit": state.unit.name if state.unit is not None else None,
    }


def _redact_address(text: str, host: str) -> str:
    """``text`` without the configured host nor any IP address (e.g. the host resolved)."""

    def redact_ip(match: re.Match[str]) -> str:
        try:
            ipaddress.ip_address(match.group())
        except ValueError:
            return match.group()
        return REDACTED

    return _IP_CANDIDATES.sub(redact_ip, text.replace(host, REDACTED))
