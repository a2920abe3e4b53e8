"""The config, reauth, reconfigure and options flows against the real simulator."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest.mock import AsyncMock, patch

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.vitrea import config_flow, identity
from custom_components.vitrea.const import (
    CONF_PROTOCOL,
    CONF_SHOW_MIRROR_KEYS,
    DEFAULT_PORT,
    DOMAIN,
)
from custom_components.vitrea.mapping import compact_mac
from custom_components.vitrea.vbox import Installation, VBoxClient
from simulator import BusyMode, VBoxSimulator, demo_installation, large_installation

from .conftest import (
    FAST,
    PASSWORD,
    USERNAME,
    box_input,
    installation_unique_id,
    running_box,
    start_flow,
    wait_until,
)

if TYPE_CHECKING:
    import probatio  # HA 2026.9+; 2026.8 validates with voluptuous

type SimulatorFactory = Callable[[Installation], Awaitable[VBoxSimulator]]

TRANSLATIONS = Path(config_flow.__file__).parent / "translations"
OTHER_INSTALLATION_ID = "0011223344556677"


@pytest.fixture
def mock_setup_entry() -> Iterator[AsyncMock]:
    """Entries created or reloaded by a flow are 'set up' without connecting."""
    with patch("custom_components.vitrea.async_setup_entry", return_value=True) as mock:
        yield mock


@pytest.fixture
async def make_simulator() -> AsyncIterator[SimulatorFactory]:
    """More boxes on loopback, with the demo credentials; all stopped at the end."""
    async with AsyncExitStack() as boxes:

        async def factory(installation: Installation) -> VBoxSimulator:
            return await boxes.enter_async_context(running_box(installation))

        yield factory


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def form_schema(result: ConfigFlowResult) -> probatio.Schema:
    schema = result["data_schema"]
    assert schema is not None
    return schema


def suggested(result: ConfigFlowResult, field: str) -> Any:
    """The value a form pre-fills in one field (None when it is left empty)."""
    for marker in form_schema(result).schema:
        if marker == field:
            return (marker.description or {}).get("suggested_value")
    raise AssertionError(f"the form has no field {field!r}")


async def start_user_flow(hass: HomeAssistant, protocol: str = "vtu") -> ConfigFlowResult:
    result = await start_flow(hass, protocol)
    assert result["errors"] == {}
    return result


async def configure(
    hass: HomeAssistant, result: ConfigFlowResult, user_input: dict[str, Any]
) -> ConfigFlowResult:
    return await hass.config_entries.flow.async_configure(result["flow_id"], user_input)


async def assert_box_free(simulator: VBoxSimulator) -> None:
    """The flow's test connection is gone: the box's only slot is free again."""
    await wait_until(lambda: simulator.connected_clients == 0, timeout=2)


async def finish_with_entry(
    hass: HomeAssistant, result: ConfigFlowResult, simulator: VBoxSimulator
) -> ConfigFlowResult:
    """Submit the simulator's correct settings; the flow must create the entry."""
    result = await configure(hass, result, box_input(simulator.port))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {**box_input(simulator.port), CONF_PROTOCOL: "vtu"}
    await assert_box_free(simulator)
    return result


# --------------------------------------------------------------------- user step


async def test_user_flow_creates_the_entry(
    hass: HomeAssistant, simulator: VBoxSimulator, mock_setup_entry: AsyncMock
) -> None:
    result = await start_user_flow(hass)
    # The port field starts at the vBox's standard port.
    defaults = form_schema(result)({CONF_HOST: "h", CONF_USERNAME: "u", CONF_PASSWORD: "p"})
    assert defaults[CONF_PORT] == DEFAULT_PORT == 11501

    result = await configure(hass, result, box_input(simulator.port))
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Vitrea"
    assert result["data"] == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: simulator.port,
        CONF_USERNAME: USERNAME,
        CONF_PASSWORD: PASSWORD,
        CONF_PROTOCOL: "vtu",
    }
    assert result["options"] == {CONF_SHOW_MIRROR_KEYS: False}
    entry = result["result"]
    assert entry.unique_id == installation_unique_id(simulator.installation)
    assert isinstance(entry.data[CONF_PORT], int)
    assert len(mock_setup_entry.mock_calls) == 1
    await assert_box_free(simulator)


async def test_float_port_and_padded_host_are_saved_clean(
    hass: HomeAssistant, simulator: VBoxSimulator, mock_setup_entry: AsyncMock
) -> None:
    # The number box sends floats; a pasted address may carry spaces.
    result = await start_user_flow(hass)
    result = await configure(hass, result, box_input(float(simulator.port), host=" 127.0.0.1 "))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PORT] == simulator.port
    assert type(result["data"][CONF_PORT]) is int
    assert result["data"][CONF_HOST] == "127.0.0.1"


async def test_wrong_password_then_success(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    mock_setup_entry: AsyncMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    result = await start_user_flow(hass)
    result = await configure(hass, result, box_input(simulator.port, password="wrong-pass"))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert suggested(result, CONF_HOST) == "127.0.0.1"
    assert suggested(result, CONF_PORT) == simulator.port
    assert suggested(result, CONF_USERNAME) == USERNAME
    assert suggested(result, CONF_PASSWORD) is None  # never pre-filled
    assert hass.config_entries.async_entries(DOMAIN) == []
    await assert_box_free(simulator)

    await finish_with_entry(hass, result, simulator)
    assert "wrong-pass" not in caplog.text
    assert PASSWORD not in caplog.text


async def test_nothing_listening_then_success(
    hass: HomeAssistant, simulator: VBoxSimulator, mock_setup_entry: AsyncMock
) -> None:
    closed = free_port()
    result = await start_user_flow(hass)
    result = await configure(hass, result, box_input(closed))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert suggested(result, CONF_PORT) == closed
    assert hass.config_entries.async_entries(DOMAIN) == []

    await finish_with_entry(hass, result, simulator)


async def test_box_in_use_then_success(
    hass: HomeAssistant, simulator: VBoxSimulator, mock_setup_entry: AsyncMock
) -> None:
    assert simulator.busy_mode is BusyMode.IN_USE
    app = VBoxClient("127.0.0.1", simulator.port, USERNAME, PASSWORD, config=FAST)
    await app.connect()  # the Vitrea app holds the box's only connection
    try:
        result = await start_user_flow(hass)
        result = await configure(hass, result, box_input(simulator.port))
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "box_busy"}
        assert hass.config_entries.async_entries(DOMAIN) == []
    finally:
        await app.close()
    await assert_box_free(simulator)

    await finish_with_entry(hass, result, simulator)


async def test_box_without_nodes_then_success(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    make_simulator: SimulatorFactory,
    mock_setup_entry: AsyncMock,
) -> None:
    empty = await make_simulator(Installation())
    result = await start_user_flow(hass)
    result = await configure(hass, result, box_input(empty.port))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "no_nodes"}
    assert hass.config_entries.async_entries(DOMAIN) == []
    await assert_box_free(empty)

    await finish_with_entry(hass, result, simulator)


async def test_unexpected_error_then_success(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    mock_setup_entry: AsyncMock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    result = await start_user_flow(hass)
    with patch.object(identity, "read_node_macs", side_effect=RuntimeError("boom")):
        result = await configure(hass, result, box_input(simulator.port))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}
    assert "Unexpected error while testing the vBox at 127.0.0.1" in caplog.text
    assert "boom" in caplog.text
    assert PASSWORD not in caplog.text
    # Logged in before the error: the connection is closed all the same.
    await assert_box_free(simulator)

    await finish_with_entry(hass, result, simulator)


@pytest.mark.parametrize(
    "host",
    [
        "http://x",
        "a b",
        "",
        "   ",
        "-bad-.com",
        "x" * 300,
        "127.0.0.1:11501",
        "192.168.1.300",
        "vbox/path",
    ],
)
async def test_invalid_host_then_success(
    hass: HomeAssistant, simulator: VBoxSimulator, mock_setup_entry: AsyncMock, host: str
) -> None:
    result = await start_user_flow(hass)
    result = await configure(hass, result, box_input(simulator.port, host=host))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HOST: "invalid_host"}
    assert suggested(result, CONF_HOST) == host
    assert suggested(result, CONF_PASSWORD) is None
    assert simulator.received == []  # checked before any connection
    assert hass.config_entries.async_entries(DOMAIN) == []

    await finish_with_entry(hass, result, simulator)


@pytest.mark.parametrize("port", [0, 65536, -1, 80.5, "abc", None])
async def test_invalid_port_then_success(
    hass: HomeAssistant, simulator: VBoxSimulator, mock_setup_entry: AsyncMock, port: Any
) -> None:
    result = await start_user_flow(hass)
    # A form error on the field, not a schema exception that fails the request.
    result = await configure(hass, result, box_input(port))

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_PORT: "invalid_port"}
    assert suggested(result, CONF_PORT) == port
    assert simulator.received == []
    assert hass.config_entries.async_entries(DOMAIN) == []

    await finish_with_entry(hass, result, simulator)


async def test_frontend_shows_a_bad_port_on_the_field(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, simulator: VBoxSimulator
) -> None:
    # Through the API the frontend uses: a number box of 1-65535, and a port
    # outside it comes back as a form error, not as a rejected request.
    assert await async_setup_component(hass, "config", {})
    client = await hass_client()
    response = await client.post("/api/config/config_entries/flow", json={"handler": DOMAIN})
    menu = await response.json()
    assert menu["type"] == "menu"
    response = await client.post(
        f"/api/config/config_entries/flow/{menu['flow_id']}", json={"next_step_id": "vtu"}
    )
    form = await response.json()
    port_field = next(field for field in form["data_schema"] if field["name"] == CONF_PORT)
    assert port_field["default"] == DEFAULT_PORT
    assert port_field["selector"] == {"number": {"min": 1, "max": 65535, "step": 1, "mode": "box"}}

    response = await client.post(
        f"/api/config/config_entries/flow/{form['flow_id']}", json=box_input(70000)
    )
    assert response.status == HTTPStatus.OK
    assert (await response.json())["errors"] == {CONF_PORT: "invalid_port"}
    assert simulator.received == []


async def test_invalid_host_and_port_together(
    hass: HomeAssistant, simulator: VBoxSimulator
) -> None:
    result = await start_user_flow(hass)
    result = await configure(hass, result, box_input(70000, host="http://vbox"))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HOST: "invalid_host", CONF_PORT: "invalid_port"}
    assert simulator.received == []


async def test_same_box_at_a_new_address_updates_the_entry(
    hass: HomeAssistant, simulator: VBoxSimulator, mock_setup_entry: AsyncMock
) -> None:
    old = box_input(DEFAULT_PORT, host="192.168.1.50")
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=installation_unique_id(simulator.installation), data=old
    )
    entry.add_to_hass(hass)

    result = await start_user_flow(hass)
    result = await configure(hass, result, box_input(simulator.port))

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert hass.config_entries.async_entries(DOMAIN) == [entry]
    assert entry.data == box_input(simulator.port)
    await assert_box_free(simulator)


async def test_entry_made_when_another_node_was_lowest_is_the_same_box(
    hass: HomeAssistant, simulator: VBoxSimulator, mock_setup_entry: AsyncMock
) -> None:
    # The entry was made before the box's current lowest node was added.
    highest = max(simulator.installation.nodes, key=lambda n: n.id)
    assert compact_mac(highest.mac) != installation_unique_id(simulator.installation)
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=compact_mac(highest.mac), data=box_input(DEFAULT_PORT)
    )
    entry.add_to_hass(hass)

    result = await start_user_flow(hass)
    result = await configure(hass, result, box_input(simulator.port))

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert hass.config_entries.async_entries(DOMAIN) == [entry]
    assert entry.data[CONF_PORT] == simulator.port


async def test_second_installation_gets_its_own_entry(
    hass: HomeAssistant, simulator: VBoxSimulator, mock_setup_entry: AsyncMock
) -> None:
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id=OTHER_INSTALLATION_ID,
        data=box_input(DEFAULT_PORT, host="10.0.0.9"),
    )
    other.add_to_hass(hass)

    result = await start_user_flow(hass)
    result = await finish_with_entry(hass, result, simulator)

    assert result["result"].unique_id == installation_unique_id(simulator.installation)
    assert len(hass.config_entries.async_entries(DOMAIN)) == 2
    assert other.data[CONF_HOST] == "10.0.0.9"


# --------------------------------------------------------------------- reauth


async def test_reauth_with_the_new_password(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
) -> None:
    config_entry.add_to_hass(hass)
    simulator.set_credentials(USERNAME, "changed-on-the-box")

    result = await config_entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["errors"] == {}
    assert result["description_placeholders"] is not None
    assert result["description_placeholders"][CONF_HOST] == "127.0.0.1"
    assert suggested(result, CONF_USERNAME) == USERNAME
    assert suggested(result, CONF_PASSWORD) is None

    result = await configure(
        hass, result, {CONF_USERNAME: USERNAME, CONF_PASSWORD: "changed-on-the-box"}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert dict(config_entry.data) == box_input(simulator.port, password="changed-on-the-box")
    assert len(mock_setup_entry.mock_calls) == 1  # reloaded with the new password
    await assert_box_free(simulator)


async def test_reauth_wrong_password_then_success(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
) -> None:
    config_entry.add_to_hass(hass)
    simulator.set_credentials("installer", "new-pass")

    result = await config_entry.start_reauth_flow(hass)
    result = await configure(hass, result, {CONF_USERNAME: "installer", CONF_PASSWORD: "typo"})

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert suggested(result, CONF_USERNAME) == "installer"
    assert suggested(result, CONF_PASSWORD) is None
    assert config_entry.data[CONF_PASSWORD] == PASSWORD
    await assert_box_free(simulator)

    result = await configure(hass, result, {CONF_USERNAME: "installer", CONF_PASSWORD: "new-pass"})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert config_entry.data[CONF_USERNAME] == "installer"
    assert config_entry.data[CONF_PASSWORD] == "new-pass"


async def test_reauth_reaching_another_installation_is_refused(
    hass: HomeAssistant, simulator: VBoxSimulator, mock_setup_entry: AsyncMock
) -> None:
    # The entry's address now belongs to some other vBox.
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=OTHER_INSTALLATION_ID,
        data=box_input(simulator.port, password="old-pass"),
    )
    entry.add_to_hass(hass)

    result = await entry.start_reauth_flow(hass)
    result = await configure(hass, result, {CONF_USERNAME: USERNAME, CONF_PASSWORD: PASSWORD})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_installation"
    assert entry.data[CONF_PASSWORD] == "old-pass"
    mock_setup_entry.assert_not_called()
    await assert_box_free(simulator)


# --------------------------------------------------------------------- reconfigure


async def test_reconfigure_to_the_same_box_at_a_new_port(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    make_simulator: SimulatorFactory,
    config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
) -> None:
    config_entry.add_to_hass(hass)
    moved = await make_simulator(demo_installation())

    result = await config_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {}
    assert suggested(result, CONF_HOST) == "127.0.0.1"
    assert suggested(result, CONF_PORT) == simulator.port
    assert CONF_PASSWORD not in form_schema(result).schema

    result = await configure(hass, result, {CONF_HOST: "127.0.0.1", CONF_PORT: moved.port})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert dict(config_entry.data) == box_input(moved.port)
    assert len(mock_setup_entry.mock_calls) == 1
    await assert_box_free(moved)
    assert simulator.received == []  # only the new address was tried


async def test_reconfigure_cannot_connect_then_success(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    make_simulator: SimulatorFactory,
    config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
) -> None:
    config_entry.add_to_hass(hass)
    closed = free_port()

    result = await config_entry.start_reconfigure_flow(hass)
    result = await configure(hass, result, {CONF_HOST: "127.0.0.1", CONF_PORT: closed})

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert suggested(result, CONF_PORT) == closed
    assert config_entry.data[CONF_PORT] == simulator.port

    moved = await make_simulator(demo_installation())
    result = await configure(hass, result, {CONF_HOST: "127.0.0.1", CONF_PORT: moved.port})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert config_entry.data[CONF_PORT] == moved.port


async def test_reconfigure_with_credentials_the_box_refuses(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
) -> None:
    config_entry.add_to_hass(hass)
    simulator.set_credentials(USERNAME, "changed-on-the-box")

    result = await config_entry.start_reconfigure_flow(hass)
    result = await configure(hass, result, {CONF_HOST: "127.0.0.1", CONF_PORT: simulator.port})

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}
    assert config_entry.data[CONF_PASSWORD] == PASSWORD
    mock_setup_entry.assert_not_called()


async def test_reconfigure_rejects_an_invalid_address(
    hass: HomeAssistant, simulator: VBoxSimulator, config_entry: MockConfigEntry
) -> None:
    config_entry.add_to_hass(hass)

    result = await config_entry.start_reconfigure_flow(hass)
    result = await configure(hass, result, {CONF_HOST: "vbox.local/", CONF_PORT: 0})

    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_HOST: "invalid_host", CONF_PORT: "invalid_port"}
    assert suggested(result, CONF_HOST) == "vbox.local/"
    assert simulator.received == []
    assert config_entry.data[CONF_HOST] == "127.0.0.1"


async def test_reconfigure_to_another_installation_is_refused(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    make_simulator: SimulatorFactory,
    config_entry: MockConfigEntry,
    mock_setup_entry: AsyncMock,
) -> None:
    config_entry.add_to_hass(hass)
    neighbour = await make_simulator(large_installation(4))

    result = await config_entry.start_reconfigure_flow(hass)
    result = await configure(hass, result, {CONF_HOST: "127.0.0.1", CONF_PORT: neighbour.port})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_installation"
    assert config_entry.data[CONF_PORT] == simulator.port
    mock_setup_entry.assert_not_called()
    await assert_box_free(neighbour)


# --------------------------------------------------------------------- options


async def test_options_flow_sets_show_mirror_keys(
    hass: HomeAssistant, config_entry: MockConfigEntry, mock_setup_entry: AsyncMock
) -> None:
    config_entry.add_to_hass(hass)

    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert form_schema(result)({}) == {CONF_SHOW_MIRROR_KEYS: False}

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SHOW_MIRROR_KEYS: True}
    )
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options == {CONF_SHOW_MIRROR_KEYS: True}
    assert len(mock_setup_entry.mock_calls) == 1  # reloaded to add the entities

    # The next time the form starts from the saved choice.
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert form_schema(result)({}) == {CONF_SHOW_MIRROR_KEYS: True}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_SHOW_MIRROR_KEYS: True}
    )
    await hass.async_block_till_done()
    assert len(mock_setup_entry.mock_calls) == 1  # nothing changed: no reload


# --------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "host",
    ["192.168.1.20", "::1", "fe80::1%eth0", "vbox", "vbox.local", "my-vbox.home.arpa.", "a" * 63],
)
def test_valid_hosts(host: str) -> None:
    assert config_flow.valid_host(host)


@pytest.mark.parametrize(
    "host",
    ["a" * 64, "1.2.3", ".", "a..b", "bad-.lan", "_vbox.lan", "vbox.lan..", "בית.lan", "[::1]"],
)
def test_invalid_hosts(host: str) -> None:
    assert not config_flow.valid_host(host)


@pytest.mark.parametrize(
    ("value", "port"),
    [(1, 1), (65535, 65535), (11501.0, 11501), ("8080", 8080), (True, None), (float("nan"), None)],
)
def test_port_values(value: Any, port: int | None) -> None:
    assert config_flow.valid_port(value) == port


# --------------------------------------------------------------------- translations


def _keys(tree: Any, prefix: str = "") -> set[str]:
    if not isinstance(tree, dict):
        return {prefix}
    return {key for name, sub in tree.items() for key in _keys(sub, f"{prefix}.{name}")}


def test_hebrew_translates_every_english_string() -> None:
    english = json.loads((TRANSLATIONS / "en.json").read_text(encoding="utf-8"))
    hebrew = json.loads((TRANSLATIONS / "he.json").read_text(encoding="utf-8"))
    for section in ("config", "options"):
        assert _keys(hebrew[section]) == _keys(english[section])


@pytest.mark.parametrize("language", ["en", "he"])
async def test_every_form_field_error_and_abort_has_text(
    hass: HomeAssistant, config_entry: MockConfigEntry, language: str
) -> None:
    config_entry.add_to_hass(hass)
    menu = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    forms = [
        await start_flow(hass, "vtu"),
        await start_flow(hass, "host"),
        await config_entry.start_reauth_flow(hass),
        await config_entry.start_reconfigure_flow(hass),
    ]
    options = await hass.config_entries.options.async_init(config_entry.entry_id)

    config = await async_get_translations(hass, language, "config", {DOMAIN})
    prefix = f"component.{DOMAIN}.config"
    assert config[f"{prefix}.step.user.title"]
    for option in menu["menu_options"]:
        assert config[f"{prefix}.step.user.menu_options.{option}"]
    for form in forms:
        step = f"{prefix}.step.{form['step_id']}"
        assert config[f"{step}.title"]
        for field in form_schema(form).schema:
            assert config[f"{step}.data.{field}"]
            assert config[f"{step}.data_description.{field}"]
    for error in (
        "invalid_host",
        "invalid_port",
        "cannot_connect",
        "invalid_auth",
        "box_busy",
        "no_nodes",
        "unknown",
        "port_speaks_host",
        "port_speaks_vtu",
    ):
        assert config[f"{prefix}.error.{error}"]
    for reason in ("already_configured", "wrong_installation"):
        assert config[f"{prefix}.abort.{reason}"]
    assert "{host}" in config[f"{prefix}.step.reauth_confirm.description"]

    texts = await async_get_translations(hass, language, "options", {DOMAIN})
    step = f"component.{DOMAIN}.options.step.{options['step_id']}"
    assert texts[f"{step}.data.{CONF_SHOW_MIRROR_KEYS}"]
    assert texts[f"{step}.data_description.{CONF_SHOW_MIRROR_KEYS}"]


# --------------------------------------------------------------------- the box's one client


async def test_adding_the_loaded_box_again_is_already_configured(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry
) -> None:
    """The entry holds the box's only connection: the box is not 'busy', it is ours."""
    simulator.clear_received()
    result = await start_user_flow(hass)
    result = await configure(hass, result, box_input(simulator.port))

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert simulator.connected_clients == 1  # the entry's connection, untouched


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",  # the same address: recognised through the running connection
        "localhost",  # another address of the box: the entry lets go of it for the test
    ],
)
async def test_reconfigure_a_loaded_entry_to_an_address_of_its_box(
    hass: HomeAssistant, simulator: VBoxSimulator, loaded_entry: MockConfigEntry, host: str
) -> None:
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await configure(hass, result, {CONF_HOST: host, CONF_PORT: simulator.port})
    await hass.async_block_till_done()

    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert loaded_entry.data[CONF_HOST] == host
    assert loaded_entry.state is ConfigEntryState.LOADED  # reloaded, connected again
    await wait_until(lambda: simulator.connected_clients == 1)


async def test_reconfigure_a_loaded_entry_to_a_dead_address_keeps_it_running(
    hass: HomeAssistant,
    simulator: VBoxSimulator,
    loaded_entry: MockConfigEntry,
    make_simulator: SimulatorFactory,
) -> None:
    result = await loaded_entry.start_reconfigure_flow(hass)
    result = await configure(hass, result, {CONF_HOST: "127.0.0.1", CONF_PORT: free_port()})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.data[CONF_PORT] == simulator.port

    # Another installation's box, busy with its own client: refused, and the
    # entry that was let go for the test is running again.
    other = await make_simulator(large_installation(2))
    other.busy_mode = BusyMode.IN_USE
    holder = VBoxClient("127.0.0.1", other.port, USERNAME, PASSWORD, config=FAST)
    await holder.connect()
    try:
        result = await configure(hass, result, {CONF_HOST: "127.0.0.1", CONF_PORT: other.port})
    finally:
        await holder.close()
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "box_busy"}
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.data[CONF_PORT] == simulator.port
    await wait_until(lambda: simulator.connected_clients == 1)
