"""What identifies the installation a box serves, read through either port.

Port 11501: each node's MAC (after logging in); port 11502, which reports no MAC
nor serial, its database: keypads with their key counts and ACs, hashed. Every
test connection is closed at once (on 11501 the box serves a single client).
When the chosen protocol gets no answer, the port is asked which one it speaks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .const import LOGGER
from .coordinator import VitreaConfigEntry
from .mapping import compact_mac
from .protocols import create_client, entry_protocol, keypad_client
from .topology import async_load_cached_installation, topology_store
from .vbox import (
    AuthenticationError,
    BoxBusyError,
    Installation,
    MessageError,
    Protocol,
    ProtocolError,
    VBoxConnectionError,
    VBoxError,
    detect_protocol,
    encode_text,
    read_node_macs,
)

# How long the flow waits for a port to tell which protocol it speaks.
DETECT_TIMEOUT = 3.0


@dataclass(frozen=True, slots=True)
class BoxIdentity:
    """The installation a box serves: its unique id, and the compact MAC of every
    node (port 11501) or the id of every keypad (port 11502, which reports no MAC)."""

    unique_id: str
    macs: frozenset[str] = frozenset()
    keypads: frozenset[int] = frozenset()


def check_credentials(data: Mapping[str, Any]) -> dict[str, str]:
    """Errors of a username or password the box's Login frame cannot carry."""
    errors: dict[str, str] = {}
    for field in (CONF_USERNAME, CONF_PASSWORD):
        try:
            encode_text(str(data[field]))
        except MessageError:
            errors[field] = "credential_too_long"
    return errors


async def async_identify_box(
    data: Mapping[str, Any],
) -> tuple[BoxIdentity | None, dict[str, str]]:
    """Connect to the box ``data`` describes and read what identifies it; always disconnect.

    Returns the installation's identity, or None and the form errors to show. A
    box that cannot be reached with the protocol of ``data`` is asked which one
    its port speaks: the error then says what to choose instead.
    """
    protocol = entry_protocol(data)
    if protocol is Protocol.HOST:
        identity, errors = await _async_identify_host(data)
    else:
        identity, errors = await _async_identify_vtu(data)
    if errors.get("base") == "cannot_connect":
        errors = await _async_wrong_protocol(data, protocol) or errors
    return identity, errors


async def _async_identify_vtu(
    data: Mapping[str, Any],
) -> tuple[BoxIdentity | None, dict[str, str]]:
    """Log in on port 11501 and read the nodes' MACs."""
    if errors := check_credentials(data):
        return None, errors
    client = create_client(data)
    vtu = keypad_client(client)
    assert vtu is not None  # the client of port 11501
    try:
        await vtu.connect()
        macs = await read_node_macs(vtu)
    except AuthenticationError:
        return None, {"base": "invalid_auth"}
    except BoxBusyError:
        return None, {"base": "box_busy"}
    except VBoxConnectionError:
        return None, {"base": "cannot_connect"}
    except Exception:
        LOGGER.exception("Unexpected error while testing the vBox at %s", data[CONF_HOST])
        return None, {"base": "unknown"}
    finally:
        await vtu.close()
    if not macs:
        return None, {"base": "no_nodes"}
    return box_identity(macs), {}


async def _async_identify_host(
    data: Mapping[str, Any],
) -> tuple[BoxIdentity | None, dict[str, str]]:
    """Read the box's database on port 11502: its keypads and ACs identify it."""
    client = create_client(data)
    try:
        await client.connect()
        installation = await client.read_installation(with_states=False)
    except VBoxConnectionError, ProtocolError:
        # A port that answers, but not in this protocol, is explained by the caller.
        return None, {"base": "cannot_connect"}
    except Exception:
        LOGGER.exception("Unexpected error while testing the vBox at %s", data[CONF_HOST])
        return None, {"base": "unknown"}
    finally:
        await client.close()
    if not installation.nodes:
        return None, {"base": "no_nodes"}
    return host_identity(installation), {}


async def _async_wrong_protocol(data: Mapping[str, Any], chosen: Protocol) -> dict[str, str] | None:
    """The error to show when the port speaks the other protocol; None otherwise."""
    try:
        found = await detect_protocol(data[CONF_HOST], data[CONF_PORT], timeout=DETECT_TIMEOUT)
    except VBoxError as err:
        LOGGER.debug("Could not tell the protocol of %s: %s", data[CONF_HOST], err)
        return None
    if found is None or found is chosen:
        return None
    return {"base": f"port_speaks_{found.value}"}


def host_installation_id(installation: Installation) -> str:
    """The unique id of an installation read on port 11502, where the box reports no
    MAC nor serial: its keypads (id and key count) and ACs, hashed. Stable across IP
    changes; changes only when keypads or ACs are added or removed."""
    keypads = ",".join(f"{n.id}:{len(n.keys)}" for n in sorted(installation.nodes, key=_id))
    acs = ",".join(str(ac.id) for ac in sorted(installation.air_conditioners, key=_id))
    digest = hashlib.sha1(f"keypads={keypads};acs={acs}".encode(), usedforsecurity=False)
    return f"host-{digest.hexdigest()[:12]}"


def _id(item: Any) -> int:
    return int(item.id)


def host_identity(installation: Installation) -> BoxIdentity:
    return BoxIdentity(
        host_installation_id(installation), keypads=frozenset(n.id for n in installation.nodes)
    )


def box_identity(macs: Mapping[int, str]) -> BoxIdentity:
    """The identity of an installation from its nodes' MACs by node id (at least one)."""
    compact = {node_id: compact_mac(mac) for node_id, mac in macs.items()}
    return BoxIdentity(compact[min(compact)], frozenset(compact.values()))


def running_identity(entry: VitreaConfigEntry, address: Mapping[str, Any]) -> BoxIdentity | None:
    """The identity of the box a loaded entry is connected to at ``address``, else None.

    The box serves one client: while the entry holds it, a test connection to
    the same address would only hear "busy". The running connection knows it.
    """
    if entry.state is not ConfigEntryState.LOADED or not same_address(entry.data, address):
        return None
    coordinator = entry.runtime_data
    installation = coordinator.installation
    if not coordinator.client.connected or not installation.nodes:
        return None
    if installation.protocol is Protocol.HOST:
        return host_identity(installation)
    return box_identity({node.id: node.mac for node in installation.nodes})


def same_address(data: Mapping[str, Any], address: Mapping[str, Any]) -> bool:
    return bool(
        str(data[CONF_HOST]).lower() == str(address[CONF_HOST]).lower()
        and data[CONF_PORT] == address[CONF_PORT]
    )


async def async_same_installation(
    hass: HomeAssistant, entry: VitreaConfigEntry, identity: BoxIdentity
) -> bool:
    """Whether ``identity`` is the installation of ``entry``.

    Port 11501: one of its nodes has the MAC the entry was made for. Port
    11502: its unique id is the entry's, or at least half of the keypads the
    entry knows are still there (a keypad or AC added since changes the id).
    """
    if entry.unique_id in identity.macs or entry.unique_id == identity.unique_id:
        return True
    if entry.state is ConfigEntryState.LOADED:
        known: Installation | None = entry.runtime_data.installation
    else:
        known = await async_load_cached_installation(topology_store(hass, entry))
    keypads = {node.id for node in known.nodes} if known and identity.keypads else set()
    return bool(keypads) and 2 * len(keypads & identity.keypads) >= len(keypads)
