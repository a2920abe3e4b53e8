"""Config flow of the Vitrea integration: set up, re-authenticate and move a vBox.

A box is reached through one of two ports, chosen first: the Vitrea app's port
11501 (binary protocol, username and password) or the integration port 11502
(text protocol, no password, air conditioners). Every path tests the box the
same way: connect, read what identifies the installation (each node's MAC on
11501, the database's keypads and ACs on 11502), and close the connection at
once, because on 11501 the box serves a single client and the entry's own client
must be able to connect right after. For the same reason a box that an entry
holds is never tested through a second connection on 11501: adding its address
again aborts, and reconfiguring a loaded entry uses its running connection (same
address) or lets go of the box for the test. When a box cannot be reached with
the protocol chosen, the flow asks the port which protocol it speaks, and says so.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)

from .compat import vol
from .const import (
    CONF_PROTOCOL,
    CONF_SHOW_MIRROR_KEYS,
    DEFAULT_HOST_PORT,
    DEFAULT_PORT,
    DEFAULT_SHOW_MIRROR_KEYS,
    DOMAIN,
    LOGGER,
)
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

ENTRY_TITLE: Final = "Vitrea"
MIN_PORT: Final = 1
MAX_PORT: Final = 65535
# How long the flow waits for a port to tell which protocol it speaks.
DETECT_TIMEOUT = 3.0

# One RFC 1123 label: letters, digits and inner hyphens, at most 63 characters.
_LABEL: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_MAX_HOSTNAME: Final = 253


class _PortSelector(NumberSelector):
    """The 1-65535 number box, whose range the flow checks itself.

    A plain NumberSelector rejects an out-of-range value while validating the
    schema, which the frontend reports as a failed request; checked in the flow,
    a bad port is an error shown on the port field like any other.
    """

    def __call__(self, data: Any) -> Any:
        return data


_HOST_SELECTOR: Final = TextSelector()
_PORT_SELECTOR: Final = _PortSelector(
    NumberSelectorConfig(min=MIN_PORT, max=MAX_PORT, step=1, mode=NumberSelectorMode.BOX)
)
_USERNAME_SELECTOR: Final = TextSelector(TextSelectorConfig(autocomplete="username"))
_PASSWORD_SELECTOR: Final = TextSelector(
    TextSelectorConfig(type=TextSelectorType.PASSWORD, autocomplete="current-password")
)

ADDRESS_SCHEMA: Final = vol.Schema(
    {
        vol.Required(CONF_HOST): _HOST_SELECTOR,
        vol.Required(CONF_PORT, default=DEFAULT_PORT): _PORT_SELECTOR,
    }
)
HOST_SCHEMA: Final = vol.Schema(
    {
        vol.Required(CONF_HOST): _HOST_SELECTOR,
        vol.Required(CONF_PORT, default=DEFAULT_HOST_PORT): _PORT_SELECTOR,
    }
)
CREDENTIALS_SCHEMA: Final = vol.Schema(
    {
        vol.Required(CONF_USERNAME): _USERNAME_SELECTOR,
        vol.Required(CONF_PASSWORD): _PASSWORD_SELECTOR,
    }
)
USER_SCHEMA: Final = ADDRESS_SCHEMA.extend(CREDENTIALS_SCHEMA.schema)


@dataclass(frozen=True, slots=True)
class BoxIdentity:
    """The installation a box serves: its unique id, and the compact MAC of every
    node (port 11501) or the id of every keypad (port 11502, which reports no MAC)."""

    unique_id: str
    macs: frozenset[str] = frozenset()
    keypads: frozenset[int] = frozenset()


def valid_host(host: str) -> bool:
    """An IPv4/IPv6 address or an RFC 1123 hostname; nothing is resolved."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    name = host.removesuffix(".")
    if not 0 < len(name) <= _MAX_HOSTNAME:
        return False
    labels = name.split(".")
    # An all-numeric last label is a mistyped IP address, not a hostname.
    return all(_LABEL.fullmatch(label) for label in labels) and not labels[-1].isdigit()


def valid_port(value: Any) -> int | None:
    """The port as an int, or None unless it is a whole number in 1..65535."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except TypeError, ValueError:
        return None
    if not number.is_integer() or not MIN_PORT <= number <= MAX_PORT:
        return None
    return int(number)


def check_address(user_input: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The cleaned host and port, and the errors of the fields that are not valid."""
    host = str(user_input[CONF_HOST]).strip()
    port = valid_port(user_input[CONF_PORT])
    errors: dict[str, str] = {}
    if not valid_host(host):
        errors[CONF_HOST] = "invalid_host"
    if port is None:
        errors[CONF_PORT] = "invalid_port"
    return {CONF_HOST: host, CONF_PORT: port}, errors


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


def _without_password(user_input: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if user_input is None:
        return None
    return {key: value for key, value in user_input.items() if key != CONF_PASSWORD}


class VitreaConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a vBox from its address and the Vitrea app's credentials."""

    VERSION = 1
    MINOR_VERSION = 1

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: VitreaConfigEntry) -> VitreaOptionsFlow:
        return VitreaOptionsFlow()

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """How to connect: the Vitrea app's port or the integration port."""
        return self.async_show_menu(step_id="user", menu_options=[Protocol.VTU, Protocol.HOST])

    async def async_step_vtu(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Port 11501: the box's address and the Vitrea app's credentials."""
        return await self._async_step_address(Protocol.VTU, USER_SCHEMA, user_input)

    async def async_step_host(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Port 11502: the box's address only."""
        return await self._async_step_address(Protocol.HOST, HOST_SCHEMA, user_input)

    async def _async_step_address(
        self, protocol: Protocol, schema: vol.Schema, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Ask for the box's address (and credentials); test them before saving."""
        errors: dict[str, str] = {}
        if user_input is not None:
            address, errors = check_address(user_input)
            if not errors:
                # An entry at this address is this box (while loaded it also holds
                # the box's only connection, so a test would only hear "busy").
                for entry in self._async_current_entries(include_ignore=False):
                    if same_address(entry.data, address):
                        return self.async_abort(reason="already_configured")
                data = {**user_input, **address, CONF_PROTOCOL: protocol.value}
                identity, errors = await async_identify_box(data)
                if identity is not None:
                    await self.async_set_unique_id(self._installation_id(identity))
                    self._abort_if_unique_id_configured(updates=address)
                    return self.async_create_entry(
                        title=ENTRY_TITLE,
                        data=data,
                        options={CONF_SHOW_MIRROR_KEYS: DEFAULT_SHOW_MIRROR_KEYS},
                    )
        return self.async_show_form(
            step_id=protocol.value,
            data_schema=self.add_suggested_values_to_schema(schema, _without_password(user_input)),
            errors=errors,
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The box refused the saved credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new credentials and test them against the entry's box."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            credentials = {
                CONF_USERNAME: user_input[CONF_USERNAME],
                CONF_PASSWORD: user_input[CONF_PASSWORD],
            }
            identity, errors = await async_identify_box({**entry.data, **credentials})
            if identity is not None:
                return await self._async_update_entry(entry, identity, credentials)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                CREDENTIALS_SCHEMA,
                {CONF_USERNAME: (user_input or entry.data)[CONF_USERNAME]},
            ),
            errors=errors,
            description_placeholders={CONF_HOST: entry.data[CONF_HOST]},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Move the entry to another address of the same box."""
        entry: VitreaConfigEntry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            address, errors = check_address(user_input)
            if not errors:
                identity = running_identity(entry, address)
                if identity is None:
                    identity, errors = await self._async_identify_for(entry, address)
                if identity is not None:
                    return await self._async_update_entry(entry, identity, address)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                HOST_SCHEMA if entry_protocol(entry.data) is Protocol.HOST else ADDRESS_SCHEMA,
                user_input or entry.data,
            ),
            errors=errors,
            description_placeholders={CONF_HOST: entry.data[CONF_HOST]},
        )

    async def _async_identify_for(
        self, entry: VitreaConfigEntry, address: dict[str, Any]
    ) -> tuple[BoxIdentity | None, dict[str, str]]:
        """Test ``address`` with the entry's credentials, letting go of the box if need be.

        A "busy" answer may come from the entry's own connection (the new address
        reaches the same box): the entry is unloaded for a second try, and set
        up again unless the settings it then gets are saved (which reloads it).
        """
        data = {**entry.data, **address}
        identity, errors = await async_identify_box(data)
        if errors.get("base") != "box_busy" or entry.state is not ConfigEntryState.LOADED:
            return identity, errors
        await self.hass.config_entries.async_unload(entry.entry_id)
        identity, errors = await async_identify_box(data)
        if identity is None or not await self._async_same_installation(entry, identity):
            await self.hass.config_entries.async_setup(entry.entry_id)
        return identity, errors

    def _installation_id(self, identity: BoxIdentity) -> str:
        """The unique id of an entry made for one of the box's nodes, else the box's own.

        The lowest node can change (a node added or removed); the box is still
        the same installation and must not get a second entry.
        """
        for entry in self._async_current_entries():
            if entry.unique_id is not None and entry.unique_id in identity.macs:
                return entry.unique_id
        return identity.unique_id

    async def _async_update_entry(
        self, entry: VitreaConfigEntry, identity: BoxIdentity, data_updates: dict[str, Any]
    ) -> ConfigFlowResult:
        """Save the new settings and reload, unless they reach another installation."""
        if not await self._async_same_installation(entry, identity):
            return self.async_abort(reason="wrong_installation")
        return self.async_update_reload_and_abort(entry, data_updates=data_updates)

    async def _async_same_installation(
        self, entry: VitreaConfigEntry, identity: BoxIdentity
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
            known = await async_load_cached_installation(topology_store(self.hass, entry))
        keypads = {node.id for node in known.nodes} if known and identity.keypads else set()
        return bool(keypads) and 2 * len(keypads & identity.keypads) >= len(keypads)


class VitreaOptionsFlow(OptionsFlowWithReload):
    """Options that change which entities exist; the entry reloads when they change."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None:
            return self.async_create_entry(data={**self.config_entry.options, **user_input})
        current = self.config_entry.options.get(CONF_SHOW_MIRROR_KEYS, DEFAULT_SHOW_MIRROR_KEYS)
        return self.async_show_form(
            step_id="init",
            data_schema=vol.Schema(
                {vol.Required(CONF_SHOW_MIRROR_KEYS, default=current): BooleanSelector()}
            ),
        )
