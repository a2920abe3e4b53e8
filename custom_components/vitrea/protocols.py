"""What each protocol's client can do, decided in one place.

Port 11501's client (``VBoxClient``) reads and changes keypad settings (child
lock, backlight). Port 11502's client (``HostClient``) words a key command by the
key's type, from the installation it read or was given; it also has air
conditioners and scenarios (which the installation lists, see mapping.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME

from .const import CONF_PROTOCOL
from .vbox import (
    BoxClient,
    ClientConfig,
    HostClient,
    Installation,
    Protocol,
    VBoxClient,
)


def entry_protocol(data: Mapping[str, Any]) -> Protocol:
    """The protocol of a config entry (or a flow's input); entries made before
    port 11502 was supported have none and speak the app's protocol."""
    return Protocol(data.get(CONF_PROTOCOL, Protocol.VTU))


# The library's defaults suit a real box; tests replace these with faster timings
# (None: the host client's own defaults, whose keep-alive the box needs).
CLIENT_CONFIG = ClientConfig()
HOST_CLIENT_CONFIG: ClientConfig | None = None


def create_client(data: Mapping[str, Any]) -> BoxClient:
    """A client for the box a config entry (or a flow's input) describes."""
    if entry_protocol(data) is Protocol.HOST:
        return HostClient(data[CONF_HOST], data[CONF_PORT], config=HOST_CLIENT_CONFIG)
    return VBoxClient(
        data[CONF_HOST],
        data[CONF_PORT],
        data[CONF_USERNAME],
        data[CONF_PASSWORD],
        config=CLIENT_CONFIG,
    )


def keypad_client(client: BoxClient) -> VBoxClient | None:
    """The client, if its protocol reads and changes keypad settings (port 11501)."""
    return client if isinstance(client, VBoxClient) else None


def host_client(client: BoxClient) -> HostClient | None:
    """The client, if its protocol has air conditioners and scenarios (port 11502)."""
    return client if isinstance(client, HostClient) else None


def use_installation(client: BoxClient, installation: Installation) -> None:
    """Tell a client that needs it which installation it serves (the keys' types
    decide how a command is worded on port 11502)."""
    if isinstance(client, HostClient):
        client.installation = installation
