"""Config flow of the Vitrea integration: set up, re-authenticate and move a vBox.

A box is reached through one of two ports, chosen first: the Vitrea app's port
11501 (binary protocol, username and password) or the integration port 11502
(text protocol, no password, air conditioners). Every path tests the box the
same way (identity.py): connect, read what identifies the installation, and
close the connection at once, because on 11501 the box serves a single client
and the entry's own client must be able to connect right after. For the same
reason a box that an entry holds is never tested through a second connection on
11501: adding its address again aborts, and reconfiguring a loaded entry uses its
running connection (same address) or lets go of the box for the test.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
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
)
from .coordinator import VitreaConfigEntry
from .identity import (
    BoxIdentity,
    async_identify_box,
    async_same_installation,
    running_identity,
    same_address,
)
from .protocols import entry_protocol
from .vbox import Protocol

ENTRY_TITLE: Final = "Vitrea"
MIN_PORT: Final = 1
MAX_PORT: Final = 65535

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
        if identity is None or not await async_same_installation(self.hass, entry, identity):
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
        if not await async_same_installation(self.hass, entry, identity):
            return self.async_abort(reason="wrong_installation")
        return self.async_update_reload_and_abort(entry, data_updates=data_updates)


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
